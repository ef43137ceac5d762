package io.jvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Stats;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DirectorTest {

    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.1", 80);
    private static final ServiceId ID = ServiceId.tcp(VIP);
    private static final RealServer A = RealServer.of("192.168.1.1", 80);
    private static final RealServer B = RealServer.of("192.168.1.2", 80);
    private static final RealServer C = RealServer.of("192.168.1.3", 80);

    private final FakeDataPath dataPath = new FakeDataPath();
    private final Director director = Director.builder().dataPath(dataPath).rateEstimator(false).build();

    @AfterEach
    void close() {
        director.close();
    }

    private static VirtualService service(String scheduler, RealServer... servers) {
        return VirtualService.tcp(VIP).scheduler(scheduler).realServers(List.of(servers)).build();
    }

    /** The i-th address of 10.0.0.0/8 from 10.1.0.0. */
    private static java.net.InetAddress ip10(int i) {
        int v = 0x0A010000 + i;
        try {
            return java.net.InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                    (byte) v});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> order(ServiceStatus s) {
        return s.realServers().stream().map(r -> r.server().address().getAddress().getHostAddress())
                .collect(Collectors.toList());
    }

    private Connection open(int clientPort) {
        return Opens.open(director.runningService(ID).orElseThrow(), Protocol.TCP,
                new InetSocketAddress("172.16.0.9", clientPort), VIP);
    }

    @Test
    void start_bindsEveryEndpointAndListsServersNewestFirst() {
        director.start(service("rr", A, B, C)).join();
        assertEquals(List.of("bind TCP 10.0.0.1:80"), dataPath.events);
        ServiceStatus s = director.service(ID).orElseThrow();
        assertEquals(List.of("192.168.1.3", "192.168.1.2", "192.168.1.1"), order(s), "IPVS order is newest first");
        assertEquals(List.of(A, B, C), s.service().realServers(), "the definition keeps the order they were added");
    }

    @Test
    void start_twice() {
        director.start(service("rr", A)).join();
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> director.start(service("wlc", B)));
        assertEquals(Reason.SERVICE_EXISTS, e.reason());
        assertEquals(List.of(A), director.service(ID).orElseThrow().service().realServers());
    }

    @Test
    void start_bindFailureRemovesTheService() {
        dataPath.failBinds = true;
        CompletionException e = assertThrows(CompletionException.class, () -> director.start(service("rr", A)).join());
        assertEquals(Reason.BIND_FAILED, ((LoadBalancerException) e.getCause()).reason());
        assertTrue(director.services().isEmpty());
    }

    @Test
    void proxyProtocolV1_isRefusedForUdpEndpoints_v2AndTcpAreFine() {
        RealServer v1 = A.withProxyProtocol(io.jvs.api.ProxyProtocol.V1);
        VirtualService udp = VirtualService.udp("10.0.0.1", 53).realServer(v1).build();
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> director.start(udp));
        assertEquals(Reason.UNSUPPORTED, e.reason());
        assertEquals("PROXY protocol V1 of real server 192.168.1.1:80 in UDP 10.0.0.1:53: version 1 has no form for "
                + "UDP (expected: V2 or NONE for a service with UDP endpoints)", e.getMessage());
        assertTrue(director.services().isEmpty());
        VirtualService mark = VirtualService.fwmark(7).endpoint(io.jvs.api.Protocol.TCP,
                new InetSocketAddress("10.0.0.1", 80)).endpoint(io.jvs.api.Protocol.UDP,
                new InetSocketAddress("10.0.0.1", 53)).realServer(v1).build();
        assertThrows(LoadBalancerException.class, () -> director.start(mark));

        VirtualService ok = VirtualService.udp("10.0.0.1", 53).realServer(A).build();
        director.start(ok).join();
        assertThrows(LoadBalancerException.class, () -> director.addRealServer(ok.id(),
                B.withProxyProtocol(io.jvs.api.ProxyProtocol.V1)));
        assertThrows(LoadBalancerException.class, () -> director.editRealServer(ok.id(), v1));
        assertEquals(List.of(A), director.service(ok.id()).orElseThrow().service().realServers(), "unchanged");
        director.editRealServer(ok.id(), A.withProxyProtocol(io.jvs.api.ProxyProtocol.V2));
        director.start(service("rr", v1)).join(); // TCP takes version 1
    }

    @Test
    void start_unsupportedMethodChangesNothing() {
        VirtualService vs = service("rr", A, B.withForwardingMethod(ForwardingMethod.DR));
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> director.start(vs));
        assertEquals(Reason.UNSUPPORTED, e.reason());
        assertEquals("forwarding method DR (Route) of real server 192.168.1.2:80 is not supported by this data path "
                + "(supported: FULLNAT (FullNat))", e.getMessage());
        assertTrue(director.services().isEmpty());
        assertTrue(dataPath.events.isEmpty());
    }

    @Test
    void addRealServer_goesFirst() {
        director.start(service("rr", A)).join();
        director.addRealServer(ID, B);
        assertEquals(List.of("192.168.1.2", "192.168.1.1"), order(director.service(ID).orElseThrow()));
    }

    @Test
    void addRealServer_duplicate() {
        director.start(service("rr", A)).join();
        LoadBalancerException e = assertThrows(LoadBalancerException.class,
                () -> director.addRealServer(ID, A.withWeight(9)));
        assertEquals(Reason.DESTINATION_EXISTS, e.reason());
        assertEquals(1, director.service(ID).orElseThrow().realServers().get(0).server().weight());
    }

    @Test
    void operations_onMissingService() {
        assertEquals(Reason.NO_SUCH_SERVICE,
                assertThrows(LoadBalancerException.class, () -> director.addRealServer(ID, A)).reason());
        assertEquals(Reason.NO_SUCH_SERVICE,
                assertThrows(LoadBalancerException.class, () -> director.stop(ID)).reason());
        assertEquals(Reason.NO_SUCH_SERVICE,
                assertThrows(LoadBalancerException.class, () -> director.update(service("rr"))).reason());
        assertEquals(Reason.NO_SUCH_SERVICE,
                assertThrows(LoadBalancerException.class, () -> director.zeroCounters(ID)).reason());
    }

    @Test
    void editAndRemove_missingDestination() {
        director.start(service("rr", A)).join();
        assertEquals(Reason.NO_SUCH_DESTINATION,
                assertThrows(LoadBalancerException.class, () -> director.editRealServer(ID, B)).reason());
        assertEquals(Reason.NO_SUCH_DESTINATION, assertThrows(LoadBalancerException.class,
                () -> director.removeRealServer(ID, B.address())).reason());
    }

    @Test
    void editRealServer_keepsPositionAndConnections() {
        director.start(service("rr", A, B)).join();
        Connection c = open(40000);
        RealServer picked = c.destination().server();
        director.editRealServer(ID, picked.withWeight(7));
        ServiceStatus s = director.service(ID).orElseThrow();
        assertEquals(List.of("192.168.1.2", "192.168.1.1"), order(s));
        RealServerStatus edited = s.realServers().stream()
                .filter(r -> r.server().address().equals(picked.address())).findFirst().orElseThrow();
        assertEquals(7, edited.server().weight());
        assertEquals(1, edited.activeConnections(), "the edit left the connection alone (SYN_RECV)");
    }

    @Test
    void connectionLifecycle_movesCounters() {
        director.start(service("rr", A)).join();
        Connection c = open(40000);
        assertNotNull(c);
        assertEquals(new InetSocketAddress("192.168.1.1", 80), c.destinationAddress());
        RealServerStatus s = director.service(ID).orElseThrow().realServers().get(0);
        assertEquals(1, s.activeConnections(), "the accepted SYN makes it SYN_RECV: active in current kernels");
        assertEquals(0, s.inactiveConnections());
        c.onBackendConnected();
        s = director.service(ID).orElseThrow().realServers().get(0);
        assertEquals(1, s.activeConnections());
        assertEquals(0, s.inactiveConnections());
        c.countInbound(100);
        c.countOutbound(250);
        c.countOutbound(50);
        c.onClientFin();
        s = director.service(ID).orElseThrow().realServers().get(0);
        assertEquals(0, s.activeConnections());
        assertEquals(1, s.inactiveConnections(), "a half-closed connection is inactive");
        assertEquals(new Stats(1, 1, 2, 100, 300), s.stats());
        assertEquals(new Stats(1, 1, 2, 100, 300), director.service(ID).orElseThrow().stats());
    }

    @Test
    void noServer_refusesConnections() {
        director.start(service("rr")).join();
        assertNull(open(40000));
        director.addRealServer(ID, A.withWeight(0));
        assertNull(open(40001), "weight 0 is quiesced");
    }

    @Test
    void upperThreshold_overloadsAndRecovers() {
        director.start(service("rr", A.withThresholds(2, 1))).join();
        Connection c1 = open(40001);
        Connection c2 = open(40002);
        assertNotNull(c1);
        assertNotNull(c2);
        assertTrue(director.service(ID).orElseThrow().realServers().get(0).overloaded());
        assertNull(open(40003), "an overloaded server takes no new connection");
        c1.onClosed();
        c2.onClosed();
        director.editRealServer(ID, A.withThresholds(0, 0)); // an edit that removes the threshold clears OVERLOAD
        assertFalse(director.service(ID).orElseThrow().realServers().get(0).overloaded());
        assertNotNull(open(40004));
    }

    @Test
    void removeRealServer_keepsItsConnections() {
        director.start(service("rr", A)).join();
        Connection c = open(40000);
        c.onBackendConnected();
        director.removeRealServer(ID, A.address());
        assertFalse(c.destination().isAvailable());
        assertTrue(director.service(ID).orElseThrow().realServers().isEmpty());
        c.countInbound(10); // still relaying
        assertNull(open(40001));
    }

    @Test
    void reschedule_triesTheOthersThenGivesUp() {
        director.start(service("rr", A, B)).join();
        Connection c = open(40000);
        InetSocketAddress first = c.destinationAddress();
        assertTrue(c.reschedule());
        assertFalse(first.equals(c.destinationAddress()), "another server");
        assertFalse(c.reschedule(), "both failed");
    }

    @Test
    void reschedule_tellsListenersWhichServerFailed() {
        director.start(service("rr", A, B)).join();
        List<String> failed = new java.util.concurrent.CopyOnWriteArrayList<>();
        director.addListener(new io.jvs.api.LoadBalancerListener() {
            @Override
            public void connectFailed(ServiceId service, InetSocketAddress server) {
                failed.add(service + " " + server.getAddress().getHostAddress());
            }
        });
        Connection c = open(40000);
        String first = c.destinationAddress().getAddress().getHostAddress();
        c.reschedule();
        assertEquals(List.of("TCP 10.0.0.1:80 " + first), failed);
    }

    @Test
    void update_reconcilesServersAndScheduler() {
        director.start(service("rr", A, B)).join();
        director.update(VirtualService.tcp(VIP).scheduler("wlc").persistence(Duration.ofSeconds(60))
                .realServer(B.withWeight(5)).realServer(C).build());
        ServiceStatus s = director.service(ID).orElseThrow();
        assertEquals("wlc", s.service().schedulerName());
        assertTrue(s.service().isPersistent());
        assertEquals(List.of("192.168.1.3", "192.168.1.2"), order(s));
        assertEquals(5, s.realServers().get(1).server().weight());
    }

    /** One update is the ipvsadm changes one by one would be: deletions, edits, then additions in order, newest first. */
    @Test
    void update_sameOrderAsOneChangeAtATime() {
        RealServer d = RealServer.of("192.168.1.4", 80);
        RealServer e = RealServer.of("192.168.1.5", 80);
        director.start(service("rr", A, B, C)).join(); // listed newest first: C, B, A
        director.update(VirtualService.tcp(VIP).scheduler("rr").realServer(B).realServer(d).realServer(e)
                .realServer(C.withWeight(7)).build());
        ServiceStatus s = director.service(ID).orElseThrow();
        assertEquals(List.of("192.168.1.5", "192.168.1.4", "192.168.1.3", "192.168.1.2"), order(s));
        assertEquals(7, s.realServers().get(2).server().weight());
        // the same through one change at a time, on a second service
        ServiceId other = ServiceId.tcp(new java.net.InetSocketAddress("10.0.0.2", 80));
        director.start(VirtualService.builder(other).scheduler("rr").realServer(A).realServer(B).realServer(C)
                .build()).join();
        director.removeRealServer(other, A.address());
        director.editRealServer(other, C.withWeight(7));
        director.addRealServer(other, d);
        director.addRealServer(other, e);
        assertEquals(order(s), order(director.service(other).orElseThrow()));
    }

    /** A hundred thousand real servers replaced in one update: one new list, the scheduler updated once. */
    @Test
    void update_ofAHundredThousandServers_appliesWhole() {
        VirtualService.Builder big = VirtualService.tcp(VIP).scheduler("wlc");
        for (int i = 0; i < 100_000; i++) {
            big.realServer(RealServer.of(new java.net.InetSocketAddress(ip10(i), 80)));
        }
        director.start(service("wlc", A)).join();
        director.update(big.build());
        assertEquals(100_000, director.service(ID).orElseThrow().realServers().size());
        director.update(VirtualService.tcp(VIP).scheduler("wlc").realServer(A).build());
        assertEquals(List.of("192.168.1.1"), order(director.service(ID).orElseThrow()));
    }

    @Test
    void stop_unbindsAndRefusesNewConnections() {
        director.start(service("rr", A)).join();
        RunningService binding = director.runningService(ID).orElseThrow();
        director.stop(ID).join();
        assertEquals(List.of("bind TCP 10.0.0.1:80", "unbind TCP 10.0.0.1:80"), dataPath.events);
        assertNull(Opens.open(binding, Protocol.TCP, new InetSocketAddress("172.16.0.9", 1), VIP));
        assertTrue(director.services().isEmpty());
    }

    @Test
    void clear_removesEverything() {
        director.start(service("rr", A)).join();
        director.start(VirtualService.udp("10.0.0.1", 53).scheduler("rr").build()).join();
        director.clear().join();
        assertTrue(director.services().isEmpty());
    }

    @Test
    void zeroCounters_keepsCountingFromZero() {
        director.start(service("rr", A)).join();
        open(40000).countInbound(10);
        director.zeroCounters(ID);
        assertEquals(Stats.ZERO, director.service(ID).orElseThrow().stats());
        open(40001).countInbound(7);
        assertEquals(new Stats(1, 1, 0, 7, 0), director.service(ID).orElseThrow().stats());
    }

    @Test
    void timeouts_zeroKeepsTheCurrentValue() {
        assertEquals(Timeouts.DEFAULT, director.timeouts());
        director.setTimeouts(Timeouts.ofSeconds(3600, 0, 60));
        assertEquals(Timeouts.ofSeconds(3600, 120, 60), director.timeouts());
    }

    @Test
    void close_isIdempotentAndClosesTheDataPath() {
        director.start(service("rr", A)).join();
        director.close();
        director.close();
        assertTrue(dataPath.closed);
        assertEquals(Reason.CLOSED, assertThrows(LoadBalancerException.class, () -> director.start(service("rr")))
                .reason());
    }

    @Test
    void binding_isTheRunningService() {
        director.start(service("rr", A)).join();
        RunningService b = director.runningService(ID).orElseThrow();
        assertSame(b, director.runningService(ID).orElseThrow());
        assertEquals(ID, b.id());
    }
}
