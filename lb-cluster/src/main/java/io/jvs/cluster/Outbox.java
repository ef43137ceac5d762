package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import io.jvs.core.StateSync;
import java.lang.System.Logger.Level;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The send side of the stream, as the kernel's master builds it: entries are copied into the message being filled
 * (under a short lock, nothing allocated), a full message is queued for the sender thread and the next one is taken
 * from a fixed pool; with no free buffer (the sender fell behind: IPVS {@code sync_qlen_max}) an entry is dropped
 * and counted, so the data path never waits. The sender thread copies each message out, gives the buffer back, and
 * hands the copy to JGroups (which keeps it until every member has it, in reliable mode).
 *
 * <p>Each buffer is the stream header ({@value #HEADER} bytes: magic, version, sequence number, time of sealing in
 * wall-clock microseconds) and the IPVS message.
 */
final class Outbox implements AutoCloseable {

    static final int MAGIC = 0x53;
    static final int HEADER = 18;
    private static final System.Logger LOG = System.getLogger(ConnectionSync.class.getName());

    /** Sends one finished payload (header and IPVS message) of {@code count} entries. */
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
    final AtomicLong sentMessages = new AtomicLong();
    final AtomicLong sentEntries = new AtomicLong();
    final AtomicLong queueDrops = new AtomicLong();

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
        full.add(b);
        batch = null;
    }

    /** Queues the message being filled now, if it has entries. */
    void flush() {
        synchronized (lock) {
            if (batch != null && count > 0) {
                seal();
            }
        }
    }

    private void run() {
        while (!closed || !full.isEmpty()) {
            byte[] b;
            try {
                b = full.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (b == null) {
                continue;
            }
            int size = (b[HEADER + 2] & 0xff) << 8 | b[HEADER + 3] & 0xff;
            int n = b[HEADER + 4] & 0xff;
            byte[] payload = Arrays.copyOf(b, HEADER + size);
            free.offer(b);
            try {
                sender.send(payload, n);
                sentMessages.incrementAndGet();
                sentEntries.addAndGet(n);
            } catch (Exception e) {
                LOG.log(Level.WARNING, "sync message of " + n + " entries not sent: " + e);
            }
        }
    }

    /** Queues what is being filled, lets the sender send what is queued (up to 5 s), then stops it. */
    @Override
    public void close() {
        flush();
        closed = true;
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
