package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Destination;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.RealServerStatus;
import io.jvs.core.Connection;
import io.jvs.core.ServiceBinding;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * A running virtual service (IPVS {@code struct ip_vs_service}): its settings, its scheduler and its real
 * servers in IPVS order, newest first. Changes happen on the control thread, which holds the director's lock,
 * and are published through volatile fields; {@link #open} runs on data-path threads without locks.
 */
public final class ServiceEntry implements ServiceBinding {

    private static final Logger LOG = System.getLogger(ServiceEntry.class.getName());
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ServiceId id;
    private final Ticker ticker;
    private final Counters stats = new Counters();
    /** The settings; its real-server list is empty (the servers are {@link #destinations}). */
    private volatile VirtualService settings;
    private volatile Scheduler scheduler;
    private volatile DestinationEntry[] destinations;
    private volatile boolean running = true;
    private volatile long lastLogNanos;
    /** Open connections, for listings. */
    private final Set<ConnectionEntry> connections = ConcurrentHashMap.newKeySet();

    ServiceEntry(VirtualService service, Ticker ticker) {
        this.id = service.id();
        this.ticker = ticker;
        this.settings = service.withRealServers(List.of());
        List<RealServer> servers = service.realServers();
        DestinationEntry[] list = new DestinationEntry[servers.size()];
        for (int i = 0; i < list.length; i++) {
            list[list.length - 1 - i] = new DestinationEntry(this, servers.get(i)); // newest first
        }
        this.destinations = list;
        this.scheduler = newScheduler(service);
        this.scheduler.update(asList(list));
    }

    private Scheduler newScheduler(VirtualService service) {
        Set<SchedulerFlag> flags = service.schedulerFlags();
        Scheduler.Context context = new Scheduler.Context() {
            @Override
            public ServiceId service() {
                return id;
            }

            @Override
            public Set<SchedulerFlag> flags() {
                return flags;
            }

            @Override
            public Ticker ticker() {
                return ticker;
            }

            @Override
            public RandomGenerator random() {
                return ThreadLocalRandom.current();
            }
        };
        return service.scheduler().create(context);
    }

    private static List<Destination> asList(DestinationEntry[] list) {
        return Collections.unmodifiableList(Arrays.asList(list.clone()));
    }

    @Override
    public ServiceId id() {
        return id;
    }

    @Override
    public VirtualService service() {
        DestinationEntry[] list = destinations;
        List<RealServer> servers = new ArrayList<>(list.length);
        for (int i = list.length - 1; i >= 0; i--) {
            servers.add(list[i].server());
        }
        return settings.withRealServers(servers);
    }

    @Override
    public VirtualService settings() {
        return settings;
    }

    /** The service's statistics. */
    public Counters stats() {
        return stats;
    }

    @Override
    public Connection open(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
        if (!running) {
            return null;
        }
        ConnectionEntry c = new ConnectionEntry(this, protocol, client, virtual);
        Scheduler s = scheduler;
        Destination picked;
        try {
            picked = s.select(c);
        } catch (RuntimeException | LinkageError e) {
            logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id + " - scheduler failed: " + e);
            return null;
        }
        if (!(picked instanceof DestinationEntry) || ((DestinationEntry) picked).serviceEntry() != this) {
            if (picked != null) {
                logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id
                        + " - scheduler returned a server of another service: " + picked);
            } else {
                logRateLimited(Level.WARNING, settings.schedulerName() + ": " + id + " - no destination available");
            }
            return null;
        }
        c.bind((DestinationEntry) picked);
        connections.add(c);
        return c;
    }

    long nanoTime() {
        return ticker.nanoTime();
    }

    void forget(ConnectionEntry c) {
        connections.remove(c);
    }

    /** Adds this service's connection entries, as {@code ipvsadm -L -c} lists them, to {@code out}. */
    void listConnections(Timeouts timeouts, List<ConnectionStatus> out) {
        for (ConnectionEntry c : connections) {
            out.add(c.status(timeouts));
        }
    }

    /**
     * Picks another server for a connection whose server failed: the scheduler's pick if it is usable and untried,
     * else the first usable untried server after the failed one in list order (wrapping).
     */
    DestinationEntry reschedule(ConnectionEntry c, DestinationEntry failed, List<DestinationEntry> tried) {
        if (!running) {
            return null;
        }
        Destination picked;
        try {
            picked = scheduler.select(c);
        } catch (RuntimeException | LinkageError e) {
            picked = null;
        }
        if (picked instanceof DestinationEntry && ((DestinationEntry) picked).serviceEntry() == this
                && !tried.contains(picked)) {
            return (DestinationEntry) picked;
        }
        DestinationEntry[] list = destinations;
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] == failed) {
                start = i + 1;
                break;
            }
        }
        for (int k = 0; k < list.length; k++) {
            DestinationEntry d = list[(start + k) % list.length];
            if (d.isUsable() && !tried.contains(d)) {
                return d;
            }
        }
        return null;
    }

    void countersChanged(DestinationEntry d) {
        try {
            scheduler.countersChanged(d);
        } catch (RuntimeException e) {
            logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id + " - countersChanged failed: " + e);
        }
    }

    private void logRateLimited(Level level, String message) {
        long now = ticker.nanoTime();
        long last = lastLogNanos;
        if (now - last >= LOG_INTERVAL_NANOS || last == 0) {
            lastLogNanos = now;
            LOG.log(level, message);
        }
    }

    // ---- control thread only (the director's lock is held)

    /** The real servers in IPVS order (newest first). */
    DestinationEntry[] destinations() {
        return destinations;
    }

    DestinationEntry find(InetSocketAddress address) {
        for (DestinationEntry d : destinations) {
            if (d.address().equals(address)) {
                return d;
            }
        }
        return null;
    }

    void addDestination(RealServer server) {
        DestinationEntry[] old = destinations;
        DestinationEntry[] next = new DestinationEntry[old.length + 1];
        next[0] = new DestinationEntry(this, server);
        System.arraycopy(old, 0, next, 1, old.length);
        destinations = next;
        scheduler.update(asList(next));
    }

    void editDestination(DestinationEntry d, RealServer server) {
        d.edit(server);
        scheduler.update(asList(destinations));
    }

    void removeDestination(DestinationEntry d) {
        DestinationEntry[] old = destinations;
        DestinationEntry[] next = new DestinationEntry[old.length - 1];
        for (int i = 0, j = 0; i < old.length; i++) {
            if (old[i] != d) {
                next[j++] = old[i];
            }
        }
        d.unlink();
        destinations = next;
        scheduler.update(asList(next));
    }

    /** Replaces the settings (ipvsadm {@code -E}); a new scheduler is bound if the algorithm or its flags changed. */
    void setSettings(VirtualService service) {
        VirtualService old = settings;
        settings = service.withRealServers(List.of());
        if (old.scheduler() != service.scheduler() || !old.schedulerFlags().equals(service.schedulerFlags())) {
            Scheduler s = newScheduler(service);
            s.update(asList(destinations));
            scheduler = s;
        }
    }

    /** Stops placing new connections (the service was deleted). */
    void stop() {
        running = false;
    }

    ServiceStatus status() {
        DestinationEntry[] list = destinations;
        List<RealServerStatus> servers = new ArrayList<>(list.length);
        for (DestinationEntry d : list) {
            servers.add(d.status());
        }
        return new ServiceStatus(service(), servers, stats.snapshot(), stats.rates());
    }

    /** One step of the rate estimators of the service and its servers. */
    void estimate() {
        stats.estimate();
        for (DestinationEntry d : destinations) {
            d.stats().estimate();
        }
    }

    @Override
    public String toString() {
        return id + " " + settings.schedulerName() + " (" + destinations.length + " real servers)";
    }
}
