package io.jvs.micrometer;

import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.LoadBalancer;
import io.jvs.api.Rates;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Stats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds a {@link LoadBalancer}'s statistics to a Micrometer {@link MeterRegistry}: what {@code ipvsadm -L --stats
 * --rate} shows, per real server and per service, plus the connection table's fill.
 *
 * <pre>{@code
 * LoadBalancerMetrics metrics = new LoadBalancerMetrics(lb);
 * metrics.bindTo(registry);
 * ...
 * metrics.close(); // stops the refresh and removes the meters
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * Per real server, tagged {@code service} (e.g. {@code TCP 10.0.0.1:80}), {@code server} (e.g.
 * {@code 10.0.0.11:8080}) and {@code protocol} ({@code tcp}, {@code udp}, {@code fwmark}):
 * <ul>
 *   <li>gauges {@code lb.connections.active}, {@code lb.connections.inactive}, {@code lb.connections.persistent}
 *       (ipvsadm's ActiveConn, InActConn, PersistConn);</li>
 *   <li>function counters {@code lb.connections.total}, {@code lb.packets.in}, {@code lb.packets.out},
 *       {@code lb.bytes.in}, {@code lb.bytes.out} (for the socket data path a packet is one relay read);</li>
 *   <li>gauges {@code lb.connections.rate}, {@code lb.packets.in.rate}, {@code lb.packets.out.rate},
 *       {@code lb.bytes.in.rate}, {@code lb.bytes.out.rate}: IPVS's 2-second estimator, per second.</li>
 * </ul>
 * Per service, tagged {@code service} and {@code protocol}: the same counters and rates named
 * {@code lb.service.connections.total}, {@code lb.service.packets.in}, ... (they include the traffic of servers
 * since deleted). For the table: gauges {@code lb.connection.table.entries}, {@code lb.connection.table.templates},
 * {@code lb.connection.table.capacity} and the function counter {@code lb.connection.table.refused}.
 *
 * <p>Zeroing ({@link LoadBalancer#zeroCounters()}) restarts the counters from 0, which monitoring systems read as
 * a counter reset.
 *
 * <h2>Cost and freshness</h2>
 *
 * Meters read a snapshot of {@link LoadBalancer#services()} taken at most once per second, however many meters a
 * scrape reads. Services and real servers added or removed later get or lose their meters at the next refresh,
 * every 10 seconds by default on a daemon thread started by {@link #bindTo}, or when {@link #refresh()} is called.
 * Thread-safe.
 *
 * @since 0.1
 */
public final class LoadBalancerMetrics implements MeterBinder, AutoCloseable {

    private static final Logger LOG = System.getLogger(LoadBalancerMetrics.class.getName());
    private static final long SNAPSHOT_MAX_AGE_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final LoadBalancer lb;
    private final Tags tags;
    private final Duration refreshInterval;
    private final Object lock = new Object();
    private MeterRegistry registry;
    private ScheduledExecutorService refresher;
    /** Meters registered per service (key: ServiceId) and per server (key: ServerKey). */
    private final Map<Object, List<Meter>> meters = new HashMap<>();
    private final List<Meter> tableMeters = new ArrayList<>();
    private volatile Snapshot snapshot;

    /** Metrics of {@code lb}, with no extra tags and a refresh every 10 seconds. */
    public LoadBalancerMetrics(LoadBalancer lb) {
        this(lb, Tags.empty(), Duration.ofSeconds(10));
    }

    /**
     * Metrics of {@code lb}.
     *
     * @param tags tags added to every meter (for example the name of the load balancer)
     * @param refreshInterval how often services and real servers are looked for; {@link Duration#ZERO} starts
     *     no thread (then call {@link #refresh()} after changing the table)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the interval is negative
     */
    public LoadBalancerMetrics(LoadBalancer lb, Iterable<Tag> tags, Duration refreshInterval) {
        this.lb = Objects.requireNonNull(lb, "lb");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.isNegative()) {
            throw new IllegalArgumentException("refreshInterval: " + refreshInterval + " (expected: >= PT0S)");
        }
        this.refreshInterval = refreshInterval;
    }

    /**
     * Registers the meters of the table and of every current service and real server.
     *
     * @throws IllegalStateException if this binder is already bound to a registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        synchronized (lock) {
            if (this.registry != null) {
                throw new IllegalStateException("registry was already set to " + this.registry);
            }
            this.registry = registry;
            tableMeters.add(Gauge.builder("lb.connection.table.entries", () -> table().entries()).tags(tags)
                    .description("connections and persistence templates in the connection table")
                    .baseUnit("entries").register(registry));
            tableMeters.add(Gauge.builder("lb.connection.table.templates", () -> table().templates()).tags(tags)
                    .description("persistence templates in the connection table").baseUnit("entries")
                    .register(registry));
            tableMeters.add(Gauge.builder("lb.connection.table.capacity", () -> table().capacity()).tags(tags)
                    .description("the most entries the connection table holds").baseUnit("entries")
                    .register(registry));
            tableMeters.add(FunctionCounter.builder("lb.connection.table.refused", this, m -> m.table().refused())
                    .tags(tags).description("new flows refused because the connection table was full")
                    .baseUnit("connections").register(registry));
            sync();
            if (!refreshInterval.isZero()) {
                refresher = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "jvs-metrics");
                    t.setDaemon(true);
                    return t;
                });
                long ms = Math.max(1, refreshInterval.toMillis());
                refresher.scheduleWithFixedDelay(this::refresh, ms, ms, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Registers meters for services and real servers added since, and removes those of deleted ones. */
    public void refresh() {
        try {
            synchronized (lock) {
                if (registry != null) {
                    snapshot = null;
                    sync();
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "refreshing load balancer meters failed", e);
        }
    }

    /** Stops the refresh thread and removes every meter this binder registered. Idempotent. */
    @Override
    public void close() {
        synchronized (lock) {
            if (refresher != null) {
                refresher.shutdownNow();
                refresher = null;
            }
            if (registry != null) {
                for (List<Meter> list : meters.values()) {
                    list.forEach(registry::remove);
                }
                tableMeters.forEach(registry::remove);
            }
            meters.clear();
            tableMeters.clear();
        }
    }

    private ConnectionTableStatus table() {
        return lb.connectionTable();
    }

    /** The latest snapshot, taken again when older than a second. */
    private Snapshot snapshot() {
        Snapshot s = snapshot;
        if (s == null || System.nanoTime() - s.taken > SNAPSHOT_MAX_AGE_NANOS) {
            synchronized (this) {
                s = snapshot;
                if (s == null || System.nanoTime() - s.taken > SNAPSHOT_MAX_AGE_NANOS) {
                    s = new Snapshot(lb.services());
                    snapshot = s;
                }
            }
        }
        return s;
    }

    /** Registers and removes meters so they match the current table (lock held). */
    private void sync() {
        Snapshot s = snapshot();
        Map<Object, Tags> wanted = new HashMap<>();
        for (ServiceStatus st : s.services.values()) {
            Tags serviceTags = tags.and("service", st.id().toString(), "protocol", protocol(st.id()));
            wanted.put(st.id(), serviceTags);
            for (RealServerStatus rs : st.realServers()) {
                wanted.put(new ServerKey(st.id(), rs.server().address()),
                        serviceTags.and("server", address(rs.server().address())));
            }
        }
        for (Iterator<Map.Entry<Object, List<Meter>>> it = meters.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Object, List<Meter>> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().forEach(registry::remove);
                it.remove();
            }
        }
        for (Map.Entry<Object, Tags> e : wanted.entrySet()) {
            if (!meters.containsKey(e.getKey())) {
                meters.put(e.getKey(), e.getKey() instanceof ServerKey
                        ? registerServer((ServerKey) e.getKey(), e.getValue())
                        : registerService((ServiceId) e.getKey(), e.getValue()));
            }
        }
    }

    private List<Meter> registerServer(ServerKey key, Tags t) {
        List<Meter> list = new ArrayList<>();
        list.add(gauge("lb.connections.active", t, "connections", "ActiveConn: connections in an active state",
                () -> server(key, RealServerStatus::activeConnections)));
        list.add(gauge("lb.connections.inactive", t, "connections", "InActConn: other connections and UDP flows",
                () -> server(key, RealServerStatus::inactiveConnections)));
        list.add(gauge("lb.connections.persistent", t, "connections", "PersistConn: live persistence templates",
                () -> server(key, RealServerStatus::persistentConnections)));
        addTraffic(list, "lb.", t, m -> m.serverStats(key), m -> m.serverRates(key));
        return list;
    }

    private List<Meter> registerService(ServiceId id, Tags t) {
        List<Meter> list = new ArrayList<>();
        addTraffic(list, "lb.service.", t, m -> m.serviceStats(id), m -> m.serviceRates(id));
        return list;
    }

    private void addTraffic(List<Meter> list, String prefix, Tags t,
            java.util.function.Function<LoadBalancerMetrics, Stats> stats,
            java.util.function.Function<LoadBalancerMetrics, Rates> rates) {
        list.add(counter(prefix + "connections.total", t, "connections", "connections scheduled",
                m -> stats.apply(m).connections()));
        list.add(counter(prefix + "packets.in", t, "packets", "packets (relay reads) from clients",
                m -> stats.apply(m).inPackets()));
        list.add(counter(prefix + "packets.out", t, "packets", "packets (relay reads) from real servers",
                m -> stats.apply(m).outPackets()));
        list.add(counter(prefix + "bytes.in", t, "bytes", "bytes from clients", m -> stats.apply(m).inBytes()));
        list.add(counter(prefix + "bytes.out", t, "bytes", "bytes from real servers",
                m -> stats.apply(m).outBytes()));
        list.add(gauge(prefix + "connections.rate", t, "connections/s", "connections per second (IPVS estimator)",
                () -> rates.apply(this).connectionsPerSecond()));
        list.add(gauge(prefix + "packets.in.rate", t, "packets/s", "packets per second from clients",
                () -> rates.apply(this).inPacketsPerSecond()));
        list.add(gauge(prefix + "packets.out.rate", t, "packets/s", "packets per second from real servers",
                () -> rates.apply(this).outPacketsPerSecond()));
        list.add(gauge(prefix + "bytes.in.rate", t, "bytes/s", "bytes per second from clients",
                () -> rates.apply(this).inBytesPerSecond()));
        list.add(gauge(prefix + "bytes.out.rate", t, "bytes/s", "bytes per second from real servers",
                () -> rates.apply(this).outBytesPerSecond()));
    }

    private Meter gauge(String name, Tags t, String unit, String description, java.util.function.Supplier<Number> f) {
        return Gauge.builder(name, f).tags(t).baseUnit(unit).description(description).register(registry);
    }

    private Meter counter(String name, Tags t, String unit, String description,
            ToDoubleFunction<LoadBalancerMetrics> f) {
        return FunctionCounter.builder(name, this, f).tags(t).baseUnit(unit).description(description)
                .register(registry);
    }

    // ---- values from the snapshot; NaN once the service or server is gone (the meter is removed at the refresh)

    private double server(ServerKey key, java.util.function.ToIntFunction<RealServerStatus> f) {
        RealServerStatus rs = snapshot().servers.get(key);
        return rs == null ? Double.NaN : f.applyAsInt(rs);
    }

    private Stats serverStats(ServerKey key) {
        RealServerStatus rs = snapshot().servers.get(key);
        return rs == null ? Stats.ZERO : rs.stats();
    }

    private Rates serverRates(ServerKey key) {
        RealServerStatus rs = snapshot().servers.get(key);
        return rs == null ? Rates.ZERO : rs.rates();
    }

    private Stats serviceStats(ServiceId id) {
        ServiceStatus st = snapshot().services.get(id);
        return st == null ? Stats.ZERO : st.stats();
    }

    private Rates serviceRates(ServiceId id) {
        ServiceStatus st = snapshot().services.get(id);
        return st == null ? Rates.ZERO : st.rates();
    }

    private static String protocol(ServiceId id) {
        return id.isFwmark() ? "fwmark" : id.protocol().name().toLowerCase(Locale.ROOT);
    }

    private static String address(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** One read of the service table. */
    private static final class Snapshot {
        final long taken = System.nanoTime();
        final Map<ServiceId, ServiceStatus> services = new HashMap<>();
        final Map<ServerKey, RealServerStatus> servers = new HashMap<>();

        Snapshot(List<ServiceStatus> list) {
            for (ServiceStatus st : list) {
                services.put(st.id(), st);
                for (RealServerStatus rs : st.realServers()) {
                    servers.put(new ServerKey(st.id(), rs.server().address()), rs);
                }
            }
        }
    }

    private record ServerKey(ServiceId service, InetSocketAddress server) {}

    @Override
    public String toString() {
        return "LoadBalancerMetrics[" + lb + "]";
    }
}
