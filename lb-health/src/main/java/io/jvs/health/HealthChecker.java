package io.jvs.health;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerListener;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.health.internal.EventDelivery;
import io.jvs.health.internal.Prober;
import io.jvs.health.internal.ServiceMonitor;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Runs {@link CheckedService}s on a {@link LoadBalancer}: starts their services, probes their real servers and
 * keeps each service's real servers and weights in line with their health, as keepalived does for IPVS.
 *
 * <pre>{@code
 * try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build();
 *      HealthChecker checker = HealthChecker.create(lb)) {
 *     checker.addListener(event -> dashboard.show(event));
 *     checker.start(CheckedService.builder(web)
 *             .servers(s -> s.withChecks(HealthCheck.httpGet("/health")))
 *             .build()).join();
 *     ...
 *     checker.health().forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>What the checker does to a service (see {@link CheckedServer} and {@link CheckedService}): a real server
 * whose checks fail is removed from the service or set to weight 0; when it recovers its weight comes back, at
 * once or ramped over a slow-start period; dynamic command checks adjust weights; a sorry server stands in
 * while the quorum is lost. <b>No change made by the checker drops an established connection</b>: removal and
 * weight 0 only stop new connections, as the {@link LoadBalancer} contract says. Every change is logged (logger
 * {@code io.jvs.health}) and delivered to the {@link HealthListener}s.
 *
 * <p>Network probes run on Netty event loops (one small NIO group of the checker's own unless one is passed
 * in) without blocking; commands and predicates run on a small pool of the checker's own (or an executor passed
 * in). Timers (intervals, retries, slow-start steps) run on the event loops unless {@link Builder#timers} gives
 * them an executor; with a {@link Builder#ticker ticker} too, a test can drive time itself. Every probe has a
 * timeout, and a stopped service or removed server stops its checks at once. Methods are thread-safe. The
 * checker owns the real-server membership of the services it runs: change it through the checker
 * ({@link #update}, {@link #addRealServer}, ...), not on the load balancer directly. Listeners are called one at
 * a time, in order, and never while the checker holds a lock.
 *
 * @since 0.1
 */
public final class HealthChecker implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.health");

    private final LoadBalancer lb;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final ExecutorService pool;
    private final boolean ownPool;
    private final Prober prober;
    private final ServiceMonitor.Runtime runtime;
    private final Random random;
    private final List<HealthListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<ServiceId, ServiceMonitor> byId = new ConcurrentHashMap<>();
    private final Map<ServiceId, ServiceMonitor> monitors = new LinkedHashMap<>(); // by first id, guarded by this
    private final LoadBalancerListener passive = new LoadBalancerListener() {
        @Override
        public void connectFailed(ServiceId service, InetSocketAddress server) {
            ServiceMonitor m = byId.get(service);
            if (m != null) {
                m.connectFailed(server);
            }
        }
    };
    private final ServiceMonitor.Sink sink = new ServiceMonitor.Sink() {
        @Override
        public void event(HealthEvent event, Level level) {
            LOG.log(level, event.message());
            for (HealthListener l : listeners) {
                try {
                    l.onEvent(event);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "health listener " + l + " failed", e);
                }
            }
        }

        @Override
        public void result(CheckResult result) {
            for (HealthListener l : listeners) {
                try {
                    l.onResult(result);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "health listener " + l + " failed", e);
                }
            }
        }
    };
    private boolean closed; // guarded by this

    private HealthChecker(LoadBalancer lb, Builder b) {
        this.lb = lb;
        this.ownGroup = b.group == null;
        this.group = ownGroup ? new MultiThreadIoEventLoopGroup(b.ioThreads,
                new DefaultThreadFactory("jvs-health", true), NioIoHandler.newFactory()) : b.group;
        this.ownPool = b.commandExecutor == null;
        if (ownPool) {
            ThreadPoolExecutor executor = new ThreadPoolExecutor(b.commandThreads, b.commandThreads, 30,
                    TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    new DefaultThreadFactory("jvs-health-command", true));
            executor.allowCoreThreadTimeOut(true);
            this.pool = executor;
        } else {
            this.pool = b.commandExecutor;
        }
        this.random = b.seeded ? new Random(b.seed) : new Random();
        this.prober = new Prober(b.group == null ? NioSocketChannel.class : b.channelType, pool, b.ticker, b.timers);
        this.runtime = new ServiceMonitor.Runtime(lb, prober, b.timers, b.ticker, sink, new EventDelivery());
        lb.addListener(passive);
    }

    /** A checker for {@code lb} with the default settings (see {@link Builder}). */
    public static HealthChecker create(LoadBalancer lb) {
        return builder(lb).build();
    }

    /** Starts building a checker for {@code lb}. */
    public static Builder builder(LoadBalancer lb) {
        return new Builder(Checks.checkNotNull(lb, "loadBalancer"));
    }

    /**
     * Starts the service's virtual services on the load balancer, each with the real servers whose checks'
     * initial state is up (and the sorry server if the quorum is not met), then starts the checks. The future
     * completes when the services listen.
     *
     * @throws IllegalArgumentException if the checker already runs one of the service's ids
     * @throws LoadBalancerException if the load balancer refuses a service (nothing is left started)
     * @throws IllegalStateException if the checker is closed
     */
    public CompletableFuture<Void> start(CheckedService service) {
        Checks.checkNotNull(service, "service");
        ServiceMonitor.Started started;
        try {
            synchronized (this) {
                checkOpen();
                for (ServiceId id : service.ids()) {
                    Checks.checkArgument(!byId.containsKey(id), "service", id,
                            "a service this checker does not run yet");
                }
                started = ServiceMonitor.start(service, runtime, group.next(), new Random(random.nextLong()));
                monitors.put(service.id(), started.monitor());
                service.ids().forEach(id -> byId.put(id, started.monitor()));
            }
        } finally {
            runtime.delivery().drain(); // what the start reported, now that no lock is held
        }
        return started.future().whenComplete((v, e) -> {
            if (e != null) {
                synchronized (this) {
                    monitors.remove(service.id());
                    service.ids().forEach(byId::remove);
                }
                started.monitor().stop();
            }
        });
    }

    /**
     * Applies a new configuration to a running service with the same ids (keepalived's reload): real servers
     * are added, removed and reconfigured, quorum and sorry server changed, the services' scheduler and
     * persistence updated. Servers whose checks did not change keep their health and their checks' timing.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE} if the checker does not
     *     run the service, or whatever the load balancer refuses
     * @throws IllegalArgumentException if the ids differ from the running service's
     */
    public void update(CheckedService service) {
        Checks.checkNotNull(service, "service");
        monitor(service.id()).update(service);
    }

    /**
     * Adds a real server to a running checked service; it joins the services once its checks' initial state
     * allows.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE} or
     *     {@link LoadBalancerException.Reason#DESTINATION_EXISTS}
     */
    public void addRealServer(ServiceId service, CheckedServer server) {
        Checks.checkNotNull(server, "server");
        change(service, c -> {
            if (c.server(server.address()).isPresent()) {
                throw new LoadBalancerException(LoadBalancerException.Reason.DESTINATION_EXISTS, "real server "
                        + Addresses.toString(server.address()) + " is already checked in " + c.id());
            }
            return c.withServer(server);
        });
    }

    /**
     * Replaces a real server's settings (weight, checks, inhibit, slow start, passive). If its checks are
     * unchanged it keeps its health; otherwise its new checks start from their initial state.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE} or
     *     {@link LoadBalancerException.Reason#NO_SUCH_DESTINATION}
     */
    public void editRealServer(ServiceId service, CheckedServer server) {
        Checks.checkNotNull(server, "server");
        change(service, c -> checkMember(c, server.address()).withServer(server));
    }

    /**
     * Removes a real server from a running checked service and stops its checks; its established connections
     * continue.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE} or
     *     {@link LoadBalancerException.Reason#NO_SUCH_DESTINATION}
     */
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        Checks.checkNotNull(server, "server");
        change(service, c -> checkMember(c, server).withoutServer(server));
    }

    /** Applies {@code edit} to a running service's configuration, atomically with respect to its checks. */
    private void change(ServiceId service, UnaryOperator<CheckedService> edit) {
        monitor(service).change(edit);
    }

    private static CheckedService checkMember(CheckedService c, InetSocketAddress server) {
        if (c.server(server).isEmpty()) {
            throw new LoadBalancerException(LoadBalancerException.Reason.NO_SUCH_DESTINATION, "no real server "
                    + Addresses.toString(server) + " in " + c.id());
        }
        return c;
    }

    /**
     * Stops the checks of the checked service that has {@code service} among its ids, and stops its services
     * on the load balancer; established connections continue. The future completes when the listeners are
     * closed.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE}
     */
    public CompletableFuture<Void> stop(ServiceId service) {
        ServiceMonitor m = monitor(service);
        CheckedService c = m.config();
        synchronized (this) {
            monitors.remove(c.id());
            c.ids().forEach(byId::remove);
        }
        return m.stop();
    }

    /**
     * Makes the checker run exactly {@code services} (keepalived's reload): services it runs that are not among
     * them are stopped, services with the same ids are {@link #update updated} (their servers keep their
     * health), new ones are started once the stopped ones have released their addresses. The future completes
     * when the new services listen, or fails with the first refusal; what was applied before stays applied.
     *
     * @throws IllegalArgumentException if two of {@code services} share an id
     * @throws IllegalStateException if the checker is closed
     */
    public CompletableFuture<Void> apply(List<CheckedService> services) {
        Checks.checkNotNull(services, "services");
        Map<ServiceId, CheckedService> wanted = new LinkedHashMap<>();
        Set<ServiceId> allIds = new HashSet<>();
        for (CheckedService s : services) {
            Checks.checkNotNull(s, "service");
            for (ServiceId id : s.ids()) {
                Checks.checkArgument(allIds.add(id), "services", id, "each service id once");
            }
            wanted.put(s.id(), s);
        }
        synchronized (this) {
            checkOpen();
        }
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        List<CheckedService> kept = new ArrayList<>();
        for (CheckedService running : services()) {
            CheckedService next = wanted.get(running.id());
            if (next == null || !new HashSet<>(next.ids()).equals(new HashSet<>(running.ids()))) {
                stopped.add(stop(running.id()));
            } else {
                kept.add(next);
                if (!next.equals(running)) {
                    update(next);
                }
            }
        }
        return CompletableFuture.allOf(stopped.toArray(new CompletableFuture<?>[0])).thenCompose(v -> {
            List<CompletableFuture<Void>> started = new ArrayList<>();
            for (CheckedService next : wanted.values()) {
                if (!kept.contains(next)) {
                    started.add(start(next));
                }
            }
            return CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0]));
        });
    }

    private ServiceMonitor monitor(ServiceId service) {
        Checks.checkNotNull(service, "service");
        ServiceMonitor m = byId.get(service);
        if (m == null) {
            throw new LoadBalancerException(LoadBalancerException.Reason.NO_SUCH_SERVICE, "no checked service "
                    + service);
        }
        return m;
    }

    /** The checked services, in the order they were started, as currently configured. */
    public List<CheckedService> services() {
        List<ServiceMonitor> running;
        synchronized (this) {
            running = new ArrayList<>(monitors.values());
        }
        List<CheckedService> list = new ArrayList<>();
        running.forEach(m -> list.add(m.config()));
        return list;
    }

    /** The health of every checked service, in the order they were started. */
    public List<ServiceHealth> health() {
        List<ServiceMonitor> list;
        synchronized (this) {
            list = new ArrayList<>(monitors.values());
        }
        List<ServiceHealth> health = new ArrayList<>(list.size());
        list.forEach(m -> health.add(m.health()));
        return health;
    }

    /** The health of the checked service that has {@code service} among its ids, if the checker runs it. */
    public Optional<ServiceHealth> health(ServiceId service) {
        Checks.checkNotNull(service, "service");
        ServiceMonitor m = byId.get(service);
        return m == null ? Optional.empty() : Optional.of(m.health());
    }

    /** Adds a listener for events and probe results. */
    public void addListener(HealthListener listener) {
        listeners.add(Checks.checkNotNull(listener, "listener"));
    }

    /** Removes a listener; does nothing if it was not added. */
    public void removeListener(HealthListener listener) {
        listeners.remove(listener);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the health checker is closed");
        }
    }

    /**
     * Stops every check, kills running check commands and releases the checker's threads. The services keep
     * running on the load balancer with the real servers and weights they have. Idempotent.
     */
    @Override
    public void close() {
        List<ServiceMonitor> list;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            list = new ArrayList<>(monitors.values());
            monitors.clear();
            byId.clear();
        }
        lb.removeListener(passive);
        list.forEach(ServiceMonitor::close);
        if (ownPool) {
            pool.shutdownNow();
        }
        prober.killAll();
        if (ownGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Builds a {@link HealthChecker}; every option has a default. */
    public static final class Builder {
        private final LoadBalancer lb;
        private EventLoopGroup group;
        private Class<? extends Channel> channelType;
        private int ioThreads = 1;
        private int commandThreads = 4;
        private Ticker ticker = Ticker.system();
        private ScheduledExecutorService timers;
        private ExecutorService commandExecutor;
        private long seed;
        private boolean seeded;
        private boolean ioThreadsSet;
        private boolean commandThreadsSet;
        private boolean tickerSet;

        Builder(LoadBalancer lb) {
            this.lb = lb;
        }

        /**
         * Runs network probes on {@code group} (which the checker does not shut down) with channels of
         * {@code channelType}, which must suit the group, for example {@code NioSocketChannel} for a NIO group.
         * By default the checker has a NIO group of its own.
         *
         * @throws IllegalStateException if a group was already set, or I/O threads were set
         */
        public Builder eventLoopGroup(EventLoopGroup group, Class<? extends Channel> channelType) {
            Checks.checkNotNull(group, "group");
            Checks.checkNotNull(channelType, "channelType");
            Checks.checkNotSet(this.group, "eventLoopGroup");
            Checks.checkNotSet(ioThreadsSet ? ioThreads : null, "ioThreads");
            this.group = group;
            this.channelType = channelType;
            return this;
        }

        /**
         * The number of threads of the checker's own event-loop group; default 1.
         *
         * @throws IllegalArgumentException unless it is 1-64
         * @throws IllegalStateException if it was already set, or a group was passed in
         */
        public Builder ioThreads(int threads) {
            Checks.checkInRange(threads, 1, 64, "ioThreads");
            Checks.checkNotSet(ioThreadsSet ? ioThreads : null, "ioThreads");
            Checks.checkNotSet(group, "eventLoopGroup");
            ioThreads = threads;
            ioThreadsSet = true;
            return this;
        }

        /**
         * How many commands and predicates may run at once; default 4. More wait their turn.
         *
         * @throws IllegalArgumentException unless it is 1-256
         * @throws IllegalStateException if it was already set
         */
        public Builder commandThreads(int threads) {
            Checks.checkInRange(threads, 1, 256, "commandThreads");
            Checks.checkNotSet(commandThreadsSet ? commandThreads : null, "commandThreads");
            Checks.checkNotSet(commandExecutor, "commandExecutor");
            commandThreads = threads;
            commandThreadsSet = true;
            return this;
        }

        /**
         * Runs commands and predicates on {@code executor} (which the checker does not shut down) instead of a
         * pool of its own. With a direct executor they run on the thread that probes: a test's, with
         * {@link #timers}.
         *
         * @throws IllegalStateException if it was already set, or command threads were set
         */
        public Builder commandExecutor(ExecutorService executor) {
            Checks.checkNotNull(executor, "commandExecutor");
            Checks.checkNotSet(commandExecutor, "commandExecutor");
            Checks.checkNotSet(commandThreadsSet ? commandThreads : null, "commandThreads");
            commandExecutor = executor;
            return this;
        }

        /**
         * Runs the checks' timers (first probes, intervals, retries, slow-start steps, the timeouts of predicates)
         * on {@code timers} (which the checker does not shut down) instead of the event loops. With a
         * {@link #ticker} that reads the same clock, a test drives time: gRPC's FakeClock. Network I/O and its
         * timeouts stay on the event loops.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder timers(ScheduledExecutorService timers) {
            Checks.checkNotNull(timers, "timers");
            Checks.checkNotSet(this.timers, "timers");
            this.timers = timers;
            return this;
        }

        /**
         * The clock for latencies and slow-start ramps; default {@link Ticker#system()}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Checks.checkNotNull(ticker, "ticker");
            Checks.checkNotSet(tickerSet ? this.ticker : null, "ticker");
            this.ticker = ticker;
            tickerSet = true;
            return this;
        }

        /**
         * Seeds the random warmup delays and jitter, to replay a run; by default they are unseeded.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder randomSeed(long seed) {
            Checks.checkNotSet(seeded ? this.seed : null, "randomSeed");
            this.seed = seed;
            seeded = true;
            return this;
        }

        /** Builds the checker and registers it with the load balancer for passive checks. */
        public HealthChecker build() {
            return new HealthChecker(lb, this);
        }
    }
}
