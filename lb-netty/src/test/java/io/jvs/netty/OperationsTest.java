package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Operations on a running service over real sockets: limits, quiescing, deleting and editing while connections
 * are open, source addresses, NAT.
 */
class OperationsTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serviceMaxConnections_holds_andWaitingClientsGetInLater(Transport t) throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            VirtualService vs = VirtualService.tcp("127.0.0.1", Net.freePort()).maxConnections(3)
                    .realServer(RealServer.of(echo.address())).build();
            int port = Lbs.start(lb, vs);
            List<Socket> first = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                first.add(Net.connect(port));
                int n = i + 1;
                Lbs.await(() -> echo.accepted() == n, Duration.ofSeconds(5), () -> "accepted " + echo.accepted());
            }
            Socket fourth = Net.connect(port); // completes in the kernel's backlog; not accepted yet
            Socket fifth = Net.connect(port);
            fourth.getOutputStream().write('4');
            // The director accepts the fourth, meets the limit and holds it (then stops accepting): once it is held,
            // nothing more can reach the server until a place is free.
            Lbs.await(() -> lb.stats().serviceLimitHeld() >= 1, Duration.ofSeconds(10), lb.stats()::toString);
            assertEquals(3, echo.accepted(), "the limit held");
            assertEquals(3, lb.stats().openConnections());
            first.get(0).close();
            first.get(1).close();
            assertEquals('4', fourth.getInputStream().read(), "a waiting client got in once a slot was free");
            assertEchoes(fifth);
            assertEquals(5, echo.accepted());
            first.get(2).close();
            fourth.close();
            fifth.close();
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * {@code -x 2 -y 1} end to end. Closed connections stay in the table (TIME_WAIT, CLOSE) and count in InActConn
     * until they expire, as in IPVS, so the test moves the table's clock past their timeouts.
     */
    @Test
    void realServerUpperThreshold_overloads_andClearsBelowTheLowerOne() throws Exception {
        java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong(1_000_000_000_000L);
        try (Backend echo = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).ticker(nanos::get).build()) {
            VirtualService vs = VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(echo.address()).withThresholds(2, 1)).build();
            int port = Lbs.start(lb, vs);
            Socket a = Net.connect(port);
            Socket b = Net.connect(port);
            assertEchoes(a);
            assertEchoes(b);
            assertTrue(server(lb, vs.id()).overloaded(), "two connections reach -x 2");
            assertEquals("reset", Net.connectAndReadToEnd(port), "an overloaded server takes no more");
            assertEquals(1, lb.stats().noDestination());
            b.close();
            Lbs.await(() -> lb.stats().openConnections() == 1, Duration.ofSeconds(5), lb::toString);
            nanos.addAndGet(Duration.ofSeconds(300).toNanos()); // the closed entries expire
            Lbs.await(() -> server(lb, vs.id()).activeConnections() + server(lb, vs.id()).inactiveConnections() == 1,
                    Duration.ofSeconds(10), () -> server(lb, vs.id()).toString());
            assertTrue(server(lb, vs.id()).overloaded(), "one connection is not below -y 1");
            a.close();
            Lbs.await(() -> lb.stats().openConnections() == 0, Duration.ofSeconds(5), lb::toString);
            nanos.addAndGet(Duration.ofSeconds(300).toNanos());
            Lbs.await(() -> !server(lb, vs.id()).overloaded(), Duration.ofSeconds(10), () -> "still overloaded");
            try (Socket d = Net.connect(port)) {
                assertEchoes(d);
            }
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void weightZero_quiesces_openConnectionsContinue() throws Exception {
        try (Backend a = Backend.echo(); Backend b = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.startRr(lb, a, b);
            ServiceId id = lb.services().get(0).service().id();
            List<Socket> open = new ArrayList<>(List.of(Net.connect(port), Net.connect(port)));
            for (Socket s : open) {
                assertEchoes(s);
            }
            assertEquals(1, a.accepted(), "rr put one on each");
            lb.editRealServer(id, RealServer.of(a.address()).withWeight(0));
            for (int i = 0; i < 4; i++) {
                try (Socket s = Net.connect(port)) {
                    assertEchoes(s);
                }
            }
            assertEquals(1, a.accepted(), "a quiesced server gets no new connections");
            assertEquals(5, b.accepted());
            for (Socket s : open) {
                assertEchoes(s); // the connection on the quiesced server still works
                s.close();
            }
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void deletedRealServer_letsItsConnectionsFinish() throws Exception {
        try (Backend a = Backend.echo(); Backend b = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.startRr(lb, a, b);
            ServiceId id = lb.services().get(0).service().id();
            Socket onA = Net.connect(port);
            assertEchoes(onA);
            Backend first = a.accepted() == 1 ? a : b;
            Backend other = first == a ? b : a;
            lb.removeRealServer(id, first.address());
            for (int i = 0; i < 3; i++) {
                try (Socket s = Net.connect(port)) {
                    assertEchoes(s);
                }
            }
            assertEquals(1, first.accepted(), "a deleted server gets no new connections");
            assertEquals(3, other.accepted());
            assertEchoes(onA);
            onA.shutdownOutput();
            assertEquals(-1, onA.getInputStream().read());
            onA.close();
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void editingTheService_leavesLiveConnectionsAlone() throws Exception {
        try (Backend a = Backend.echo(); Backend b = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.startRr(lb, a);
            VirtualService before = lb.services().get(0).service();
            Socket s = Net.connect(port);
            assertEchoes(s);
            List<ConnectionStatus> table = lb.connections();
            lb.update(before.toBuilder().scheduler("wlc").maxConnections(10).realServer(RealServer.of(b.address()))
                    .build());
            assertEquals("wlc", lb.services().get(0).service().schedulerName());
            assertEquals(10, lb.services().get(0).service().defences().maxConnections());
            assertEchoes(s);
            assertEquals(table.get(0).client(), lb.connections().get(0).client());
            assertEquals(table.get(0).destination(), lb.connections().get(0).destination());
            s.close();
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void noRealServer_clientIsResetAndCounted() throws Exception {
        try (NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).build());
            assertEquals("reset", Net.connectAndReadToEnd(port));
            assertEquals(1, lb.stats().noDestination());
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void sourceAddresses_areUsedInTurn(Transport t) throws Exception {
        InetAddress two = InetAddress.getByName("127.0.0.2");
        InetAddress three = InetAddress.getByName("127.0.0.3");
        try (Backend echo = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(t).sourceAddresses(List.of(two, three)).build()) {
            int port = Lbs.startRr(lb, echo);
            for (int i = 0; i < 4; i++) {
                try (Socket s = Net.connect(port)) {
                    assertEchoes(s);
                }
            }
            Set<InetAddress> seen = echo.peers().stream().map(InetSocketAddress::getAddress).collect(Collectors.toSet());
            assertEquals(Set.of(two, three), seen, "the real server saw the source addresses");
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void sourceAddress_thatIsNotLocal_isRefusedByTheBuilder() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NettyLoadBalancer.builder()
                .sourceAddresses(List.of(InetAddress.getByName("192.0.2.1"))));
        assertTrue(e.getMessage().startsWith("sourceAddress: 192.0.2.1 (expected: an address of this host"),
                e.getMessage());
    }

    /**
     * NAT on loopback: the director connects from the client's own address (IP_TRANSPARENT), so the real server
     * sees 127.0.0.9, the client's, not the director's. (On loopback every 127/8 address is local; the namespace
     * test in lb-examples runs NAT across real routing.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void nat_realServerSeesTheClientAddress(Transport t) throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            VirtualService.Builder vs = VirtualService.tcp("127.0.0.1", Net.freePort());
            RealServer rs = RealServer.of(echo.address()).withForwardingMethod(ForwardingMethod.NAT);
            if (!lb.supportedForwardingMethods().contains(ForwardingMethod.NAT)) {
                LoadBalancerException e = assertThrows(LoadBalancerException.class,
                        () -> lb.start(vs.realServer(rs).build()));
                assertTrue(e.getMessage().contains("supported: FULLNAT"), e.getMessage());
                return;
            }
            int port = Lbs.start(lb, vs.realServer(rs).build());
            InetAddress client = InetAddress.getByName("127.0.0.9");
            try (Socket s = Net.connect(client, port)) {
                assertEchoes(s);
            }
            assertEquals(client, echo.peers().get(0).getAddress());
            Lbs.awaitIdle(lb);
        }
    }

    private static RealServerStatus server(NettyLoadBalancer lb, ServiceId id) {
        return lb.service(id).orElseThrow().realServers().get(0);
    }

    static void assertEchoes(Socket s) throws IOException {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(ping);
        assertArrayEquals(ping, s.getInputStream().readNBytes(ping.length));
    }
}
