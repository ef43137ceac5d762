package io.jvs.micrometer;

import io.jvs.api.internal.Checks;
import io.jvs.cluster.ClusterStatus;
import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * Meters of one cluster member ({@link ClusteredLoadBalancer}) and its connection-sync stream, tagged
 * {@code cluster} and {@code member}:
 *
 * <ul>
 *   <li>{@code jvs.cluster.members.reachable}, {@code jvs.cluster.quorum} (1 with a majority and a leader, else 0),
 *       {@code jvs.cluster.leader} (1 on the leader), {@code jvs.cluster.config.epoch}, {@code jvs.cluster.faults};</li>
 *   <li>{@code jvs.sync.running} (1 while a sync role runs), {@code jvs.sync.ready} (1 once the state transfer is
 *       done or was not needed), {@code jvs.sync.view.members}, {@code jvs.sync.lag.p99} and
 *       {@code jvs.sync.lag.max} (seconds, over the last 4096 messages);</li>
 *   <li>counters {@code jvs.sync.entries.sent}, {@code jvs.sync.entries.received},
 *       {@code jvs.sync.entries.state.transfer}, {@code jvs.sync.messages.lost}, {@code jvs.sync.queue.drops},
 *       {@code jvs.sync.view.changes}.</li>
 * </ul>
 *
 * Each value is read from the member's status when the registry asks. A stream that restarts (its roles stopped
 * and started) starts its counters again.
 *
 * @since 0.1
 */
public final class ClusterMetrics implements MeterBinder {

    private final ClusteredLoadBalancer member;

    /**
     * Meters of {@code member}.
     *
     * @throws NullPointerException if {@code member} is null
     */
    public ClusterMetrics(ClusteredLoadBalancer member) {
        this.member = Checks.checkNotNull(member, "member");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        ClusterStatus s = member.status();
        String[] tags = {"cluster", s.cluster(), "member", s.self()};
        gauge(registry, "jvs.cluster.members.reachable", tags, m -> m.status().reachable().size(), "members");
        gauge(registry, "jvs.cluster.quorum", tags, m -> m.status().hasQuorum() ? 1 : 0, null);
        gauge(registry, "jvs.cluster.leader", tags, m -> m.isLeader() ? 1 : 0, null);
        gauge(registry, "jvs.cluster.config.epoch", tags, m -> m.configEpoch(), null);
        gauge(registry, "jvs.cluster.faults", tags, m -> m.status().faults().size(), null);
        gauge(registry, "jvs.sync.running", tags, m -> m.syncStatus().isPresent() ? 1 : 0, null);
        gauge(registry, "jvs.sync.ready", tags, m -> m.syncStatus().map(y -> y.ready() ? 1 : 0).orElse(0), null);
        gauge(registry, "jvs.sync.view.members", tags, m -> sync(m, y -> y.members().size()), "members");
        gauge(registry, "jvs.sync.lag.p99", tags, m -> syncD(m, y -> y.lagP99Millis() / 1000.0), "seconds");
        gauge(registry, "jvs.sync.lag.max", tags, m -> syncD(m, y -> y.lagMaxMillis() / 1000.0), "seconds");
        counter(registry, "jvs.sync.entries.sent", tags, y -> y.sentEntries());
        counter(registry, "jvs.sync.entries.received", tags, y -> y.receivedEntries());
        counter(registry, "jvs.sync.entries.state.transfer", tags, y -> y.stateTransferEntries());
        counter(registry, "jvs.sync.messages.lost", tags, y -> y.lostMessages());
        counter(registry, "jvs.sync.queue.drops", tags, y -> y.queueDrops());
        counter(registry, "jvs.sync.view.changes", tags, y -> y.viewChanges());
    }

    private static double sync(ClusteredLoadBalancer m, ToLongFunction<SyncStatus> f) {
        return m.syncStatus().map(f::applyAsLong).orElse(0L);
    }

    private static double syncD(ClusteredLoadBalancer m, ToDoubleFunction<SyncStatus> f) {
        return m.syncStatus().map(f::applyAsDouble).orElse(0.0);
    }

    private void gauge(MeterRegistry r, String name, String[] tags, ToDoubleFunction<ClusteredLoadBalancer> f,
            String unit) {
        Gauge.builder(name, member, f).tags(tags).baseUnit(unit).register(r);
    }

    private void counter(MeterRegistry r, String name, String[] tags, ToLongFunction<SyncStatus> f) {
        FunctionCounter.builder(name, member, m -> sync(m, f)).tags(tags).register(r);
    }
}
