package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import io.jvs.core.StateSync;
import java.lang.System.Logger.Level;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The send side of the stream, as the kernel's master builds it: entries are copied into the message being filled
 * (under a short lock, nothing allocated), a full message is queued for the sender thread and the next one is taken
 * from a fixed pool; with no free buffer (the sender fell behind: IPVS {@code sync_qlen_max}) an entry is dropped
 * and counted, so the data path never waits.
 *
 * <p>The sender thread is woken as the kernel wakes its master thread: when {@value #WAKEUP_RATE} messages are
 * queued ({@code IPVS_SYNC_WAKEUP_RATE}), else at most {@code IPVS_SYNC_SEND_DELAY} (20 ms) after a message was
 * queued; never per entry or per message. It then takes every queued message, copies them into one JGroups message
 * (a frame of at most {@value #FRAME} bytes), gives the buffers back and hands the frame to JGroups (which keeps it
 * until every member has it, in reliable mode): one JGroups message, one copy and one wake-up for several IPVS
 * messages, where each IPVS message cost all three before.
 *
 * <p>Each buffer is the stream header ({@value #HEADER} bytes: magic, version, sequence number, time of sealing in
 * wall-clock microseconds) and the IPVS message. A frame is the magic and version 2, then for each message its
 * sequence number, time and IPVS message (whose header has its size); version 1 was one message, the same layout.
 */
final class Outbox implements AutoCloseable {

    static final int MAGIC = 0x53;
    static final int HEADER = 18;
    /** The frame version: one or more messages. */
    static final int VERSION = 2;
    /** How many queued messages wake the sender at once (the kernel's {@code IPVS_SYNC_WAKEUP_RATE}). */
    static final int WAKEUP_RATE = 8;
    /** The longest a queued message waits for the sender (the kernel's {@code IPVS_SYNC_SEND_DELAY}, HZ/50). */
    static final long SEND_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** The largest frame: under JGroups' fragment size, so that an unreliable frame is one datagram's worth. */
    static final int FRAME = 57344;
    private static final System.Logger LOG = System.getLogger(ConnectionSync.class.getName());

    /** Sends one frame (one or more messages) of {@code count} entries in all. */
    interface Sender {
        void send(byte[] payload, int count) throws Exception;
    }

    private final int capacity;
    private final ArrayBlockingQueue<byte[]> free;
    private final ArrayBlockingQueue<byte[]> full;
    private final Sender sender;
    private final Thread thread;
    private final Object lock = new Object();
    private volatile int limit;
    private volatile int syncId;
    private volatile boolean closed;
    // Guarded by lock.
    private byte[] batch;
    private int pos;
    private int count;
    private long sequence;
    /** Messages sealed since the sender last took them. */
    private int queued;
    // The sender thread's.
    private final byte[][] taken;
    final AtomicLong sentMessages = new AtomicLong();
    final AtomicLong sentEntries = new AtomicLong();
    final AtomicLong queueDrops = new AtomicLong();
    final AtomicLong sentFrames = new AtomicLong();

    /**
     * @param maxLength the largest IPVS message
     * @param buffers how many messages may wait for the sender
     */
    Outbox(int maxLength, int buffers, int syncId, Sender sender, String threadName) {
        this.capacity = maxLength;
        this.limit = maxLength;
        this.syncId = syncId;
        this.sender = sender;
        this.free = new ArrayBlockingQueue<>(buffers);
        this.full = new ArrayBlockingQueue<>(buffers + 1);
        this.taken = new byte[buffers][];
        for (int i = 0; i < buffers; i++) {
            free.add(new byte[HEADER + maxLength]);
        }
        this.thread = new Thread(this::run, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** The largest IPVS message from now on, at most the capacity it was built with. */
    void limit(int maxLength) {
        limit = Math.min(capacity, maxLength);
    }

    int limit() {
        return limit;
    }

    void syncId(int id) {
        syncId = id;
    }

    /** Queues a connection-table entry; false if it was dropped for want of a buffer. Allocates nothing. */
    boolean add(StateSync.Entry e) {
        int len = e.isV6() ? SyncMessage.IPV6_ENTRY_LENGTH : SyncMessage.IPV4_ENTRY_LENGTH;
        synchronized (lock) {
            int at = reserve(len);
            if (at < 0) {
                return false;
            }
            pos = SyncMessage.writeEntry(batch, at, e);
            count++;
        }
        return true;
    }

    /** Queues a record (with its options); false if it was dropped for want of a buffer. */
    boolean add(SyncRecord r) {
        int len = SyncMessage.entryLength(r);
        synchronized (lock) {
            int at = reserve(len);
            if (at < 0) {
                return false;
            }
            pos = SyncMessage.writeEntry(batch, at, r);
            count++;
        }
        return true;
    }

    /** Where an entry of {@code len} bytes goes (padded), sealing a full message first; -1 when dropped. Locked. */
    private int reserve(int len) {
        if (batch != null) {
            int pad = (4 - (pos - HEADER)) & 3;
            if (pos + pad + len > HEADER + limit || count == 255) {
                seal();
            } else {
                for (int i = 0; i < pad; i++) {
                    batch[pos++] = 0;
                }
                return pos;
            }
        }
        batch = free.poll();
        if (batch == null) {
            queueDrops.incrementAndGet();
            return -1;
        }
        pos = HEADER + SyncMessage.HEADER_LENGTH;
        count = 0;
        return pos;
    }

    /** Finishes the message being filled and queues it for the sender. Locked. */
    private void seal() {
        byte[] b = batch;
        SyncMessage.writeHeader(b, HEADER, syncId, pos - HEADER, count);
        b[0] = (byte) MAGIC;
        b[1] = 1;
        putLong(b, 2, ++sequence);
        putLong(b, 10, System.currentTimeMillis() * 1000);
        full.add(b); // never blocks: it holds every buffer; nobody waits on it, so it wakes nobody
        batch = null;
        if (++queued == WAKEUP_RATE) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Queues the message being filled, if it has entries; with {@code now}, the sender sends what is queued at once
     * rather than within its send delay.
     */
    void flush(boolean now) {
        synchronized (lock) {
            if (batch != null && count > 0) {
                seal();
            }
        }
        if (now) {
            LockSupport.unpark(thread);
        }
    }

    /** The length of a buffer's part in a frame: sequence, time and the IPVS message. */
    private static int frameLength(byte[] b) {
        return HEADER - 2 + ((b[HEADER + 2] & 0xff) << 8 | b[HEADER + 3] & 0xff);
    }

    private void run() {
        for (;;) {
            synchronized (lock) {
                queued = 0;
            }
            int n = 0;
            int length = 2;
            for (byte[] b = full.peek(); b != null; b = full.peek()) {
                if (n > 0 && length + frameLength(b) > FRAME) {
                    break;
                }
                taken[n++] = full.poll();
                length += frameLength(b);
            }
            if (n == 0) {
                if (closed) {
                    return;
                }
                LockSupport.parkNanos(this, SEND_DELAY_NANOS);
                continue;
            }
            byte[] frame = new byte[length];
            frame[0] = (byte) MAGIC;
            frame[1] = VERSION;
            int pos = 2;
            int entries = 0;
            for (int i = 0; i < n; i++) {
                byte[] b = taken[i];
                taken[i] = null;
                int len = frameLength(b);
                System.arraycopy(b, 2, frame, pos, len);
                pos += len;
                entries += b[HEADER + 4] & 0xff;
                free.offer(b);
            }
            try {
                sender.send(frame, entries);
                sentMessages.addAndGet(n);
                sentEntries.addAndGet(entries);
                sentFrames.incrementAndGet();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "sync frame of " + n + " messages, " + entries + " entries not sent: " + e);
            }
        }
    }

    /** Queues what is being filled, lets the sender send what is queued (up to 5 s), then stops it. */
    @Override
    public void close() {
        flush(false);
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.interrupt();
    }

    static void putLong(byte[] b, int p, long v) {
        for (int i = 7; i >= 0; i--) {
            b[p + i] = (byte) v;
            v >>>= 8;
        }
    }

    static long getLong(byte[] b, int p) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = v << 8 | b[p + i] & 0xff;
        }
        return v;
    }
}
