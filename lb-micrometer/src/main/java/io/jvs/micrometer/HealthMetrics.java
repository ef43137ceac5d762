package io.jvs.micrometer;

import io.jvs.api.ServiceId;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckStatus;
import io.jvs.health.HealthChecker;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthListener;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.health.ServiceHealth;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Binds what a {@link HealthChecker} knows to a Micrometer {@link MeterRegistry}: the health of every checked real
 * server, the outcome and latency of its checks, and each checked service's quorum. Together with
 * {@link LoadBalancerMetrics} (same {@code service}, {@code server} and {@code protocol} tags) it gives the
 * whole picture; unlike those meters, these stay while a failed server is out of the load balancer.
 *
 * <pre>{@code
 * HealthMetrics health = new HealthMetrics(checker);
 * health.bindTo(registry);
 * ...
 * health.close(); // stops the refresh, stops listening and removes the meters
 * }</pre>
 *
 * <h2>Meters</h2>
 *
 * Per checked service, tagged {@code service} (the first id of a keepalived group, e.g. {@code TCP 10.0.0.1:80})
 * and {@code protocol}: gauges {@code lb.health.quorum} (1 while it has quorum, else 0),
 * {@code lb.health.live.weight} (the summed weight of the servers that are up) and
 * {@code lb.health.sorry.server.active} (1 while the sorry server serves).
 *
 * <p>Per checked real server, tagged also {@code server}: gauges {@code lb.health.state} (1 UP, 0 DOWN) and
 * {@code lb.health.weight} (its weight in the load balancer now: lower while slow-starting, 0 while inhibited or
 * out), and the function counter {@code lb.health.passive.failed.connections} (connect failures reported by the data path).
 *
 * <p>Per check of a server, tagged also {@code check} (e.g. {@code TCP_CHECK 10.0.0.11:8080}): gauges
 * {@code lb.health.check.state} (1 UP, 0 DOWN: the check's own state after rise/fall),
 * {@code lb.health.check.result} (the latest probe: 1 healthy, 0 failed, NaN before the first) and
 * {@code lb.health.check.latency} (the latest probe's duration, in seconds), and the timer
 * {@code lb.health.check.duration} with a {@code result} tag ({@code healthy} or {@code failed}) that records
 * every probe, retries included.
 *
 * <h2>Cost and freshness</h2>
 *
 * Gauges read a snapshot of {@link HealthChecker#health()} taken at most once per second. The timers are recorded
 * as probes finish, from a {@link HealthListener} this binder adds in {@link #bindTo}. Services, servers and
 * checks added or removed later get or lose their meters at the next refresh, every 10 seconds by default on a
 * daemon thread, or when {@link #refresh()} is called. Thread-safe.
 *
 * <p>This class needs {@code io.jvs:lb-health} on the class or module path; {@code lb-micrometer} declares it
 * optional, so users of {@link LoadBalancerMetrics} alone do not get it.
 *
 * @since 0.1
 */
public final class HealthMetrics implements MeterBinder, AutoCloseable {

    private final HealthChecker checker;
    private final Tags tags;
    private final MeterSync<Snapshot> sync;
    /** The probe timers of the checks that have meters; read by the listener. */
    private final Map<CheckKey, Timer[]> timers = new ConcurrentHashMap<>();

    private final HealthListener listener = new HealthListener() {
        @Override
        public void onEvent(HealthEvent event) {}

        @Override
        public void onResult(CheckResult r) {
            Timer[] t = timers.get(new CheckKey(r.service(), r.server(), r.check()));
            if (t != null) {
                t[r.healthy() ? 0 : 1].record(r.latency());
            }
        }
    };

    /** Metrics of {@code checker}, with no extra tags and a refresh every 10 seconds. */
    public HealthMetrics(HealthChecker checker) {
        this(checker, Tags.empty(), Duration.ofSeconds(10));
    }

    /**
     * Metrics of {@code checker}.
     *
     * @param tags tags added to every meter (for example the name of the load balancer)
     * @param refreshInterval how often services, servers and checks are looked for; {@link Duration#ZERO}
     *     starts no thread (then call {@link #refresh()} after changing the checker's services)
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the interval is negative
     */
    public HealthMetrics(HealthChecker checker, Iterable<Tag> tags, Duration refreshInterval) {
        this.checker = Objects.requireNonNull(checker, "checker");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.sync = new MeterSync<>(new MeterSync.Source<>() {
            @Override
            public Snapshot take() {
                return new Snapshot(checker.health());
            }

            @Override
            public Map<Object, Tags> wanted(Snapshot s) {
                return HealthMetrics.this.wanted(s);
            }

            @Override
            public List<Meter> register(MeterRegistry registry, Object key, Tags t) {
                if (key instanceof CheckKey) {
                    return registerCheck(registry, (CheckKey) key, t);
                }
                return key instanceof ServerKey ? registerServer(registry, (ServerKey) key, t)
                        : registerService(registry, (ServiceId) key, t);
            }

            @Override
            public void removed(Object key) {
                timers.remove(key);
            }
        }, refreshInterval, "jvs-health-metrics");
    }

    /**
     * Registers the meters of every checked service, server and check, and starts recording probe latencies.
     *
     * @throws IllegalStateException if this binder is already bound to a registry
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        sync.bind(registry, r -> List.of());
        checker.addListener(listener);
    }

    /** Takes a fresh snapshot; registers meters for services, servers and checks added since, removes the rest. */
    public void refresh() {
        sync.refresh();
    }

    /** Stops the refresh thread and the listener, and removes every meter this binder registered. Idempotent. */
    @Override
    public void close() {
        checker.removeListener(listener);
        sync.close();
    }

    private Snapshot snapshot() {
        return sync.snapshot();
    }

    /** The services, servers and checks that should have meters, with their tags. */
    private Map<Object, Tags> wanted(Snapshot s) {
        Map<Object, Tags> wanted = new HashMap<>();
        for (ServiceHealth sh : s.services.values()) {
            Tags serviceTags = tags.and("service", sh.id().toString(), "protocol", TagValues.protocol(sh.id()));
            wanted.put(sh.id(), serviceTags);
            for (ServerHealth server : sh.servers()) {
                Tags serverTags = serviceTags.and("server", TagValues.address(server.server()));
                wanted.put(new ServerKey(sh.id(), server.server()), serverTags);
                for (CheckStatus c : server.checks()) {
                    wanted.put(new CheckKey(sh.id(), server.server(), c.check()), serverTags.and("check", c.check()));
                }
            }
        }
        return wanted;
    }

    private List<Meter> registerService(MeterRegistry registry, ServiceId id, Tags t) {
        List<Meter> list = new ArrayList<>();
        list.add(gauge(registry, "lb.health.quorum", t, null, "1 while the checked service has quorum, else 0",
                m -> m.service(id, sh -> sh.quorumUp() ? 1 : 0)));
        list.add(gauge(registry, "lb.health.live.weight", t, null, "the summed weight of the real servers that are up",
                m -> m.service(id, sh -> sh.liveWeight())));
        list.add(gauge(registry, "lb.health.sorry.server.active", t, null, "1 while the sorry server serves, else 0",
                m -> m.service(id, sh -> sh.sorryServerActive() ? 1 : 0)));
        return list;
    }

    private List<Meter> registerServer(MeterRegistry registry, ServerKey key, Tags t) {
        List<Meter> list = new ArrayList<>();
        list.add(gauge(registry, "lb.health.state", t, null, "1 while the real server is UP (all its checks up), 0 when DOWN",
                m -> m.server(key, sh -> sh.state() == HealthState.UP ? 1 : 0)));
        list.add(gauge(registry, "lb.health.weight", t, null, "the real server's weight in the load balancer now "
                + "(lower while slow-starting, 0 while inhibited or out)",
                m -> m.server(key, sh -> Math.max(0, sh.loadBalancerWeight()))));
        list.add(FunctionCounter.builder("lb.health.passive.failed.connections", this,
                        m -> m.server(key, sh -> sh.passiveFailures()))
                .tags(t).baseUnit("connections").description("connect failures reported by the data path")
                .register(registry));
        return list;
    }

    private List<Meter> registerCheck(MeterRegistry registry, CheckKey key, Tags t) {
        List<Meter> list = new ArrayList<>();
        list.add(gauge(registry, "lb.health.check.state", t, null, "1 while the check is UP (after rise/fall), 0 when DOWN",
                m -> m.check(key, c -> c.state() == HealthState.UP ? 1 : 0)));
        list.add(gauge(registry, "lb.health.check.result", t, null, "the latest probe: 1 healthy, 0 failed",
                m -> m.check(key, c -> c.lastResult() == null ? Double.NaN : c.lastResult().healthy() ? 1 : 0)));
        list.add(gauge(registry, "lb.health.check.latency", t, "seconds", "how long the latest probe took",
                m -> m.check(key, c -> c.lastResult() == null ? Double.NaN
                        : c.lastResult().latency().toNanos() / 1e9)));
        Timer[] pair = new Timer[2];
        for (int i = 0; i < 2; i++) {
            pair[i] = Timer.builder("lb.health.check.duration").tags(t).tag("result", i == 0 ? "healthy" : "failed")
                    .description("how long each probe took, retries included").register(registry);
            list.add(pair[i]);
        }
        timers.put(key, pair);
        return list;
    }

    private Meter gauge(MeterRegistry registry, String name, Tags t, String unit, String description,
            ToDoubleFunction<HealthMetrics> f) {
        return Gauge.builder(name, this, f).tags(t).baseUnit(unit).description(description).register(registry);
    }

    // ---- values from the snapshot; NaN once the service, server or check is gone (its meters go at the refresh)

    private double service(ServiceId id, ToDoubleFunction<ServiceHealth> f) {
        ServiceHealth sh = snapshot().services.get(id);
        return sh == null ? Double.NaN : f.applyAsDouble(sh);
    }

    private double server(ServerKey key, ToDoubleFunction<ServerHealth> f) {
        ServerHealth sh = snapshot().servers.get(key);
        return sh == null ? Double.NaN : f.applyAsDouble(sh);
    }

    private double check(CheckKey key, ToDoubleFunction<CheckStatus> f) {
        CheckStatus c = snapshot().checks.get(key);
        return c == null ? Double.NaN : f.applyAsDouble(c);
    }

    /** One read of the checker. */
    private static final class Snapshot {
        final Map<ServiceId, ServiceHealth> services = new HashMap<>();
        final Map<ServerKey, ServerHealth> servers = new HashMap<>();
        final Map<CheckKey, CheckStatus> checks = new HashMap<>();

        Snapshot(List<ServiceHealth> list) {
            for (ServiceHealth sh : list) {
                services.put(sh.id(), sh);
                for (ServerHealth server : sh.servers()) {
                    servers.put(new ServerKey(sh.id(), server.server()), server);
                    for (CheckStatus c : server.checks()) {
                        checks.putIfAbsent(new CheckKey(sh.id(), server.server(), c.check()), c);
                    }
                }
            }
        }
    }

    private record ServerKey(ServiceId service, InetSocketAddress server) {}

    private record CheckKey(ServiceId service, InetSocketAddress server, String check) {}

    @Override
    public String toString() {
        return "HealthMetrics[" + checker + "]";
    }
}
