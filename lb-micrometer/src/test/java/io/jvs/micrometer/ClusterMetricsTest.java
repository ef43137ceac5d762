package io.jvs.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncHook;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.testing.Ports;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A one-member cluster with both sync roles: its meters say it has a quorum, leads, and its stream is ready; the
 * meters are named as the other binders' are ({@code lb.}, the unit at the end).
 */
class ClusterMetricsTest {

    /** Every meter with its base unit (null: none), as docs/metrics.md lists them. */
    private static final Map<String, String> METERS = new TreeMap<>();

    static {
        for (String g : List.of("lb.cluster.quorum", "lb.cluster.leader", "lb.cluster.config.epoch", "lb.sync.running",
                "lb.sync.ready")) {
            METERS.put(g, null);
        }
        METERS.put("lb.cluster.reachable.members", "members");
        METERS.put("lb.cluster.faults", "faults");
        METERS.put("lb.sync.view.members", "members");
        METERS.put("lb.sync.lag.p99", "seconds");
        METERS.put("lb.sync.lag.max", "seconds");
        METERS.put("lb.sync.sent.entries", "entries");
        METERS.put("lb.sync.received.entries", "entries");
        METERS.put("lb.sync.state.transfer.entries", "entries");
        METERS.put("lb.sync.lost.messages", "messages");
        METERS.put("lb.sync.queue.dropped.entries", "entries");
        METERS.put("lb.sync.view.changes", "changes");
    }

    @Test
    void aLoneMemberLeadsAndItsStreamIsReady() throws Exception {
        InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(), Ports.tcpPair());
        SyncHook hook = SyncHook.create();
        Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(64).stateSync(hook).build();
        try (ClusteredLoadBalancer lb = ClusteredLoadBalancer.builder(d).cluster("metrics").bind(self)
                .peers(List.of(self)).failureDetection(Duration.ofMillis(1500)).connectionSync(hook)
                .syncRoles(true, true).build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new ClusterMetrics(lb).bindTo(registry);

            Map<String, String> bound = new TreeMap<>();
            for (Meter m : registry.getMeters()) {
                bound.put(m.getId().getName(), m.getId().getBaseUnit());
                assertEquals("metrics", m.getId().getTag("cluster"), m.getId().toString());
                assertEquals(lb.status().self(), m.getId().getTag("member"), m.getId().toString());
            }
            assertEquals(METERS, bound);

            // Leading and a ready stream come when the election and the state transfer are done: wait for both.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (registry.get("lb.cluster.leader").gauge().value() != 1
                    || registry.get("lb.sync.ready").gauge().value() != 1) {
                if (System.nanoTime() - deadline > 0) {
                    fail("no leader or no ready stream in 60 s: " + lb.status() + " " + lb.syncStatus());
                }
                Thread.sleep(50);
            }
            assertEquals(1, registry.get("lb.cluster.quorum").gauge().value());
            assertEquals(1, registry.get("lb.cluster.reachable.members").gauge().value());
            assertEquals(0, registry.get("lb.cluster.faults").gauge().value());
            assertEquals(1, registry.get("lb.sync.running").gauge().value());
            assertEquals(1, registry.get("lb.sync.view.members").gauge().value());
            assertEquals(0, registry.get("lb.sync.queue.dropped.entries").functionCounter().count());
            assertTrue(registry.get("lb.cluster.config.epoch").gauge().value() >= 0);
        }
    }
}
