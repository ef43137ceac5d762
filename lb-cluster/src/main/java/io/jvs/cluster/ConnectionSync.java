package io.jvs.cluster;

import io.jvs.api.SyncRecord;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.cluster.internal.Options;
import io.jvs.cluster.internal.Stacks;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.Address;
import org.jgroups.BytesMessage;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.Receiver;
import org.jgroups.View;

/**
 * The connection-sync stream between directors: IPVS sync messages (format v1, {@link SyncMessage}) over a JGroups
 * channel, with IPVS's meanings and what IPVS lacks: delivery that is reliable and in order per sender by default,
 * and a snapshot of the current entries for a member that joins (state transfer) before it reports
 * {@linkplain SyncStatus#ready() ready}.
 *
 * <p>A member sends what its data path {@linkplain #publish publishes} when it is a master, and applies what the
 * others send to its {@link LocalConnectionTable} when it is a backup; it may be both (active-active, as keepalived
 * runs IPVS). Entries are batched as the kernel batches them: appended to a message of at most
 * {@link Builder#maxLength} bytes, sealed when it is full or {@link Builder#flushInterval} after its first entry,
 * and sent by a thread woken as the kernel's master thread is (8 messages queued, else within 20 ms), every queued
 * message in one JGroups message.
 *
 * <p>Each IPVS message travels with a small header (sequence number and send time), so a receiver counts lost
 * messages and measures the lag from sending to applying.
 *
 * @since 0.1
 */
public final class ConnectionSync implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ConnectionSync.class.getName());
    private static final int MAGIC = Outbox.MAGIC;
    private static final int HEADER = Outbox.HEADER;
    private static final int LAGS = 4096;
    private static final String STATE_TRANSFER = "state-transfer";

    /** How sync messages travel. */
    public enum Reliability {
        /** Retransmitted until received, in order per sender (JGroups NAKACK2). The default. */
        RELIABLE,
        /** Sent once, possibly lost or reordered, as IPVS's UDP multicast (JGroups NO_RELIABILITY and OOB). */
        UNRELIABLE
    }

    /** Where a joiner's snapshot stands. */
    public enum StateTransfer {
        /** The member founded the stream: there was nobody to receive a snapshot from. */
        NONE,
        /** The snapshot is being received. */
        IN_PROGRESS,
        /** The snapshot was received and applied. */
        DONE,
        /** The snapshot could not be received; entries arrive from the stream only. */
        FAILED
    }

    private final LocalConnectionTable table;
    private final String cluster;
    private final String self;
    private volatile int syncId;
    private final int maxLength;
    private final Reliability reliability;
    private final JChannel channel;
    private final ScheduledExecutorService flusher;
    private volatile boolean master;
    private volatile boolean backup;
    private volatile StateTransfer stateTransfer = StateTransfer.IN_PROGRESS;

    private final Outbox outbox;

    private final AtomicLong receivedMessages = new AtomicLong();
    private final AtomicLong receivedEntries = new AtomicLong();
    private final AtomicLong droppedEntries = new AtomicLong();
    private final AtomicLong ignoredMessages = new AtomicLong();
    private final AtomicLong lostMessages = new AtomicLong();
    private final AtomicLong stateEntries = new AtomicLong();
    private final AtomicLong viewChanges = new AtomicLong();
    private final Map<Address, Long> lastSequence = new ConcurrentHashMap<>();
    private final long[] lags = new long[LAGS];
    private int lagCount;

    private ConnectionSync(Builder b) throws Exception {
        this.table = b.table;
        this.cluster = b.cluster;
        this.self = Addresses.toString(b.bind);
        this.syncId = b.syncId;
        this.maxLength = b.maxLength;
        this.reliability = b.reliability;
        this.master = b.master;
        this.backup = b.backup;
        this.channel = new JChannel(Stacks.stream(new Stacks.Transport(b.bind, b.peers, b.failureDetection, false)));
        channel.setName(self);
        channel.setReceiver(new StreamReceiver());
        this.outbox = new Outbox(maxLength, b.queueLength, syncId, this::send, "jvs-sync-send");
        channel.connect("jvs-sync-" + cluster);
        if (channel.getView().getCoord().equals(channel.getAddress())) {
            stateTransfer = StateTransfer.NONE;
        } else {
            try {
                channel.getState(null, b.stateTransferTimeout.toMillis());
            } catch (Exception e) {
                stateTransfer = StateTransfer.FAILED;
                LOG.log(Level.WARNING, "state transfer failed; entries arrive from the stream only: " + e);
            }
        }
        long flushMillis = Math.max(1, b.flushInterval.toMillis());
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvs-sync-flush");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleAtFixedRate(() -> outbox.flush(false), flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts building a member that applies received entries to {@code table}.
     *
     * @throws NullPointerException if {@code table} is null
     */
    public static Builder builder(LocalConnectionTable table) {
        return new Builder(Checks.checkNotNull(table, "table"));
    }

    /**
     * Queues an entry for the other directors, if this member is a master; one-packet entries are never sent, as
     * in IPVS. Copies the entry into the batch being filled (no allocation for IPv4 entries) and sends the batch
     * when it is full. Thread-safe.
     *
     * @return whether the entry was queued
     * @throws IllegalArgumentException if the entry is longer than a message can hold
     */
    public boolean publish(SyncRecord entry) {
        Checks.checkNotNull(entry, "entry");
        if (!master || (entry.flags() & SyncRecord.F_ONE_PACKET) != 0) {
            return false;
        }
        int len = SyncMessage.entryLength(entry);
        Checks.checkArgument(SyncMessage.HEADER_LENGTH + len <= outbox.limit(), "entry", entry,
                "at most " + (outbox.limit() - SyncMessage.HEADER_LENGTH) + " bytes with its options");
        return outbox.add(entry);
    }

    /**
     * Queues a connection-table entry for the other directors, if this member is a master (what the director's
     * {@link io.jvs.core.StateSync} hands over, on its data-path thread): copied into the message being filled
     * under a short lock, nothing allocated. Never waits: when the sender has fallen behind and no buffer is free
     * the entry is dropped and counted ({@link SyncStatus#queueDrops()}), as IPVS drops beyond
     * {@code sync_qlen_max}.
     *
     * @return whether the entry was queued
     */
    public boolean publish(io.jvs.core.StateSync.Entry entry) {
        if (!master || (entry.syncFlags() & SyncRecord.F_ONE_PACKET) != 0) {
            return false;
        }
        return outbox.add(entry);
    }

    /** How many JGroups messages (frames of one or more IPVS messages) this member sent. */
    long framesSent() {
        return outbox.sentFrames.get();
    }

    /** Sends the entries queued so far now, rather than at the next flush. */
    public void flush() {
        outbox.flush(true);
    }

    private void send(byte[] payload, int count) throws Exception {
        Message msg = new BytesMessage(null, payload).setFlag(Message.TransientFlag.DONT_LOOPBACK);
        if (reliability == Reliability.UNRELIABLE) {
            msg.setFlag(Message.Flag.NO_RELIABILITY, Message.Flag.OOB);
        }
        channel.send(msg);
    }

    /** The sync id sent in every message and, unless 0, the only one accepted (ipvsadm {@code --syncid}). */
    public void syncId(int id) {
        syncId = Checks.checkInRange(id, 0, 255, "syncId");
        outbox.syncId(id);
    }

    /** The largest IPVS message from now on (ipvsadm {@code --sync-maxlen}), at most the one it was built with. */
    public void maxLength(int bytes) {
        outbox.limit(Checks.checkInRange(bytes, SyncMessage.HEADER_LENGTH + SyncMessage.IPV6_ENTRY_LENGTH, maxLength,
                "maxLength"));
    }

    /** Wall-clock microseconds: senders and receivers on different hosts compare it (keep their clocks in sync). */
    private static long nowMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    private static long getLong(byte[] b, int p) {
        return Outbox.getLong(b, p);
    }

    /** Turns the master role (sending) on or off. */
    public void master(boolean on) {
        master = on;
    }

    /** Turns the backup role (applying the others' entries) on or off. */
    public void backup(boolean on) {
        backup = on;
    }

    /** The stream's state now. */
    public SyncStatus status() {
        View v = channel.getView();
        List<String> members = new ArrayList<>();
        if (v != null) {
            v.getMembers().forEach(a -> members.add(a.toString()));
        }
        double p99;
        double max;
        synchronized (lags) {
            int n = Math.min(lagCount, LAGS);
            long[] copy = Arrays.copyOf(lags, n);
            Arrays.sort(copy);
            p99 = n == 0 ? 0 : copy[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1000.0;
            max = n == 0 ? 0 : copy[n - 1] / 1000.0;
        }
        return new SyncStatus(cluster, self, members, master, backup, syncId, reliability, stateTransfer,
                stateEntries.get(), outbox.sentMessages.get(), outbox.sentEntries.get(), receivedMessages.get(),
                receivedEntries.get(), droppedEntries.get(), ignoredMessages.get(), lostMessages.get(), p99, max,
                viewChanges.get(), outbox.queueDrops.get());
    }

    /** Sends what is queued, then leaves the stream. Idempotent. */
    @Override
    public void close() {
        if (flusher.isShutdown()) {
            return;
        }
        flusher.shutdownNow();
        outbox.close();
        channel.close();
    }

    private void applyMessage(byte[] buf, int offset, int length, String owner) {
        SyncMessage m = SyncMessage.decode(buf, offset, length);
        if (syncId != 0 && m.syncId() != syncId) {
            ignoredMessages.incrementAndGet();
            return;
        }
        droppedEntries.addAndGet(m.dropped().size());
        if (!backup && !owner.equals(STATE_TRANSFER)) {
            return; // a joiner applies the snapshot whatever its roles: it is what makes it ready
        }
        for (SyncRecord e : m.entries()) {
            table.apply(e.withFlags((e.flags() & SyncRecord.F_BACKUP_MASK) | SyncRecord.F_SYNC), owner);
        }
        if (owner.equals(STATE_TRANSFER)) {
            stateEntries.addAndGet(m.entries().size());
        } else {
            receivedEntries.addAndGet(m.entries().size());
        }
    }

    private final class StreamReceiver implements Receiver {
        @Override
        public void receive(Message msg) {
            byte[] b = msg.getArray();
            int off = msg.getOffset();
            int len = msg.getLength();
            int version = len < HEADER ? 0 : b[off + 1];
            if (len < HEADER || b[off] != MAGIC || version != 1 && version != Outbox.VERSION) {
                ignoredMessages.incrementAndGet();
                return;
            }
            // A frame: one or more messages, each its sequence number, time and IPVS message (version 1: just one).
            String owner = msg.src().toString();
            int end = off + len;
            for (int p = off + 2; p < end; ) {
                int size = end - p - (HEADER - 2); // the rest; at least 4 bytes hold the IPVS size field
                if (size >= 4 && version != 1) {
                    size = (b[p + HEADER - 2 + 2] & 0xff) << 8 | b[p + HEADER - 2 + 3] & 0xff;
                }
                if (size < 4 || p + HEADER - 2 + size > end) {
                    ignoredMessages.incrementAndGet();
                    LOG.log(Level.WARNING, "invalid sync frame from " + msg.src() + ": the rest dropped");
                    return;
                }
                message(msg.src(), owner, b, p, size);
                p += HEADER - 2 + size;
            }
        }

        /** One message of a frame at {@code p}: its sequence number, time, and the IPVS message of {@code size}. */
        private void message(Address src, String owner, byte[] b, int p, int size) {
            long seq = getLong(b, p);
            long sentMicros = getLong(b, p + 8);
            Long last = lastSequence.put(src, seq);
            if (last != null && seq > last + 1) {
                lostMessages.addAndGet(seq - last - 1);
            }
            receivedMessages.incrementAndGet();
            try {
                applyMessage(b, p + 16, size, owner);
            } catch (IllegalArgumentException e) {
                ignoredMessages.incrementAndGet();
                LOG.log(Level.WARNING, "invalid sync message from " + src + " dropped: " + e.getMessage());
                return;
            }
            long lag = nowMicros() - sentMicros;
            synchronized (lags) {
                lags[lagCount++ % LAGS] = Math.max(0, lag);
                if (lagCount == 2 * LAGS) {
                    lagCount = LAGS;
                }
            }
        }

        @Override
        public void viewAccepted(View view) {
            viewChanges.incrementAndGet();
            LOG.log(Level.INFO, "sync stream " + cluster + ": view " + view);
            // Forget the sequences of members that left: one that comes back starts again at 1.
            lastSequence.keySet().retainAll(view.getMembers());
        }

        @Override
        public void getState(OutputStream output) throws Exception {
            DataOutputStream out = new DataOutputStream(output);
            List<SyncRecord> all = new ArrayList<>();
            table.snapshot(all::add);
            for (byte[] m : SyncMessage.encode(syncId, all, 65507)) {
                out.writeInt(m.length);
                out.write(m);
            }
            out.writeInt(0);
            out.flush();
        }

        @Override
        public void setState(InputStream input) throws Exception {
            DataInputStream in = new DataInputStream(input);
            try {
                for (int n = in.readInt(); n > 0; n = in.readInt()) {
                    byte[] m = new byte[n];
                    in.readFully(m);
                    applyMessage(m, 0, n, STATE_TRANSFER);
                }
                stateTransfer = StateTransfer.DONE;
                LOG.log(Level.INFO, "sync stream " + cluster + ": state transfer done, " + stateEntries.get()
                        + " entries");
            } catch (Exception e) {
                stateTransfer = StateTransfer.FAILED;
                throw e;
            }
        }
    }

    /** Builds a {@link ConnectionSync}; {@link #cluster}, {@link #bind} and {@link #peers} are required. */
    public static final class Builder {
        private final LocalConnectionTable table;
        private String cluster;
        private InetSocketAddress bind;
        private List<InetSocketAddress> peers;
        private int syncId;
        private int maxLength = SyncMessage.DEFAULT_MAX_LENGTH;
        private Reliability reliability = Reliability.RELIABLE;
        private Duration flushInterval = Duration.ofMillis(50);
        private Duration failureDetection = Duration.ofSeconds(5);
        private Duration stateTransferTimeout = Duration.ofSeconds(30);
        private boolean master = true;
        private boolean backup = true;
        private int queueLength = 256;

        Builder(LocalConnectionTable table) {
            this.table = table;
        }

        /**
         * The stream's name: members with the same name form one stream.
         *
         * @throws IllegalArgumentException unless 1-64 of {@code A-Z a-z 0-9 . _ -}
         */
        public Builder cluster(String name) {
            cluster = Options.clusterName(name);
            return this;
        }

        /**
         * This member's stream address (JGroups TCP; a different port from the configuration's).
         *
         * @throws IllegalArgumentException if unresolved, a wildcard, or port 0
         */
        public Builder bind(InetSocketAddress address) {
            bind = Options.address(address, "bind");
            return this;
        }

        /**
         * The other members' stream addresses.
         *
         * @throws IllegalArgumentException if empty, or an address is unresolved, a wildcard or has port 0
         */
        public Builder peers(List<InetSocketAddress> addresses) {
            peers = Options.peers(addresses);
            return this;
        }

        /**
         * The sync id (ipvsadm {@code --syncid}): sent in every message; a member with a non-zero id ignores
         * messages of other ids. 0 by default.
         *
         * @throws IllegalArgumentException unless 0-255
         */
        public Builder syncId(int id) {
            syncId = Checks.checkInRange(id, 0, 255, "syncId");
            return this;
        }

        /**
         * The largest IPVS message (ipvsadm {@code --sync-maxlen}); 1472 by default, as the kernel's master.
         *
         * @throws IllegalArgumentException unless 80-65507 (room for the header and one IPv6 entry)
         */
        public Builder maxLength(int bytes) {
            maxLength = Checks.checkInRange(bytes, SyncMessage.HEADER_LENGTH + SyncMessage.IPV6_ENTRY_LENGTH,
                    65507, "maxLength");
            return this;
        }

        /** How messages travel; {@link Reliability#RELIABLE} by default. */
        public Builder reliability(Reliability r) {
            reliability = Checks.checkNotNull(r, "reliability");
            return this;
        }

        /**
         * How long a partly filled message waits for more entries (the kernel: at most 2 s); 50 ms by default.
         *
         * @throws IllegalArgumentException unless 1 ms to 2 s
         */
        public Builder flushInterval(Duration interval) {
            flushInterval = Options.duration(interval, Duration.ofMillis(1), Duration.ofSeconds(2), "flushInterval");
            return this;
        }

        /**
         * How long a silent member is waited for before it leaves the view; 5 s by default.
         *
         * @throws IllegalArgumentException unless 300 ms to 5 minutes
         */
        public Builder failureDetection(Duration timeout) {
            failureDetection = Options.duration(timeout, Duration.ofMillis(300), Duration.ofMinutes(5),
                    "failureDetection");
            return this;
        }

        /**
         * How many full messages may wait for the sender before entries are dropped (IPVS {@code sync_qlen_max});
         * 256 by default (about 10,000 IPv4 entries at the default length).
         *
         * @throws IllegalArgumentException unless 2-65536
         */
        public Builder queueLength(int messages) {
            queueLength = Checks.checkInRange(messages, 2, 65536, "queueLength");
            return this;
        }

        /** The roles this member starts with; both by default. */
        public Builder roles(boolean master, boolean backup) {
            this.master = master;
            this.backup = backup;
            return this;
        }

        /**
         * Joins the stream; a member that is not the first receives the current entries (state transfer) before
         * this returns.
         *
         * @throws IllegalStateException if a required option is missing or the channel cannot be opened
         */
        public ConnectionSync build() {
            if (cluster == null || bind == null || peers == null) {
                throw new IllegalStateException("cluster, bind and peers must be set");
            }
            try {
                return new ConnectionSync(this);
            } catch (Exception e) {
                throw new IllegalStateException("cannot join sync stream " + cluster + " at "
                        + Addresses.toString(bind) + ": " + e, e);
            }
        }
    }
}
