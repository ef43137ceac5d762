package io.jvs.micrometer;

import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.DefenceStatus;
import io.jvs.api.LoadBalancer;
import io.jvs.api.MemoryDefenceStatus;
import io.jvs.api.Rates;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
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
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Names end with their unit, so that Prometheus shows each once ({@code lb_in_bytes_total}, not
 * {@code lb_bytes_in_bytes_total}). Per real server, tagged {@code service} (e.g. {@code TCP 10.0.0.1:80}),
 * {@code server} (e.g. {@code 10.0.0.11:8080}) and {@code protocol} ({@code tcp}, {@code udp}, {@code fwmark}):
 * <ul>
 *   <li>gauges {@code lb.active.connections}, {@code lb.inactive.connections}, {@code lb.persistent.connections}
 *       (ipvsadm's ActiveConn, InActConn, PersistConn) and {@code lb.weight} (its Weight);</li>
 *   <li>function counters {@code lb.scheduled.connections}, {@code lb.in.packets}, {@code lb.out.packets},
 *       {@code lb.in.bytes}, {@code lb.out.bytes} (for the socket data path a packet is one relay read);</li>
 *   <li>gauges {@code lb.scheduled.connections.per.second}, {@code lb.in.packets.per.second},
 *       {@code lb.out.packets.per.second}, {@code lb.in.bytes.per.second}, {@code lb.out.bytes.per.second}: IPVS's
 *       2-second estimator.</li>
 * </ul>
 * Per service, tagged {@code service} and {@code protocol}: the same counters and rates named
 * {@code lb.service.scheduled.connections}, {@code lb.service.in.packets}, ... (they include the traffic of servers
 * since deleted); the function counter {@code lb.refused.connections} with a {@code reason} tag, one per
 * {@link Refusal} ({@code access_denied}, {@code memory_short}, {@code source_connections}, {@code source_rate},
 * {@code source_table_full}, {@code service_limit}, {@code flow_limit}, {@code no_destination},
 * {@code server_deleted}, {@code table_full}, {@code untrusted_proxy}, {@code proxy_header},
 * {@code client_data_timeout}, ...); the gauges {@code lb.tracked.sources} (sources held by the per-source limits)
 * and {@code lb.service.open.connections} (places held under the service's connection limit). For the table:
 * gauges {@code lb.connection.table.entries}, {@code lb.connection.table.template.entries},
 * {@code lb.connection.table.capacity.entries} and the function counter
 * {@code lb.connection.table.refused.connections}. For the director, the memory defence's gauges
 * {@code lb.defence.memory.available}, {@code lb.defence.memory.threshold} (bytes), {@code lb.defence.memory.pressure}
 * (1 while memory is short) and function counters {@code lb.defence.memory.dropped} (entries) and
 * {@code lb.defence.memory.refused} (connections).
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

    private final LoadBalancer lb;
    private final Tags tags;
    private final MeterSync<Snapshot> sync;

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
        this.sync = new MeterSync<>(new MeterSync.Source<>() {
            @Override
            public Snapshot take() {
                return new Snapshot(lb.services(), lb.defences());
            }

            @Override
            public Map<Object, Tags> wanted(Snapshot s) {
                return LoadBalancerMetrics.this.wanted(s);
            }

            @Override
            public List<Meter> register(MeterRegistry registry, Object key, Tags t) {
                return key instanceof ServerKey ? registerServer(registry, (ServerKey) key, t)
                        : registerService(registry, (ServiceId) key, t);
            }
        }, refreshInterval, "jvs-metrics");
    }

    /**
     * Registers the meters of the table and of every current service and real server.
     *
     * @throws IllegalStateException if this binder is already bound to a registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        sync.bind(registry, r -> List.of(
                Gauge.builder("lb.connection.table.entries", () -> table().entries()).tags(tags)
                        .description("connections and persistence templates in the connection table")
                        .baseUnit("entries").register(r),
                Gauge.builder("lb.connection.table.template.entries", () -> table().templates()).tags(tags)
                        .description("persistence templates in the connection table").baseUnit("entries")
                        .register(r),
                Gauge.builder("lb.connection.table.capacity.entries", () -> table().capacity()).tags(tags)
                        .description("the most entries the connection table holds").baseUnit("entries")
                        .register(r),
                FunctionCounter.builder("lb.connection.table.refused.connections", this, m -> m.table().refused())
                        .tags(tags).description("new flows refused because the connection table was full")
                        .baseUnit("connections").register(r),
                FunctionCounter.builder("lb.connection.table.reclaimed.connections", this,
                                m -> m.table().reclaimed()).tags(tags)
                        .description("entries of ended TCP connections expired early to make room for new ones")
                        .baseUnit("connections").register(r),
                Gauge.builder("lb.defence.memory.available", () -> memory().availableBytes()).tags(tags)
                        .description("memory left at the memory defence's last measurement (-1: off)")
                        .baseUnit("bytes").register(r),
                Gauge.builder("lb.defence.memory.threshold", () -> memory().thresholdBytes()).tags(tags)
                        .description("below this much memory left the memory defence acts (0: off)")
                        .baseUnit("bytes").register(r),
                Gauge.builder("lb.defence.memory.pressure", () -> memory().underPressure() ? 1 : 0).tags(tags)
                        .description("1 while memory is short: idle entries dropped, new connections refused")
                        .register(r),
                FunctionCounter.builder("lb.defence.memory.dropped", this, m -> m.memory().entriesDropped())
                        .tags(tags).description("connection-table entries dropped early because memory was short")
                        .baseUnit("entries").register(r),
                FunctionCounter.builder("lb.defence.memory.refused", this, m -> m.memory().connectionsRefused())
                        .tags(tags).description("new connections refused because memory was short")
                        .baseUnit("connections").register(r)));
    }

    /** Registers meters for services and real servers added since, and removes those of deleted ones. */
    public void refresh() {
        sync.refresh();
    }

    /** Stops the refresh thread and removes every meter this binder registered. Idempotent. */
    @Override
    public void close() {
        sync.close();
    }

    private ConnectionTableStatus table() {
        return lb.connectionTable();
    }

    private MemoryDefenceStatus memory() {
        return snapshot().defences.memory();
    }

    private ServiceDefenceStatus defences(ServiceId id) {
        return snapshot().serviceDefences.get(id);
    }

    private Snapshot snapshot() {
        return sync.snapshot();
    }

    /** The services and real servers that should have meters, with their tags. */
    private Map<Object, Tags> wanted(Snapshot s) {
        Map<Object, Tags> wanted = new HashMap<>();
        for (ServiceStatus st : s.services.values()) {
            Tags serviceTags = tags.and("service", st.id().toString(), "protocol", TagValues.protocol(st.id()));
            wanted.put(st.id(), serviceTags);
            for (RealServerStatus rs : st.realServers()) {
                wanted.put(new ServerKey(st.id(), rs.server().address()),
                        serviceTags.and("server", TagValues.address(rs.server().address())));
            }
        }
        return wanted;
    }

    private List<Meter> registerServer(MeterRegistry registry, ServerKey key, Tags t) {
        List<Meter> list = new ArrayList<>();
        list.add(gauge(registry, "lb.active.connections", t, "connections", "ActiveConn: connections in an active state",
                () -> server(key, RealServerStatus::activeConnections)));
        list.add(gauge(registry, "lb.inactive.connections", t, "connections", "InActConn: other connections and UDP flows",
                () -> server(key, RealServerStatus::inactiveConnections)));
        list.add(gauge(registry, "lb.persistent.connections", t, "connections", "PersistConn: live persistence templates",
                () -> server(key, RealServerStatus::persistentConnections)));
        list.add(gauge(registry, "lb.weight", t, null, "the real server's weight in the service (ipvsadm's Weight)",
                () -> server(key, rs -> rs.server().weight())));
        addTraffic(registry, list, "lb.", t, m -> m.serverStats(key), m -> m.serverRates(key));
        return list;
    }

    private List<Meter> registerService(MeterRegistry registry, ServiceId id, Tags t) {
        List<Meter> list = new ArrayList<>();
        addTraffic(registry, list, "lb.service.", t, m -> m.serviceStats(id), m -> m.serviceRates(id));
        for (Refusal reason : Refusal.values()) {
            list.add(counter(registry, "lb.refused.connections", t.and("reason", reason.tagValue()), "connections",
                    "clients refused: " + reason.description(), m -> {
                        ServiceDefenceStatus d = m.defences(id);
                        return d == null ? 0 : d.refused(reason);
                    }));
        }
        list.add(gauge(registry, "lb.tracked.sources", t, "sources", "client sources held by the per-source limits",
                () -> {
                    ServiceDefenceStatus d = defences(id);
                    return d == null ? Double.NaN : d.trackedSources();
                }));
        list.add(gauge(registry, "lb.service.open.connections", t, "connections",
                "connections holding a place under the service's connection limit", () -> {
                    ServiceDefenceStatus d = defences(id);
                    return d == null ? Double.NaN : d.openConnections();
                }));
        return list;
    }

    private void addTraffic(MeterRegistry registry, List<Meter> list, String prefix, Tags t,
            java.util.function.Function<LoadBalancerMetrics, Stats> stats,
            java.util.function.Function<LoadBalancerMetrics, Rates> rates) {
        list.add(counter(registry, prefix + "scheduled.connections", t, "connections", "connections scheduled",
                m -> stats.apply(m).connections()));
        list.add(counter(registry, prefix + "in.packets", t, "packets", "packets (relay reads) from clients",
                m -> stats.apply(m).inPackets()));
        list.add(counter(registry, prefix + "out.packets", t, "packets", "packets (relay reads) from real servers",
                m -> stats.apply(m).outPackets()));
        list.add(counter(registry, prefix + "in.bytes", t, "bytes", "bytes from clients",
                m -> stats.apply(m).inBytes()));
        list.add(counter(registry, prefix + "out.bytes", t, "bytes", "bytes from real servers",
                m -> stats.apply(m).outBytes()));
        list.add(gauge(registry, prefix + "scheduled.connections.per.second", t, null, "connections per second (IPVS estimator)",
                () -> rates.apply(this).connectionsPerSecond()));
        list.add(gauge(registry, prefix + "in.packets.per.second", t, null, "packets per second from clients",
                () -> rates.apply(this).inPacketsPerSecond()));
        list.add(gauge(registry, prefix + "out.packets.per.second", t, null, "packets per second from real servers",
                () -> rates.apply(this).outPacketsPerSecond()));
        list.add(gauge(registry, prefix + "in.bytes.per.second", t, null, "bytes per second from clients",
                () -> rates.apply(this).inBytesPerSecond()));
        list.add(gauge(registry, prefix + "out.bytes.per.second", t, null, "bytes per second from real servers",
                () -> rates.apply(this).outBytesPerSecond()));
    }

    private static Meter gauge(MeterRegistry registry, String name, Tags t, String unit, String description,
            java.util.function.Supplier<Number> f) {
        return Gauge.builder(name, f).tags(t).baseUnit(unit).description(description).register(registry);
    }

    private Meter counter(MeterRegistry registry, String name, Tags t, String unit, String description,
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

    /** One read of the service table. */
    private static final class Snapshot {
        final Map<ServiceId, ServiceStatus> services = new HashMap<>();
        final Map<ServerKey, RealServerStatus> servers = new HashMap<>();
        final DefenceStatus defences;
        final Map<ServiceId, ServiceDefenceStatus> serviceDefences = new HashMap<>();

        Snapshot(List<ServiceStatus> list, DefenceStatus defences) {
            this.defences = defences;
            for (ServiceDefenceStatus d : defences.services()) {
                serviceDefences.put(d.service(), d);
            }
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
