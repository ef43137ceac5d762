package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.DefenceStatus;
import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import io.jvs.core.StateSync;
import io.jvs.core.SyncPolicy;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The service table behind {@code io.jvs.core.Director}. Every change takes the table's lock, is checked in
 * full, then applied and published as a new immutable map, so readers (listings, the data path) never lock.
 */
public final class ServiceTable {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");

    /** How often the trash is swept, and how long an unreferenced server stays in it (IPVS: 60 s, 120 s). */
    private static final long TRASH_SWEEP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long TRASH_IDLE_NANOS = TimeUnit.SECONDS.toNanos(120);

    private final DataPath dataPath;
    private final Ticker ticker;
    private final Set<ForwardingMethod> methods;
    private final ConnectionTable table;
    private final MemoryDefence memory;
    private final Object lock = new Object();
    /** Services in the order they were added; replaced, never mutated. */
    private volatile Map<ServiceId, ServiceEntry> services = Map.of();
    private volatile Timeouts timeouts = Timeouts.DEFAULT;
    /** Deleted real servers, kept so that adding one back revives it with its counters (IPVS dest trash). */
    private final Map<TrashKey, DestinationEntry> trash = new HashMap<>();
    private long lastTrashSweep;
    /** The one timer thread: connection expiry every tick, the rate estimator every 2 s. */
    private final ScheduledExecutorService timer;
    private final Listeners listeners = new Listeners();
    private final SyncApplier syncTarget;
    private boolean closed;

    private record TrashKey(ServiceId service, InetSocketAddress server) {}

    /**
     * How a table is set up.
     *
     * @param estimatorPeriodMillis how often the rate estimator runs (IPVS: 2000); 0 = never (tests drive it
     *     through {@link #estimate()})
     * @param connectionTimer whether a thread expires connections every tick (else tests call {@link #runTimers()})
     * @param maxConnections the connection table's capacity (connections and templates)
     * @param secureTcp whether the secure_tcp state table is used
     * @param expireNodestConn the sysctl {@code expire_nodest_conn}
     * @param expireQuiescentTemplate the sysctl {@code expire_quiescent_template}
     * @param memoryThreshold the memory defence's threshold in bytes ({@code amemthresh}); 0 disables it
     * @param availableMemory measures the memory left; null for the default (heap and direct memory)
     * @param stateSync where entries are published for the other directors ({@link StateSync#NONE}: nowhere)
     * @param syncPolicy when they are published
     */
    public record Config(long estimatorPeriodMillis, boolean connectionTimer, int maxConnections, boolean secureTcp,
            boolean expireNodestConn, boolean expireQuiescentTemplate, long memoryThreshold,
            LongSupplier availableMemory, StateSync stateSync, SyncPolicy syncPolicy) {

        /** A configuration without connection sync. */
        public Config(long estimatorPeriodMillis, boolean connectionTimer, int maxConnections, boolean secureTcp,
                boolean expireNodestConn, boolean expireQuiescentTemplate, long memoryThreshold,
                LongSupplier availableMemory) {
            this(estimatorPeriodMillis, connectionTimer, maxConnections, secureTcp, expireNodestConn,
                    expireQuiescentTemplate, memoryThreshold, availableMemory, StateSync.NONE, SyncPolicy.DEFAULT);
        }
    }

    /** How often the memory defence measures (IPVS {@code DEFENSE_TIMER_PERIOD}: 1 s). */
    private static final long DEFENCE_PERIOD_MILLIS = 1000;

    public ServiceTable(DataPath dataPath, Ticker ticker, Config config) {
        this.dataPath = dataPath;
        this.ticker = ticker;
        Set<ForwardingMethod> m = dataPath.supportedForwardingMethods();
        this.methods = Collections.unmodifiableSet(m.isEmpty() ? EnumSet.noneOf(ForwardingMethod.class) : EnumSet.copyOf(m));
        this.memory = new MemoryDefence(config.memoryThreshold(), config.availableMemory());
        this.table = new ConnectionTable(ticker, config.maxConnections(), config.secureTcp(),
                config.expireNodestConn(), config.expireQuiescentTemplate(), memory, config.stateSync(),
                config.syncPolicy());
        this.syncTarget = new SyncApplier(table, id -> services.get(id));
        this.lastTrashSweep = ticker.nanoTime();
        long estimatorPeriodMillis = config.estimatorPeriodMillis();
        if (estimatorPeriodMillis > 0 || config.connectionTimer()) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jvs-timer");
                t.setDaemon(true);
                return t;
            });
            if (estimatorPeriodMillis > 0) {
                timer.scheduleAtFixedRate(this::estimate, estimatorPeriodMillis, estimatorPeriodMillis,
                        TimeUnit.MILLISECONDS);
            }
            if (config.connectionTimer()) {
                timer.scheduleAtFixedRate(this::runTimers, ConnectionTable.TICK_MILLIS, ConnectionTable.TICK_MILLIS,
                        TimeUnit.MILLISECONDS);
                if (memory.enabled()) {
                    timer.scheduleAtFixedRate(this::runDefences, DEFENCE_PERIOD_MILLIS, DEFENCE_PERIOD_MILLIS,
                            TimeUnit.MILLISECONDS);
                }
            }
        } else {
            timer = null;
        }
    }

    /** The connection table. */
    public ConnectionTable connectionTable() {
        return table;
    }

    /** The receive side of connection sync: entries of the other directors go here. */
    public SyncApplier syncTarget() {
        return syncTarget;
    }

    /** Expires the connections whose time is up, and sweeps the trash once a minute. */
    public void runTimers() {
        try {
            table.runTimers();
            long now = ticker.nanoTime();
            if (now - lastTrashSweep >= TRASH_SWEEP_NANOS) {
                lastTrashSweep = now;
                sweepTrash(now);
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.ERROR, "connection timer failed", ex);
        }
    }

    /**
     * One step of the memory defence (IPVS {@code defense_work_handler}): measures the memory left and, while it is
     * below the threshold, drops up to 1/32 of the table's capacity (at least 256) of its oldest entries that hold
     * no open connection.
     */
    public void runDefences() {
        try {
            if (memory.update()) {
                int n = table.dropIdle(Math.max(256, table.capacity() / 32));
                memory.dropped(n);
                if (n > 0) {
                    LOG.log(Level.INFO, "memory is short: dropped " + n + " idle connection entries");
                }
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.ERROR, "memory defence failed", ex);
        }
    }

    /** The defences and their counters. */
    public DefenceStatus defences() {
        return new DefenceStatus(memory.status(), table.status(),
                services.values().stream().map(ServiceEntry::defenceStatus).toList());
    }

    /** IPVS {@code ip_vs_dest_trash_expire}: frees servers nothing refers to once they have been idle 120 s. */
    private void sweepTrash(long now) {
        synchronized (lock) {
            Iterator<DestinationEntry> it = trash.values().iterator();
            while (it.hasNext()) {
                DestinationEntry d = it.next();
                if (!d.isUnreferenced()) {
                    continue;
                }
                if (d.idleSinceNanos == 0) {
                    d.idleSinceNanos = now | 1;
                } else if (now - d.idleSinceNanos >= TRASH_IDLE_NANOS) {
                    it.remove();
                }
            }
        }
    }

    /** Moves deleted servers to the trash; with {@code expire_nodest_conn}, sweeps their connections away. Lock held. */
    private void trashed(ServiceId id, DestinationEntry... deleted) {
        for (DestinationEntry d : deleted) {
            trash.put(new TrashKey(id, d.address()), d);
        }
        if (table.expireNodestConn && deleted.length > 0) {
            Runnable sweep = () -> table.expireAll(e -> !e.dest().isAvailable());
            if (timer != null) {
                timer.execute(sweep);
            } else {
                sweep.run();
            }
        }
    }

    /** The trashed server with this address, taken out of the trash, or null. Lock held. */
    private DestinationEntry revive(ServiceId id, InetSocketAddress address) {
        return trash.remove(new TrashKey(id, address));
    }

    /** One 2-second step of every rate estimator. */
    public void estimate() {
        try {
            for (ServiceEntry e : services.values()) {
                e.estimate();
            }
        } catch (RuntimeException ex) {
            LOG.log(Level.ERROR, "rate estimator failed", ex);
        }
    }

    /** The listeners added through the load balancer. */
    public Listeners listeners() {
        return listeners;
    }

    public Timeouts timeouts() {
        return timeouts;
    }

    public void setTimeouts(Timeouts next) {
        synchronized (lock) {
            checkOpen();
            timeouts = next.orElse(timeouts);
            table.setTimeouts(timeouts);
            LOG.log(Level.INFO, "timeouts (tcp tcpfin udp): " + timeouts.tcp().getSeconds() + " "
                    + timeouts.tcpFin().getSeconds() + " " + timeouts.udp().getSeconds());
        }
    }

    public List<ConnectionStatus> connections() {
        return Collections.unmodifiableList(table.list());
    }

    /** The number of hash buckets of the connection table. */
    public int connectionTableSize() {
        return table.buckets();
    }

    public Set<ForwardingMethod> supportedForwardingMethods() {
        return methods;
    }

    public CompletableFuture<Void> start(VirtualService service) {
        ServiceEntry entry;
        synchronized (lock) {
            checkOpen();
            if (services.containsKey(service.id())) {
                throw new LoadBalancerException(Reason.SERVICE_EXISTS, "service already exists: " + service.id());
            }
            for (RealServer rs : service.realServers()) {
                checkServer(service, rs);
            }
            dataPath.check(service);
            entry = unknownSchedulerRefused(() -> new ServiceEntry(service, ticker, listeners, table,
                    address -> revive(service.id(), address)));
            publish(service.id(), entry);
            LOG.log(Level.INFO, "added service " + service);
        }
        List<CompletableFuture<Void>> binds = new ArrayList<>();
        for (Endpoint e : service.endpoints()) {
            binds.add(bind(entry, e));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(binds.toArray(new CompletableFuture<?>[0]));
        return all.handle((ok, failure) -> {
            if (failure == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            // Undo: take the service out again and release whatever did bind.
            synchronized (lock) {
                if (services.get(service.id()) == entry) {
                    unpublish(service.id());
                    trashed(service.id(), entry.stop());
                }
            }
            for (int i = 0; i < binds.size(); i++) {
                if (!binds.get(i).isCompletedExceptionally()) {
                    dataPath.unbind(entry, service.endpoints().get(i));
                }
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            LOG.log(Level.WARNING, "could not start " + service.id() + ": " + cause);
            return CompletableFuture.<Void>failedFuture(cause instanceof LoadBalancerException ? cause
                    : new LoadBalancerException(Reason.BIND_FAILED, "cannot bind " + service.id() + ": " + cause,
                            cause));
        }).thenCompose(f -> f);
    }

    /**
     * Runs {@code step}, which resolves a service's scheduler by name (the default {@code wlc} is resolved only now):
     * a scheduler that is not registered becomes a {@link LoadBalancerException} that names the registered ones and
     * the artifact that brings them.
     */
    private static ServiceEntry unknownSchedulerRefused(java.util.function.Supplier<ServiceEntry> step) {
        try {
            return step.get();
        } catch (IllegalArgumentException e) {
            throw new LoadBalancerException(Reason.UNSUPPORTED, e.getMessage()
                    + (io.jvs.api.Scheduler.Factory.names().isEmpty()
                            ? "; no scheduler is registered: add io.jvs:lb-schedulers to the class or module path" : ""),
                    e);
        }
    }

    private CompletableFuture<Void> bind(ServiceEntry entry, Endpoint e) {
        try {
            return dataPath.bind(entry, e);
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    public void update(VirtualService service) {
        synchronized (lock) {
            checkOpen();
            ServiceEntry entry = services.get(service.id());
            if (entry == null) {
                throw noSuchService(service.id());
            }
            VirtualService current = entry.service();
            if (!current.endpoints().equals(service.endpoints())) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoints of running service " + service.id()
                        + " cannot change: " + current.endpoints() + " -> " + service.endpoints()
                        + " (stop and start it instead)");
            }
            for (RealServer rs : service.realServers()) {
                checkServer(service, rs);
            }
            dataPath.check(service);
            dataPath.serversChanging(entry, service);
            // Everything is checked: apply. Deletions, then edits, then additions in order, as one new list.
            unknownSchedulerRefused(() -> {
                entry.setSettings(service);
                return entry;
            });
            List<DestinationEntry> deleted = entry.replaceDestinations(service.realServers(),
                    address -> revive(service.id(), address));
            trashed(service.id(), deleted.toArray(new DestinationEntry[0]));
            LOG.log(Level.INFO, "updated service " + service);
        }
    }

    public CompletableFuture<Void> stop(ServiceId id) {
        ServiceEntry entry;
        synchronized (lock) {
            entry = services.get(id);
            if (entry == null) {
                throw noSuchService(id);
            }
            unpublish(id);
            trashed(id, entry.stop());
            LOG.log(Level.INFO, "deleted service " + id);
        }
        return unbindAll(entry);
    }

    private CompletableFuture<Void> unbindAll(ServiceEntry entry) {
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (Endpoint e : entry.service().endpoints()) {
            try {
                futures.add(dataPath.unbind(entry, e));
            } catch (RuntimeException ex) {
                futures.add(CompletableFuture.failedFuture(ex));
            }
        }
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
    }

    public void addRealServer(ServiceId id, RealServer server) {
        synchronized (lock) {
            ServiceEntry entry = existing(id);
            if (entry.find(server.address()) != null) {
                throw new LoadBalancerException(Reason.DESTINATION_EXISTS, "destination already exists: "
                        + Addresses.toString(server.address()) + " in " + id);
            }
            checkServer(entry.settings(), server);
            VirtualService next = withServers(entry, server, null);
            dataPath.check(next);
            dataPath.serversChanging(entry, next);
            entry.addDestination(server, revive(id, server.address()));
            LOG.log(Level.INFO, "added real server " + server + " to " + id);
        }
    }

    public void editRealServer(ServiceId id, RealServer server) {
        synchronized (lock) {
            ServiceEntry entry = existing(id);
            DestinationEntry d = existingDestination(entry, server.address());
            checkServer(entry.settings(), server);
            VirtualService next = withServers(entry, server, server.address());
            dataPath.check(next);
            dataPath.serversChanging(entry, next);
            entry.editDestination(d, server);
            LOG.log(Level.INFO, "edited real server " + server + " in " + id);
        }
    }

    public void removeRealServer(ServiceId id, InetSocketAddress server) {
        synchronized (lock) {
            ServiceEntry entry = existing(id);
            DestinationEntry d = existingDestination(entry, server);
            dataPath.serversChanging(entry, withServers(entry, null, server));
            entry.removeDestination(d);
            trashed(id, d);
            LOG.log(Level.INFO, "deleted real server " + Addresses.toString(server) + " from " + id);
        }
    }

    public CompletableFuture<Void> clear() {
        List<ServiceEntry> stopped;
        synchronized (lock) {
            stopped = new ArrayList<>(services.values());
            services = Map.of();
            for (ServiceEntry e : stopped) {
                trashed(e.id(), e.stop());
            }
            if (!stopped.isEmpty()) {
                LOG.log(Level.INFO, "cleared " + stopped.size() + " services");
            }
        }
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (ServiceEntry e : stopped) {
            futures.add(unbindAll(e));
        }
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
    }

    public void zeroCounters(ServiceId id) {
        synchronized (lock) {
            if (id == null) {
                for (ServiceEntry e : services.values()) {
                    zero(e);
                }
            } else {
                zero(existing(id));
            }
        }
    }

    private static void zero(ServiceEntry e) {
        e.stats().zero();
        e.zeroDefences();
        for (DestinationEntry d : e.destinations()) {
            d.stats().zero();
        }
    }

    public List<ServiceStatus> services() {
        return services.values().stream().map(ServiceEntry::status).collect(Collectors.toUnmodifiableList());
    }

    public Optional<ServiceStatus> service(ServiceId id) {
        ServiceEntry e = services.get(id);
        return e == null ? Optional.empty() : Optional.of(e.status());
    }

    public RunningService runningService(ServiceId id) {
        return services.get(id);
    }

    public List<ServiceId> ids() {
        return List.copyOf(services.keySet());
    }

    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            clear().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
            LOG.log(Level.WARNING, "closing services: " + e);
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        dataPath.close();
    }

    // ---- helpers, lock held

    private void checkOpen() {
        if (closed) {
            throw new LoadBalancerException(Reason.CLOSED, "load balancer is closed");
        }
    }

    /** Checks that the data path can forward to {@code rs} the traffic of {@code service}. */
    private void checkServer(VirtualService service, RealServer rs) {
        checkMethod(rs);
        if (rs.proxyProtocol() == ProxyProtocol.V1) {
            for (Endpoint e : service.endpoints()) {
                if (e.protocol() == Protocol.UDP) {
                    throw new LoadBalancerException(Reason.UNSUPPORTED, "PROXY protocol V1 of real server "
                            + Addresses.toString(rs.address()) + " in " + service.id() + ": version 1 has no form "
                            + "for UDP (expected: V2 or NONE for a service with UDP endpoints)");
                }
            }
        }
    }

    private void checkMethod(RealServer rs) {
        if (!methods.contains(rs.forwardingMethod())) {
            throw new LoadBalancerException(Reason.UNSUPPORTED, "forwarding method " + rs.forwardingMethod()
                    + " (" + rs.forwardingMethod().listingName() + ") of real server "
                    + Addresses.toString(rs.address()) + " is not supported by this data path (supported: "
                    + methods.stream().map(m -> m + " (" + m.listingName() + ")").collect(Collectors.joining(", "))
                    + ")");
        }
    }

    /**
     * The service as it will be once {@code added} is added (replacing the server at {@code replaced}), or once the
     * server at {@code replaced} is deleted when {@code added} is null: what the data path checks before a change.
     */
    private static VirtualService withServers(ServiceEntry entry, RealServer added, InetSocketAddress replaced) {
        VirtualService current = entry.service();
        List<RealServer> servers = new ArrayList<>();
        boolean placed = false;
        for (RealServer rs : current.realServers()) {
            if (rs.address().equals(replaced)) {
                if (added != null) {
                    servers.add(added);
                    placed = true;
                }
            } else {
                servers.add(rs);
            }
        }
        if (added != null && !placed) {
            servers.add(added);
        }
        return current.withRealServers(servers);
    }

    private ServiceEntry existing(ServiceId id) {
        checkOpen();
        ServiceEntry e = services.get(id);
        if (e == null) {
            throw noSuchService(id);
        }
        return e;
    }

    private static DestinationEntry existingDestination(ServiceEntry entry, InetSocketAddress address) {
        DestinationEntry d = entry.find(address);
        if (d == null) {
            throw new LoadBalancerException(Reason.NO_SUCH_DESTINATION, "no such destination: "
                    + Addresses.toString(address) + " in " + entry.id());
        }
        return d;
    }

    private static LoadBalancerException noSuchService(ServiceId id) {
        return new LoadBalancerException(Reason.NO_SUCH_SERVICE, "no such service: " + id);
    }

    private void publish(ServiceId id, ServiceEntry entry) {
        Map<ServiceId, ServiceEntry> next = new LinkedHashMap<>(services);
        next.put(id, entry);
        services = Collections.unmodifiableMap(next);
    }

    private void unpublish(ServiceId id) {
        Map<ServiceId, ServiceEntry> next = new LinkedHashMap<>(services);
        next.remove(id);
        services = Collections.unmodifiableMap(next);
    }
}
