package io.jvs.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.testing.Ports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Three directors in this JVM on loopback, each a {@link Director} joined to the configuration cluster and to the
 * connection stream through a {@link SyncHook}, both sync roles running: connections placed through one director's
 * pipeline are bound on the others' real servers, a persistent client's template is honoured everywhere, a member
 * that restarts gets the entries before it is ready, and jvsadm drives and lists the daemon.
 */
class SyncedClusterTest {

    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.1", 80);
    private static final ServiceId ID = ServiceId.tcp(VIP);

    private final List<InetSocketAddress> addresses = new ArrayList<>();
    private final ClusteredLoadBalancer[] members = new ClusteredLoadBalancer[3];
    private final Director[] directors = new Director[3];

    @AfterEach
    void close() {
        for (ClusteredLoadBalancer m : members) {
            if (m != null) {
                m.close();
            }
        }
    }

    /** A free port whose next port is free too (the configuration's and the stream's). */
    static int portPair() throws java.io.IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = Ports.tcp();
            try (java.net.ServerSocket s = new java.net.ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (java.io.IOException e) {
                // try another
            }
        }
        throw new java.io.IOException("no free pair of ports");
    }

    private ClusteredLoadBalancer open(int i) {
        SyncHook hook = SyncHook.create();
        directors[i] = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(4096).stateSync(hook).build();
        List<InetSocketAddress> peers = new ArrayList<>(addresses);
        peers.remove(i);
        members[i] = ClusteredLoadBalancer.builder(directors[i]).cluster("synced").bind(addresses.get(i))
                .peers(peers).failureDetection(Trio.FAILURE_DETECTION).commitTimeout(Duration.ofSeconds(15))
                .connectionSync(hook).syncRoles(true, true).build();
        return members[i];
    }

    private static Connection connect(Director d, String client, int port) {
        RunningService s = d.runningService(ID).orElseThrow();
        FlowRequest r = new FlowRequest().set(Protocol.TCP, new InetSocketAddress(client, port), VIP);
        assertTrue(s.open(r).admitted());
        Connection c = r.connection();
        c.onBackendConnected();
        c.countInbound(100); // packet 3: ESTABLISHED is published
        return c;
    }

    private static long entries(Director d, boolean templates) {
        return d.connections().stream().filter(c -> c.template() == templates).count();
    }

    @Test
    void entriesAndTemplatesReachEveryMemberBoundToItsServers_andARestartedMemberCatchesUp() throws Exception {
        for (int i = 0; i < 3; i++) {
            addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), portPair()));
        }
        for (int i = 0; i < 3; i++) {
            open(i);
        }
        Trio.await("three members in the sync view", () -> members[0].syncStatus().map(s -> s.members().size())
                .orElse(0) == 3 && members[2].syncStatus().map(s -> s.members().size()).orElse(0) == 3);
        members[1].start(VirtualService.tcp(VIP).scheduler("rr").persistence(Duration.ofSeconds(600))
                .realServer(RealServer.of("192.168.1.2", 80)).realServer(RealServer.of("192.168.1.3", 80)).build())
                .get();
        for (ClusteredLoadBalancer m : members) {
            m.sync();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (int k = 0; k < 20; k++) {
            servers.add(connect(directors[0], "10.9.0." + (k + 1), 40000).destinationAddress());
        }
        Trio.await("20 connections and 20 templates on both others", () -> entries(directors[1], false) == 20
                && entries(directors[2], false) == 20 && entries(directors[1], true) == 20
                && entries(directors[2], true) == 20);
        for (int d = 1; d <= 2; d++) {
            int active = directors[d].service(ID).orElseThrow().realServers().stream()
                    .mapToInt(r -> r.activeConnections()).sum();
            int persistent = directors[d].service(ID).orElseThrow().realServers().stream()
                    .mapToInt(r -> r.persistentConnections()).sum();
            assertEquals(20, active, "the master's ESTABLISHED connections count active on director " + d);
            assertEquals(20, persistent);
        }
        // Each client, through another director, goes to its server: the template was synced.
        for (int k = 0; k < 20; k++) {
            Connection c = connect(directors[2], "10.9.0." + (k + 1), 41000);
            assertEquals(servers.get(k), c.destinationAddress(), "client " + k);
        }

        // jvsadm on a member: the daemon lines, then a stop and a start.
        Ipvsadm adm = Ipvsadm.of(members[0], members[0].syncDaemon().orElseThrow());
        Ipvsadm.Result list = adm.execute(List.of("-L", "--daemon"), "");
        assertEquals("master sync daemon (mcast=lo, syncid=0, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n"
                + "backup sync daemon (mcast=lo, syncid=0, maxlen=65507, group=224.0.0.81, port=8848, ttl=1)\n",
                list.stdout());
        assertEquals(255, adm.execute(List.of("--start-daemon", "master", "--mcast-interface", "lo"), "").status());
        assertEquals(0, adm.execute(List.of("--stop-daemon", "master"), "").status());
        assertEquals(255, adm.execute(List.of("--stop-daemon", "master"), "").status());
        assertEquals(0, adm.execute(List.of("--start-daemon", "master", "--mcast-interface", "lo", "--syncid", "7"),
                "").status());

        // A member that restarts receives the entries and templates before it is ready.
        members[2].close();
        members[2] = null;
        ClusteredLoadBalancer again = open(2);
        SyncStatus s = again.syncStatus().orElseThrow();
        assertTrue(s.ready(), s.toString());
        assertEquals(ConnectionSync.StateTransfer.DONE, s.stateTransfer());
        assertTrue(entries(directors[2], false) >= 20, "connections after the restart: "
                + entries(directors[2], false));
        assertEquals(20, entries(directors[2], true), "templates after the restart");
        for (ConnectionStatus c : directors[2].connections()) {
            assertTrue(servers.contains(c.destination()) || c.template(), c.toString());
        }
    }
}
