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
 * {@code cluster} and {@code member}. Names end with their unit, as {@link LoadBalancerMetrics}' do (Prometheus
 * names in brackets):
 *
 * <ul>
 *   <li>{@code lb.cluster.reachable.members} ({@code lb_cluster_reachable_members}), {@code lb.cluster.quorum} (1
 *       with a majority and a leader, else 0), {@code lb.cluster.leader} (1 on the leader),
 *       {@code lb.cluster.config.epoch}, {@code lb.cluster.faults};</li>
 *   <li>{@code lb.sync.running} (1 while a sync role runs), {@code lb.sync.ready} (1 once the state transfer is
 *       done or was not needed), {@code lb.sync.view.members}, {@code lb.sync.lag.p99} and {@code lb.sync.lag.max}
 *       (seconds, over the last 4096 messages: {@code lb_sync_lag_p99_seconds}, {@code lb_sync_lag_max_seconds});</li>
 *   <li>counters {@code lb.sync.sent.entries} ({@code lb_sync_sent_entries_total}), {@code lb.sync.received.entries},
 *       {@code lb.sync.state.transfer.entries}, {@code lb.sync.lost.messages}, {@code lb.sync.queue.dropped.entries},
 *       {@code lb.sync.view.changes}.</li>
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
        gauge(registry, "lb.cluster.reachable.members", tags, "members", "the members in this member's view",
                m -> m.status().reachable().size());
        gauge(registry, "lb.cluster.quorum", tags, null, "1 while the cluster has a majority and a leader, else 0",
                m -> m.status().hasQuorum() ? 1 : 0);
        gauge(registry, "lb.cluster.leader", tags, null, "1 while this member leads, else 0",
                m -> m.isLeader() ? 1 : 0);
        gauge(registry, "lb.cluster.config.epoch", tags, null, "the configuration changes this member has applied",
                m -> m.configEpoch());
        gauge(registry, "lb.cluster.faults", tags, "faults", "changes this member's load balancer could not apply",
                m -> m.status().faults().size());
        gauge(registry, "lb.sync.running", tags, null, "1 while a connection-sync role runs, else 0",
                m -> m.syncStatus().isPresent() ? 1 : 0);
        gauge(registry, "lb.sync.ready", tags, null, "1 once the sync stream's state transfer is done or not needed",
                m -> m.syncStatus().map(y -> y.ready() ? 1 : 0).orElse(0));
        gauge(registry, "lb.sync.view.members", tags, "members", "the members in the sync stream's view",
                m -> sync(m, y -> y.members().size()));
        gauge(registry, "lb.sync.lag.p99", tags, "seconds", "99th percentile of the time from sending to applying",
                m -> syncD(m, y -> y.lagP99Millis() / 1000.0));
        gauge(registry, "lb.sync.lag.max", tags, "seconds", "longest time from sending to applying",
                m -> syncD(m, y -> y.lagMaxMillis() / 1000.0));
        counter(registry, "lb.sync.sent.entries", tags, "entries", "connection entries sent",
                y -> y.sentEntries());
        counter(registry, "lb.sync.received.entries", tags, "entries", "connection entries received and applied",
                y -> y.receivedEntries());
        counter(registry, "lb.sync.state.transfer.entries", tags, "entries", "entries the joiner's snapshot brought",
                y -> y.stateTransferEntries());
        counter(registry, "lb.sync.lost.messages", tags, "messages", "messages missing in the senders' sequences",
                y -> y.lostMessages());
        counter(registry, "lb.sync.queue.dropped.entries", tags, "entries",
                "entries not sent because no message buffer was free", y -> y.queueDrops());
        counter(registry, "lb.sync.view.changes", tags, "changes", "changes of the sync stream's view",
                y -> y.viewChanges());
    }

    private static double sync(ClusteredLoadBalancer m, ToLongFunction<SyncStatus> f) {
        return m.syncStatus().map(f::applyAsLong).orElse(0L);
    }

    private static double syncD(ClusteredLoadBalancer m, ToDoubleFunction<SyncStatus> f) {
        return m.syncStatus().map(f::applyAsDouble).orElse(0.0);
    }

    private void gauge(MeterRegistry r, String name, String[] tags, String unit, String description,
            ToDoubleFunction<ClusteredLoadBalancer> f) {
        Gauge.builder(name, member, f).tags(tags).baseUnit(unit).description(description).register(r);
    }

    private void counter(MeterRegistry r, String name, String[] tags, String unit, String description,
            ToLongFunction<SyncStatus> f) {
        FunctionCounter.builder(name, member, m -> sync(m, f)).tags(tags).baseUnit(unit).description(description)
                .register(r);
    }
}
