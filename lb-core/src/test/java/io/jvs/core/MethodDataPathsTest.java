package io.jvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link DataPath#byForwardingMethod}: socket and packet services side by side in one director. */
class MethodDataPathsTest {

    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.1", 80);
    private static final ServiceId ID = ServiceId.tcp(VIP);
    private static final RealServer NAT1 = RealServer.of("192.168.1.1", 80);
    private static final RealServer DR1 = RealServer.of("192.168.1.2", 80).withForwardingMethod(ForwardingMethod.DR);
    private static final RealServer TUN1 = RealServer.of("192.168.1.3", 80).withForwardingMethod(ForwardingMethod.TUN);

    private final FakeDataPath socket = new FakeDataPath(ForwardingMethod.FULLNAT, ForwardingMethod.NAT);
    private final FakeDataPath packet = new FakeDataPath(ForwardingMethod.DR, ForwardingMethod.TUN);
    private final Director director = Director.builder().dataPath(DataPath.byForwardingMethod(socket, packet))
            .rateEstimator(false).build();

    @AfterEach
    void close() {
        director.close();
    }

    private static VirtualService service(InetSocketAddress vip, RealServer... servers) {
        return VirtualService.tcp(vip).scheduler("rr").realServers(List.of(servers)).build();
    }

    @Test
    void methods_union() {
        assertEquals(EnumSet.allOf(ForwardingMethod.class), director.supportedForwardingMethods());
    }

    @Test
    void methods_overlap() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataPath.byForwardingMethod(socket, new FakeDataPath(ForwardingMethod.NAT)));
        assertTrue(e.getMessage().startsWith("paths: NAT carried by "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected: each forwarding method carried by one data path)"),
                e.getMessage());
    }

    @Test
    void paths_tooFew() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataPath.byForwardingMethod(socket));
        assertEquals("paths: 1 (expected: at least 2 data paths)", e.getMessage());
    }

    @Test
    void socketService_boundOnSocketPath() {
        director.start(service(VIP, NAT1)).join();
        assertEquals(List.of("bind " + Endpoint.of(io.jvs.api.Protocol.TCP, VIP)), socket.events);
        assertEquals(List.of(), packet.events);
    }

    @Test
    void packetService_boundOnPacketPath() {
        director.start(service(VIP, DR1, TUN1)).join();
        assertEquals(List.of(), socket.events);
        assertEquals(1, packet.events.size());
    }

    @Test
    void mix_refusedAtStart() {
        LoadBalancerException e = assertThrows(LoadBalancerException.class,
                () -> director.start(service(VIP, NAT1, DR1)));
        assertEquals("real servers 192.168.1.1:80 (FULLNAT) and 192.168.1.2:80 (DR) of TCP 10.0.0.1:80 mix "
                + "forwarding methods of two data paths (expected: all of one kind, FULLNAT/NAT or DR/TUN)",
                e.getMessage());
        assertTrue(director.services().isEmpty());
    }

    @Test
    void mix_refusedOnAdd_stateUnchanged() {
        director.start(service(VIP, DR1)).join();
        LoadBalancerException e = assertThrows(LoadBalancerException.class,
                () -> director.addRealServer(ID, NAT1));
        assertTrue(e.getMessage().contains("mix forwarding methods of two data paths"), e.getMessage());
        assertEquals(1, director.service(ID).orElseThrow().realServers().size());
    }

    @Test
    void mix_refusedOnEdit() {
        director.start(service(VIP, DR1, TUN1)).join();
        assertThrows(LoadBalancerException.class,
                () -> director.editRealServer(ID, TUN1.withForwardingMethod(ForwardingMethod.FULLNAT)));
        assertEquals(ForwardingMethod.TUN, director.service(ID).orElseThrow().realServers().stream()
                .filter(r -> r.server().address().equals(TUN1.address())).findFirst().orElseThrow().server()
                .forwardingMethod());
    }

    @Test
    void emptyService_onDrPath_movedByItsFirstSocketServer() {
        director.start(service(VIP)).join();
        assertEquals(1, packet.events.size(), "an empty service goes to the path of DR, ipvsadm's default");
        director.addRealServer(ID, NAT1);
        assertEquals(List.of("bind TCP 10.0.0.1:80"), socket.events);
        assertEquals(List.of("bind TCP 10.0.0.1:80", "unbind TCP 10.0.0.1:80"), packet.events);
        director.removeRealServer(ID, NAT1.address());
        director.addRealServer(ID, NAT1.withWeight(2));
        assertEquals(List.of("bind TCP 10.0.0.1:80"), socket.events, "an emptied service stays where it is");
        director.stop(ID).join();
        assertEquals(List.of("bind TCP 10.0.0.1:80", "unbind TCP 10.0.0.1:80"), socket.events);
    }

    @Test
    void emptyService_withoutDrPath_onFirstPath() {
        FakeDataPath other = new FakeDataPath(ForwardingMethod.TUN);
        try (Director d = Director.builder().dataPath(DataPath.byForwardingMethod(socket, other)).rateEstimator(false)
                .build()) {
            d.start(service(VIP)).join();
            assertEquals(1, socket.events.size());
            d.addRealServer(ID, TUN1);
            assertEquals(List.of("bind TCP 10.0.0.1:80"), other.events);
        }
    }

    @Test
    void move_failingBind_refusesTheServer() {
        director.start(service(VIP)).join();
        socket.failBinds = true;
        LoadBalancerException e = assertThrows(LoadBalancerException.class, () -> director.addRealServer(ID, NAT1));
        assertEquals(LoadBalancerException.Reason.BIND_FAILED, e.reason());
        assertTrue(e.getMessage().startsWith("cannot move TCP 10.0.0.1:80 to the data path of FULLNAT/NAT: "),
                e.getMessage());
        assertTrue(director.service(ID).orElseThrow().realServers().isEmpty());
        assertEquals(1, packet.events.size(), "still bound on the packet path");
    }

    @Test
    void sharedAddress_acrossPaths_refused() {
        director.start(service(VIP, DR1)).join();
        LoadBalancerException e = assertThrows(LoadBalancerException.class,
                () -> director.start(service(new InetSocketAddress("10.0.0.1", 443), NAT1)));
        assertEquals("TCP 10.0.0.1:443 (FULLNAT/NAT) and TCP 10.0.0.1:80 (DR/TUN) share the address 10.0.0.1 "
                + "(expected: services of different data paths on different addresses; a packet data path takes "
                + "every packet to its virtual addresses)", e.getMessage());
        director.start(service(new InetSocketAddress("10.0.0.1", 443), TUN1)).join();
        director.start(service(new InetSocketAddress("10.0.0.2", 443), NAT1)).join();
    }

    @Test
    void close_closesEveryPath() {
        director.close();
        assertTrue(socket.closed);
        assertTrue(packet.closed);
    }
}
