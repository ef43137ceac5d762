package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.core.DataPath;
import io.jvs.core.ServiceBinding;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
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
import java.util.stream.Collectors;

/**
 * The service table behind {@code io.jvs.core.Director}. Every change takes the table's lock, is checked in
 * full, then applied and published as a new immutable map, so readers (listings, the data path) never lock.
 */
public final class ServiceTable {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");

    private final DataPath dataPath;
    private final Ticker ticker;
    private final Set<ForwardingMethod> methods;
    private final Object lock = new Object();
    /** Services in the order they were added; replaced, never mutated. */
    private volatile Map<ServiceId, ServiceEntry> services = Map.of();
    private volatile Timeouts timeouts = Timeouts.DEFAULT;
    private final Listeners listeners = new Listeners();
    private final ScheduledExecutorService estimator;
    private boolean closed;

    /**
     * @param estimatorPeriodMillis how often the rate estimator runs (IPVS: 2000); 0 = never (tests drive it
     *     through {@link #estimate()})
     */
    public ServiceTable(DataPath dataPath, Ticker ticker, long estimatorPeriodMillis) {
        this.dataPath = dataPath;
        this.ticker = ticker;
        Set<ForwardingMethod> m = dataPath.supportedForwardingMethods();
        this.methods = Collections.unmodifiableSet(m.isEmpty() ? EnumSet.noneOf(ForwardingMethod.class) : EnumSet.copyOf(m));
        if (estimatorPeriodMillis > 0) {
            estimator = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jvs-estimator");
                t.setDaemon(true);
                return t;
            });
            estimator.scheduleAtFixedRate(this::estimate, estimatorPeriodMillis, estimatorPeriodMillis,
                    TimeUnit.MILLISECONDS);
        } else {
            estimator = null;
        }
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
            LOG.log(Level.INFO, "timeouts (tcp tcpfin udp): " + timeouts.tcp().getSeconds() + " "
                    + timeouts.tcpFin().getSeconds() + " " + timeouts.udp().getSeconds());
        }
    }

    public List<ConnectionStatus> connections() {
        List<ConnectionStatus> out = new ArrayList<>();
        Timeouts t = timeouts;
        for (ServiceEntry e : services.values()) {
            e.listConnections(t, out);
        }
        return Collections.unmodifiableList(out);
    }

    /** IPVS's default connection hash table has 2^12 buckets. */
    public int connectionTableSize() {
        return 4096;
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
                checkMethod(rs);
            }
            dataPath.check(service);
            entry = new ServiceEntry(service, ticker, listeners);
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
                    entry.stop();
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
                checkMethod(rs);
            }
            dataPath.check(service);
            // Everything is checked: apply. Deletions, then edits, then additions in order.
            Map<InetSocketAddress, RealServer> wanted = new LinkedHashMap<>();
            for (RealServer rs : service.realServers()) {
                wanted.put(rs.address(), rs);
            }
            entry.setSettings(service);
            for (DestinationEntry d : entry.destinations()) {
                RealServer next = wanted.get(d.address());
                if (next == null) {
                    entry.removeDestination(d);
                } else if (!next.equals(d.server())) {
                    entry.editDestination(d, next);
                }
            }
            for (RealServer rs : service.realServers()) {
                if (entry.find(rs.address()) == null) {
                    entry.addDestination(rs);
                }
            }
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
            entry.stop();
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
            checkMethod(server);
            entry.addDestination(server);
            LOG.log(Level.INFO, "added real server " + server + " to " + id);
        }
    }

    public void editRealServer(ServiceId id, RealServer server) {
        synchronized (lock) {
            ServiceEntry entry = existing(id);
            DestinationEntry d = existingDestination(entry, server.address());
            checkMethod(server);
            entry.editDestination(d, server);
            LOG.log(Level.INFO, "edited real server " + server + " in " + id);
        }
    }

    public void removeRealServer(ServiceId id, InetSocketAddress server) {
        synchronized (lock) {
            ServiceEntry entry = existing(id);
            DestinationEntry d = existingDestination(entry, server);
            entry.removeDestination(d);
            LOG.log(Level.INFO, "deleted real server " + Addresses.toString(server) + " from " + id);
        }
    }

    public CompletableFuture<Void> clear() {
        List<ServiceEntry> stopped;
        synchronized (lock) {
            stopped = new ArrayList<>(services.values());
            services = Map.of();
            for (ServiceEntry e : stopped) {
                e.stop();
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

    public ServiceBinding binding(ServiceId id) {
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
        if (estimator != null) {
            estimator.shutdownNow();
        }
        dataPath.close();
    }

    // ---- helpers, lock held

    private void checkOpen() {
        if (closed) {
            throw new LoadBalancerException(Reason.CLOSED, "load balancer is closed");
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
