package io.jvs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three members in one JVM on loopback: one configuration however changes are spread over the members, linearizable
 * reads, one member down, two down, a restarted member, a partitioned member.
 */
class ClusterConfigTest {

    @TempDir
    Path logs;

    private static final ServiceId WEB = ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80));

    private static VirtualService web() {
        return VirtualService.tcp("10.0.0.1", 80).scheduler("mh").persistence(Duration.ofSeconds(300))
                .allow(List.of(Cidr.parse("10.0.0.0/8"))).sourceLimit(SourceLimit.maxConnections(50))
                .realServer(RealServer.of("192.168.1.1", 80).withWeight(3))
                .realServer(RealServer.of("192.168.1.2", 80))
                .build();
    }

    private static List<String> order(ClusteredLoadBalancer m, ServiceId id) {
        ServiceStatus s = m.service(id).orElseThrow();
        return s.realServers().stream().map(RealServerStatus::server).map(Object::toString)
                .collect(Collectors.toList());
    }

    @Test
    void changesOnDifferentMembersGiveOneConfiguration() throws Exception {
        try (Trio t = new Trio("one", logs)) {
            t.get(0).start(web()).get();
            t.get(1).addRealServer(WEB, RealServer.of("192.168.1.3", 80).withWeight(2));
            t.get(2).editRealServer(WEB, RealServer.of("192.168.1.1", 80).withWeight(0));
            t.get(1).setTimeouts(Timeouts.ofSeconds(600, 60, 120));
            t.get(2).addRealServer(WEB, RealServer.of("192.168.1.4", 80).withForwardingMethod(ForwardingMethod.NAT));
            t.get(0).removeRealServer(WEB, new InetSocketAddress("192.168.1.2", 80));
            String hash = t.awaitConverged();
            List<String> expected = order(t.get(0), WEB);
            assertEquals(List.of("192.168.1.4:80 Masq weight 1", "192.168.1.3:80 FullNat weight 2",
                    "192.168.1.1:80 FullNat weight 0"), expected, "IPVS order: newest first");
            for (int i = 0; i < 3; i++) {
                ClusteredLoadBalancer m = t.get(i);
                assertEquals(hash, m.configHash(), "member " + i);
                assertEquals(expected, order(m, WEB), "member " + i);
                assertEquals(Timeouts.ofSeconds(600, 60, 120), m.timeouts(), "member " + i);
                VirtualService vs = m.service(WEB).orElseThrow().service();
                assertEquals(List.of(Cidr.parse("10.0.0.0/8")), vs.defences().allow(), "JVS options travel too");
                assertEquals(SourceLimit.maxConnections(50), vs.defences().sourceLimit());
                assertEquals(m.configHash(), m.status().hash());
                assertTrue(m.status().faults().isEmpty(), m.status().faults().toString());
            }
            assertEquals(6, t.get(2).configEpoch());
        }
    }

    @Test
    void aChangeAcknowledgedOnOneMemberIsSeenByTheNextReadOnAnother() throws Exception {
        try (Trio t = new Trio("linear", logs)) {
            t.get(0).start(web()).get();
            for (int i = 0; i < 12; i++) {
                ClusteredLoadBalancer writer = t.get(i % 3);
                ClusteredLoadBalancer reader = t.get((i + 1) % 3);
                int weight = 10 + i;
                writer.editRealServer(WEB, RealServer.of("192.168.1.2", 80).withWeight(weight));
                int seen = reader.service(WEB).orElseThrow().realServers().stream()
                        .filter(r -> r.server().address().getHostString().equals("192.168.1.2"))
                        .findFirst().orElseThrow().server().weight();
                assertEquals(weight, seen, "read on member " + (i + 1) % 3 + " after a write on " + i % 3);
            }
        }
    }

    @Test
    void theClusterRefusesWhatASingleDirectorRefusesTheSameOnEveryMember() throws Exception {
        try (Trio t = new Trio("refuse", logs)) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<Boolean>> results = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    ClusteredLoadBalancer m = t.get(i);
                    results.add(pool.submit(() -> {
                        try {
                            m.start(web()).get();
                            return true;
                        } catch (LoadBalancerException e) {
                            assertEquals(LoadBalancerException.Reason.SERVICE_EXISTS, e.reason());
                            return false;
                        }
                    }));
                }
                int won = 0;
                for (Future<Boolean> f : results) {
                    won += f.get() ? 1 : 0;
                }
                assertEquals(1, won, "exactly one of three concurrent adds of one service wins");
            } finally {
                pool.shutdownNow();
            }
            LoadBalancerException e = assertThrows(LoadBalancerException.class,
                    () -> t.get(1).removeRealServer(WEB, new InetSocketAddress("192.168.9.9", 80)));
            assertEquals(LoadBalancerException.Reason.NO_SUCH_DESTINATION, e.reason());
            t.awaitConverged();
            assertEquals(4, t.get(0).configEpoch(), "refused changes are entries of the log too");
        }
    }

    @Test
    void withOneOfThreeDownChangesApply() throws Exception {
        try (Trio t = new Trio("one-down", logs)) {
            t.get(0).start(web()).get();
            t.kill(2);
            t.awaitLeader();
            t.get(1).addRealServer(WEB, RealServer.of("192.168.1.5", 80));
            t.get(0).editRealServer(WEB, RealServer.of("192.168.1.5", 80).withWeight(7));
            t.awaitConverged();
            assertEquals(order(t.get(0), WEB), order(t.get(1), WEB));
            assertEquals(3, order(t.get(1), WEB).size());
        }
    }

    @Test
    void withTwoOfThreeDownChangesAreRefusedAndTheSurvivorKeepsItsConfiguration() throws Exception {
        try (Trio t = new Trio("two-down", logs)) {
            t.get(1).start(web()).get();
            t.awaitConverged();
            String hash = t.get(0).configHash();
            t.kill(1);
            t.kill(2);
            ClusteredLoadBalancer survivor = t.get(0);
            Trio.await("the survivor to lose its leader", () -> survivor.status().leader() == null);
            LoadBalancerException e = assertThrows(LoadBalancerException.class,
                    () -> survivor.addRealServer(WEB, RealServer.of("192.168.1.6", 80)));
            assertEquals(LoadBalancerException.Reason.NO_QUORUM, e.reason());
            String self = survivor.status().self();
            assertTrue(e.getMessage().contains("1 of 3 members reachable [" + self + "]"), e.getMessage());
            assertTrue(e.getMessage().contains("needs 2"), e.getMessage());
            assertTrue(e.getMessage().contains("nothing was changed"), e.getMessage());
            assertEquals(hash, survivor.configHash());
            // The data path keeps its configuration: the local director still has the service and its servers.
            assertEquals(1, survivor.status().epoch());
            assertEquals(2, localServers(survivor));
            assertThrows(LoadBalancerException.class, survivor::services, "linearizable reads need a quorum too");
        }
    }

    private static int localServers(ClusteredLoadBalancer m) {
        // The decorated director, read without the barrier.
        return ((io.jvs.api.LoadBalancer) m.delegate()).service(WEB).orElseThrow().realServers().size();
    }

    @Test
    void aRestartedMemberCatchesUpByItself() throws Exception {
        try (Trio t = new Trio("restart", logs)) {
            t.get(0).start(web()).get();
            t.kill(2);
            t.awaitLeader();
            t.get(1).addRealServer(WEB, RealServer.of("192.168.1.7", 80));
            t.get(0).setTimeouts(Timeouts.ofSeconds(100, 50, 25));
            ClusteredLoadBalancer back = t.restart(2);
            String hash = t.awaitConverged();
            assertEquals(hash, back.configHash());
            assertEquals(t.get(0).configEpoch(), back.configEpoch());
            assertEquals(3, localServers(back), "the restarted member's own director has the servers");
            assertEquals(Timeouts.ofSeconds(100, 50, 25), ((io.jvs.api.LoadBalancer) back.delegate()).timeouts());
        }
    }

    @Test
    void aPartitionedMemberEndsWithTheMajoritysConfiguration() throws Exception {
        try (Trio t = new Trio("partition", logs)) {
            t.get(0).start(web()).get();
            t.awaitConverged();
            ClusteredLoadBalancer cut = t.get(2);
            cut.partition(true);
            Trio.await("the cut-off member to see itself alone", () -> cut.status().reachable().size() == 1
                    && cut.status().leader() == null);
            Trio.await("the majority to drop the cut-off member", () -> t.get(0).status().reachable().size() == 2
                    && t.get(0).status().leader() != null && t.get(1).status().leader() != null);
            LoadBalancerException e = assertThrows(LoadBalancerException.class,
                    () -> cut.addRealServer(WEB, RealServer.of("192.168.1.66", 80)));
            assertEquals(LoadBalancerException.Reason.NO_QUORUM, e.reason());
            t.get(0).addRealServer(WEB, RealServer.of("192.168.1.8", 80));
            t.get(1).stop(ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80))).get();
            t.get(1).start(web().toBuilder().maxConnections(99).build()).get();
            String majority = t.get(0).configHash();
            assertNotEquals(majority, cut.configHash());
            cut.partition(false);
            Trio.await("the healed member to take the majority's configuration",
                    () -> cut.configHash().equals(majority));
            assertEquals(99, localService(cut).service().defences().maxConnections());
            assertEquals(2, localService(cut).realServers().size(), "the change refused while cut off never applied");
            t.awaitLeader();
        }
    }

    private static ServiceStatus localService(ClusteredLoadBalancer m) {
        return ((io.jvs.api.LoadBalancer) m.delegate()).service(WEB).orElseThrow();
    }

    @Test
    void builderChecksItsOptions() {
        ClusteredLoadBalancer.Builder b = ClusteredLoadBalancer.builder(
                io.jvs.core.Director.builder().dataPath(io.jvs.core.DataPath.detached()).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.cluster("no spaces"));
        assertEquals("cluster: no spaces (expected: 1-64 of A-Z a-z 0-9 . _ -)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.peers(List.of()));
        assertEquals("peers: [] (expected: at least one other member)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.commitTimeout(Duration.ofMillis(5)));
        assertEquals("commitTimeout: PT0.005S (expected: PT0.1S-PT10M)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> b.bind(new InetSocketAddress("0.0.0.0", 7800)));
        assertEquals("bind: 0.0.0.0:7800 (expected: a resolved, non-wildcard IP address and a port 1-65535)",
                e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class, b::build);
        assertEquals("cluster, bind and peers must be set (missing: cluster bind peers)", s.getMessage());
    }
}
