package io.jvs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.LoadBalancer;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader view: a follower's verdicts are not committed, but remembered; a member that becomes the leader makes
 * the table match what its checker wants (a server it sees down that the table has is taken out, a weight set).
 */
class LeaderViewTest {

    @TempDir
    Path logs;

    private static List<String> servers(ClusteredLoadBalancer m, ServiceId id) {
        return m.service(id).orElseThrow().service().realServers().stream()
                .map(rs -> rs.address().getPort() + "w" + rs.weight()).sorted().toList();
    }

    @Test
    void followersVerdictsWait_newLeaderAppliesThem() throws Exception {
        try (Trio t = new Trio("view", logs)) {
            int leader = -1;
            for (int i = 0; i < 3; i++) {
                if (t.get(i).isLeader()) {
                    leader = i;
                }
            }
            assertTrue(leader >= 0);
            VirtualService web = VirtualService.tcp("10.9.0.1", 80).scheduler("rr")
                    .realServer(RealServer.of("10.9.0.2", 8001)).realServer(RealServer.of("10.9.0.3", 8002)).build();
            for (int i = 0; i < 3; i++) {
                t.get(i).leaderView().start(web).join(); // every member's checker starts it; the leader's commits
            }
            ServiceId id = web.id();
            assertEquals(List.of("8001w1", "8002w1"), servers(t.get(leader), id));
            for (int i = 0; i < 3; i++) {
                if (i != leader) {
                    LoadBalancer view = t.get(i).leaderView();
                    view.removeRealServer(id, new InetSocketAddress("10.9.0.3", 8002)); // a follower sees it down
                    view.editRealServer(id, RealServer.of("10.9.0.2", 8001).withWeight(5));
                }
            }
            t.get(leader).sync();
            assertEquals(List.of("8001w1", "8002w1"), servers(t.get(leader), id), "a follower's verdicts wait");
            t.kill(leader);
            t.awaitLeader();
            int survivor = (leader + 1) % 3;
            Trio.await("the new leader applied its checker's verdicts",
                    () -> servers(t.get(survivor), id).equals(List.of("8001w5")));
            t.awaitConverged();
        }
    }
}
