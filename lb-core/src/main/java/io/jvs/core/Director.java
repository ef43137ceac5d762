package io.jvs.core;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.DefenceStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerListener;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Checks;
import io.jvs.core.internal.MemoryDefence;
import io.jvs.core.internal.ServiceTable;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * A director: the IPVS service table and connection table, driven by a {@link DataPath}. It is a complete
 * {@link LoadBalancer}; transports such as {@code io.jvs.netty.NettyLoadBalancer} create one around their data path.
 *
 * <p>Control operations are serialized on the director; each is checked completely before anything changes.
 * The data path reads the tables without locks (new flows take one of 64 striped locks).
 *
 * <p>The connection table holds every connection and persistence template (see {@link Connection} for the TCP
 * state machine, the timeouts and the idle-timeout resets), up to {@link Builder#maxConnections(int)} entries.
 * One daemon thread, {@code jvs-timer}, expires entries every 100 ms (a hashed timer wheel: O(1) per entry) and
 * runs the rate estimator every 2 s.
 *
 * @since 0.1
 */
public final class Director implements LoadBalancer {

    private final ServiceTable table;

    private Director(Builder b) {
        this.table = new ServiceTable(b.dataPath, b.ticker, new ServiceTable.Config(b.estimatorPeriodMillis,
                b.connectionTimer, b.maxConnections, b.secureTcp, b.expireNodestConn, b.expireQuiescentTemplate,
                b.memoryThreshold, b.availableMemory, b.stateSync, b.syncPolicy));
    }

    /**
     * The receive side of connection synchronization: entries that other directors sent are applied here, bound to
     * this director's services and real servers (see {@link SyncTarget}); the snapshot for a director that joins is
     * taken here. The {@link Builder#stateSync StateSync} is given it when the director is built.
     */
    public SyncTarget syncTarget() {
        return table.syncTarget();
    }

    /** How many received sync records ended with {@code result} since the director started. */
    public long syncCount(SyncTarget.Result result) {
        Checks.checkNotNull(result, "result");
        return table.syncTarget().count(result);
    }

    /** Starts building a director. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletableFuture<Void> start(VirtualService service) {
        Checks.checkNotNull(service, "service");
        return table.start(service);
    }

    @Override
    public void update(VirtualService service) {
        Checks.checkNotNull(service, "service");
        table.update(service);
    }

    @Override
    public CompletableFuture<Void> stop(ServiceId service) {
        Checks.checkNotNull(service, "service");
        return table.stop(service);
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.addRealServer(service, server);
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.editRealServer(service, server);
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.removeRealServer(service, server);
    }

    @Override
    public CompletableFuture<Void> clear() {
        return table.clear();
    }

    @Override
    public void zeroCounters() {
        table.zeroCounters(null);
    }

    @Override
    public void zeroCounters(ServiceId service) {
        Checks.checkNotNull(service, "service");
        table.zeroCounters(service);
    }

    @Override
    public List<ServiceStatus> services() {
        return table.services();
    }

    @Override
    public Optional<ServiceStatus> service(ServiceId service) {
        Checks.checkNotNull(service, "service");
        return table.service(service);
    }

    @Override
    public List<ConnectionStatus> connections() {
        return table.connections();
    }

    @Override
    public int connectionTableSize() {
        return table.connectionTableSize();
    }

    @Override
    public ConnectionTableStatus connectionTable() {
        return table.connectionTable().status();
    }

    @Override
    public DefenceStatus defences() {
        return table.defences();
    }

    /**
     * Runs one step of the memory defence now: measures the memory left and, below the threshold, drops idle
     * entries and sets the share of new connections refused. The timer thread does this every second; tests that
     * give the director their own {@link Builder#availableMemory measure} call it themselves.
     */
    public void runDefences() {
        table.runDefences();
    }

    @Override
    public Timeouts timeouts() {
        return table.timeouts();
    }

    @Override
    public void setTimeouts(Timeouts timeouts) {
        Checks.checkNotNull(timeouts, "timeouts");
        table.setTimeouts(timeouts);
    }

    @Override
    public void addListener(LoadBalancerListener listener) {
        Checks.checkNotNull(listener, "listener");
        table.listeners().add(listener);
    }

    @Override
    public void removeListener(LoadBalancerListener listener) {
        table.listeners().remove(listener);
    }

    /** Runs one 2-second step of every rate estimator now (for tests that drive time themselves). */
    public void estimateRates() {
        table.estimate();
    }

    /**
     * Runs the connection timer now: every entry whose time is up by the {@link Builder#ticker ticker} expires
     * (its sockets, if still open, are reset). The timer thread does this every 100 ms; tests that move a fake
     * ticker call it themselves.
     */
    public void runTimers() {
        table.runTimers();
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return table.supportedForwardingMethods();
    }

    /**
     * The running service with this id, as its data path sees it, for tests and tools that drive a data path
     * of their own.
     */
    public Optional<RunningService> runningService(ServiceId service) {
        return Optional.ofNullable(table.runningService(service));
    }

    @Override
    public void close() {
        table.close();
    }

    @Override
    public String toString() {
        return "Director" + table.ids();
    }

    /** Builds a {@link Director}. */
    public static final class Builder {
        /** The default capacity of the connection table: 2^20 entries. */
        public static final int DEFAULT_MAX_CONNECTIONS = 1 << 20;
        /** The largest capacity: 2^27 entries (the kernel's largest {@code conn_tab_bits}). */
        public static final int MAX_MAX_CONNECTIONS = 1 << 27;

        private DataPath dataPath;
        private Ticker ticker;
        private long estimatorPeriodMillis = 2000;
        private boolean estimatorSet;
        private boolean connectionTimer = true;
        private boolean connectionTimerSet;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private boolean maxConnectionsSet;
        private Boolean secureTcp;
        private Boolean expireNodestConn;
        private Boolean expireQuiescentTemplate;
        private Long memoryThreshold;
        private LongSupplier availableMemory;
        private StateSync stateSync;
        private SyncPolicy syncPolicy;

        Builder() {}

        /**
         * Where the director publishes its connections and templates for the other directors of a cluster (IPVS's
         * master sync daemon); {@link StateSync#NONE} by default, which costs the data path nothing. It is given
         * the director's {@linkplain Director#syncTarget() receive side} when the director is built.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder stateSync(StateSync sync) {
            Checks.checkNotNull(sync, "stateSync");
            Checks.checkNotSet(stateSync, "stateSync");
            stateSync = sync;
            return this;
        }

        /**
         * When connections are published to the {@link #stateSync StateSync}: IPVS's {@code sync_threshold},
         * {@code sync_refresh_period}, {@code sync_retries} and {@code sync_persist_mode}; {@link SyncPolicy#DEFAULT}
         * (the kernel's defaults) if not set.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder syncPolicy(SyncPolicy policy) {
            Checks.checkNotNull(policy, "syncPolicy");
            Checks.checkNotSet(syncPolicy, "syncPolicy");
            syncPolicy = policy;
            return this;
        }

        /**
         * The data path that carries the traffic (required).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder dataPath(DataPath dataPath) {
            Checks.checkNotNull(dataPath, "dataPath");
            Checks.checkNotSet(this.dataPath, "dataPath");
            this.dataPath = dataPath;
            return this;
        }

        /**
         * The clock for timeouts and rates; the default is {@link Ticker#system()}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Checks.checkNotNull(ticker, "ticker");
            Checks.checkNotSet(this.ticker, "ticker");
            this.ticker = ticker;
            return this;
        }

        /**
         * Whether the rate estimator runs on its own thread every 2 seconds, as in IPVS (the default); without it,
         * rates move only when {@link Director#estimateRates()} is called.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder rateEstimator(boolean enabled) {
            Checks.checkNotSet(estimatorSet ? Boolean.valueOf(estimatorPeriodMillis > 0) : null, "rateEstimator");
            estimatorPeriodMillis = enabled ? 2000 : 0;
            estimatorSet = true;
            return this;
        }

        /**
         * Whether the director's timer thread expires connection entries every 100 ms (the default); without it,
         * entries expire only when {@link Director#runTimers()} is called.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder connectionTimer(boolean enabled) {
            Checks.checkNotSet(connectionTimerSet ? Boolean.valueOf(connectionTimer) : null, "connectionTimer");
            connectionTimer = enabled;
            connectionTimerSet = true;
            return this;
        }

        /**
         * The most entries the connection table holds, connections and persistence templates together; the
         * default is {@value #DEFAULT_MAX_CONNECTIONS}. At the limit a new flow is refused ({@link Outcome#TABLE_FULL}:
         * the client is refused) and counted in {@link ConnectionTableStatus#refused()}, unless entries of ended TCP
         * connections (TIME_WAIT, CLOSE) make room: they are expired early ({@link ConnectionTableStatus#reclaimed()}),
         * live connections and templates never. The hash
         * table gets this many buckets, rounded up to a power of two (4 bytes each).
         *
         * @throws IllegalArgumentException if it is not in 1-{@value #MAX_MAX_CONNECTIONS}
         * @throws IllegalStateException if it was already set
         */
        public Builder maxConnections(int maxConnections) {
            Checks.checkInRange(maxConnections, 1, MAX_MAX_CONNECTIONS, "maxConnections");
            Checks.checkNotSet(maxConnectionsSet ? Integer.valueOf(this.maxConnections) : null, "maxConnections");
            this.maxConnections = maxConnections;
            maxConnectionsSet = true;
            return this;
        }

        /**
         * IPVS's {@code secure_tcp} defence, always on (sysctl value 3): the TCP state machine uses the secure
         * table, in which a connection becomes ESTABLISHED only once the real server has answered, and an
         * unanswered SYN does not hold an active slot. Off by default, as in the kernel.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder secureTcp(boolean enabled) {
            Checks.checkNotSet(secureTcp, "secureTcp");
            secureTcp = enabled;
            return this;
        }

        /**
         * IPVS's sysctl {@code expire_nodest_conn} (default off). When on: deleting a real server (or its service)
         * expires its connections at once, resetting their sockets, and a new flow that meets an entry of a
         * deleted server, or a TCP connection that meets one of a quiesced (weight 0) server, is placed anew.
         * When off, established TCP connections of a deleted server continue until they end, UDP datagrams of
         * its flows are dropped until the flows expire, and entries live out their timeouts.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder expireNodestConn(boolean enabled) {
            Checks.checkNotSet(expireNodestConn, "expireNodestConn");
            expireNodestConn = enabled;
            return this;
        }

        /**
         * IPVS's sysctl {@code expire_quiescent_template} (default off). When on, a persistence template whose
         * real server is quiesced (weight 0) is dropped at the client's next new connection, which is scheduled
         * anew; when off, persistent clients keep going to a quiesced server while their template lives (each new
         * connection refreshes it). Templates of deleted servers are dropped either way.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder expireQuiescentTemplate(boolean enabled) {
            Checks.checkNotSet(expireQuiescentTemplate, "expireQuiescentTemplate");
            expireQuiescentTemplate = enabled;
            return this;
        }

        /**
         * The memory defence's threshold, IPVS's {@code amemthresh}: once a second the director measures the memory
         * left, and while it is below this many bytes it drops its oldest connection-table entries that hold no open
         * connection (closed connections still in TIME_WAIT or CLOSE, persistence templates no connection uses, UDP
         * flows idle for a minute; IPVS {@code drop_entry}) and refuses a share of new connections that grows as
         * memory runs out, {@code threshold / (threshold - left)} (IPVS {@code drop_packet}): one in ten at 90 %
         * of the threshold, every one with nothing left. Refused TCP clients are reset, UDP datagrams dropped;
         * established connections are never touched. Both counted in {@link LoadBalancer#defences()}.
         *
         * <p>On by default, with a sixteenth of the maximum heap, at most 64 MiB; 0 turns the defence off. IPVS
         * ships with both defences off; the JVM has no swap to fall back on, and running out of heap takes the
         * whole process down, so JVS keeps them on.
         *
         * @param bytes 0 (off) or more
         * @throws IllegalArgumentException if {@code bytes} is negative
         * @throws IllegalStateException if it was already set
         */
        public Builder memoryThreshold(long bytes) {
            Checks.checkInRange(bytes, 0, Long.MAX_VALUE, "memoryThreshold");
            Checks.checkNotSet(memoryThreshold, "memoryThreshold");
            memoryThreshold = bytes;
            return this;
        }

        /**
         * How the memory defence measures the memory left, in bytes; called once a second on the timer thread.
         * The default is the lesser of the heap and the direct-buffer memory still free, where the heap's young
         * generation counts with what its last collection left in it (it fills with short-lived garbage between
         * collections).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder availableMemory(LongSupplier bytes) {
            Checks.checkNotNull(bytes, "availableMemory");
            Checks.checkNotSet(availableMemory, "availableMemory");
            availableMemory = bytes;
            return this;
        }

        /**
         * Builds the director.
         *
         * @throws IllegalStateException if no data path was set
         */
        public Director build() {
            if (dataPath == null) {
                throw new IllegalStateException("dataPath: not set (expected: the transport's data path)");
            }
            Builder b = new Builder();
            b.dataPath = dataPath;
            b.ticker = ticker == null ? Ticker.system() : ticker;
            b.estimatorPeriodMillis = estimatorPeriodMillis;
            b.connectionTimer = connectionTimer;
            b.maxConnections = maxConnections;
            b.secureTcp = secureTcp != null && secureTcp;
            b.expireNodestConn = expireNodestConn != null && expireNodestConn;
            b.expireQuiescentTemplate = expireQuiescentTemplate != null && expireQuiescentTemplate;
            b.memoryThreshold = memoryThreshold != null ? memoryThreshold : MemoryDefence.defaultThreshold();
            b.availableMemory = availableMemory;
            b.stateSync = stateSync == null ? StateSync.NONE : stateSync;
            b.syncPolicy = syncPolicy == null ? SyncPolicy.DEFAULT : syncPolicy;
            Director d = new Director(b);
            b.stateSync.attached(d.syncTarget());
            return d;
        }
    }
}
