package io.jvs.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncHook;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.testing.Ports;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A one-member cluster with both sync roles: its meters say it has a quorum, leads, and its stream is ready. */
class ClusterMetricsTest {

    @Test
    void aLoneMemberLeadsAndItsStreamIsReady() throws Exception {
        int port = 0;
        for (int attempt = 0; attempt < 100 && port == 0; attempt++) {
            int p = Ports.tcp();
            try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                port = p;
            } catch (java.io.IOException e) {
                // another
            }
        }
        InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        SyncHook hook = SyncHook.create();
        Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(64).stateSync(hook).build();
        try (ClusteredLoadBalancer lb = ClusteredLoadBalancer.builder(d).cluster("metrics").bind(self)
                .peers(List.of(self)).failureDetection(Duration.ofMillis(1500)).connectionSync(hook)
                .syncRoles(true, true).build()) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            new ClusterMetrics(lb).bindTo(registry);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (registry.get("jvs.cluster.leader").gauge().value() != 1 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, registry.get("jvs.cluster.leader").tag("cluster", "metrics").gauge().value());
            assertEquals(1, registry.get("jvs.cluster.quorum").gauge().value());
            assertEquals(1, registry.get("jvs.sync.running").gauge().value());
            assertEquals(1, registry.get("jvs.sync.ready").gauge().value());
            assertEquals(1, registry.get("jvs.sync.view.members").gauge().value());
            assertEquals(0, registry.get("jvs.sync.queue.drops").functionCounter().count());
            assertTrue(registry.get("jvs.cluster.config.epoch").gauge().value() >= 0);
        }
    }
}
