package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.Director;
import io.jvs.core.Opens;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** UDP flows, one-packet scheduling, the bounded table, flush semantics and the destination trash. */
class FlowTableTest {

    private static final InetSocketAddress DNS = addr("10.0.0.1", 53);
    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress RS1 = addr("192.168.1.2", 53);
    private static final InetSocketAddress RS2 = addr("192.168.1.3", 53);

    @Test
    void udp_flowIsFoundRefreshedAndExpires() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build());
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertNotNull(c);
            assertNull(c.attached()); // a new flow: the data path sets up its side
            Fixture.RecordingCloser flowSocket = new Fixture.RecordingCloser();
            c.attach(flowSocket);
            c.countInbound(60);
            ConnectionStatus st = f.entry(c.client());
            assertEquals("UDP", st.state());
            assertEquals(Duration.ofSeconds(300), st.expiresIn());
            RealServerStatus rs = f.server(b.id(), c.destination().address());
            assertEquals(0, rs.activeConnections()); // UDP is never active
            assertEquals(1, rs.inactiveConnections());
            f.advanceSeconds(200);
            Connection again = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertSame(c, again);
            assertSame(flowSocket, again.attached());
            again.countInbound(60);
            again.countOutbound(120);
            assertEquals(Duration.ofSeconds(300), f.entry(c.client()).expiresIn());
            f.advanceSeconds(299);
            assertEquals(1, f.connections().size());
            f.advanceSeconds(1);
            assertEquals(List.of(), f.director.connections());
            assertEquals(1, flowSocket.closes); // the data path is told to release the flow's socket
            assertEquals(1, f.status(b.id()).stats().connections());
            assertEquals(2, f.status(b.id()).stats().inPackets());
        }
    }

    @Test
    void udp_timeoutFromSet() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).realServer(RealServer.of(RS1)).build());
            f.director.setTimeouts(io.jvs.api.Timeouts.ofSeconds(0, 0, 30));
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertEquals(Duration.ofSeconds(30), f.entry(c.client()).expiresIn());
        }
    }

    @Test
    void udp_deletedServerDropsUntilExpiry() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build();
            RunningService b = f.start(vs);
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            f.director.removeRealServer(vs.id(), c.destination().address());
            assertNull(Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS)); // dropped, as IPVS does
            f.advanceSeconds(300);
            Connection next = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertNotNull(next);
            assertNotSame(c.destination(), next.destination());
        }
    }

    @Test
    void udp_deletedServerWithExpireNodestConnReschedules() {
        try (Fixture f = new Fixture(o -> o.expireNodestConn(true))) {
            VirtualService vs = VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build();
            RunningService b = f.start(vs);
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            f.director.removeRealServer(vs.id(), c.destination().address());
            assertEquals(0, f.director.connectionTable().entries()); // swept
            Connection next = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertNotSame(c.destination(), next.destination());
        }
    }

    @Test
    void onClosedFromAReplacedCloser_leavesTheNewOneAttached() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1)).build());
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            Fixture.RecordingCloser old = new Fixture.RecordingCloser();
            Fixture.RecordingCloser current = new Fixture.RecordingCloser();
            c.attach(old);
            c.attach(current); // a flow formed on another event loop took the entry over
            c.onClosed(old);
            assertSame(current, c.attached(), "the old flow's end does not detach the new flow");
            c.onClosed(current);
            assertNull(c.attached());
            assertEquals(1, f.connections().size(), "the entry stays until it expires");
        }
    }

    @Test
    void udp_rescheduleAfterIcmpUnreachable_movesTheFlowAndCountsTheFailure() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build());
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            InetSocketAddress first = c.destination().address();
            f.advanceSeconds(100);
            assertTrue(c.reschedule(), "the other server");
            InetSocketAddress second = c.destination().address();
            assertTrue(!first.equals(second));
            assertSame(c, Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS), "the same flow, now elsewhere");
            ConnectionStatus st = f.entry(c.client());
            assertEquals("UDP", st.state());
            assertEquals(second, st.destination());
            assertEquals(Duration.ofSeconds(300), st.expiresIn(), "re-armed");
            assertEquals(0, f.server(b.id(), first).inactiveConnections(), "moved off the failed server");
            assertEquals(1, f.server(b.id(), second).inactiveConnections());
            assertEquals(1, f.server(b.id(), second).stats().connections());
            assertTrue(!c.reschedule(), "both failed: the flow stays where it is");
            assertEquals(second, c.destination().address());
            assertEquals(1, f.server(b.id(), second).inactiveConnections());
            // A reply shows the server answers again: the failed servers may be tried again later.
            c.countOutbound(10);
            assertTrue(c.reschedule());
            assertEquals(first, c.destination().address());
        }
    }

    @Test
    void udp_serverThatKeepsRefusing_theFlowsMemoryOfTriedServersStaysBounded() throws Exception {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build());
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertTrue(c.reschedule());
            for (int i = 0; i < 10_000; i++) { // every datagram of a chatty client gets an ICMP unreachable
                assertTrue(!c.reschedule(), "both failed: the flow stays where it is");
            }
            java.lang.reflect.Field tried = ConnectionEntry.class.getDeclaredField("tried");
            tried.setAccessible(true);
            assertEquals(2, ((List<?>) tried.get(c)).size(), "each failed server remembered once");
            long failures = 0;
            for (DestinationEntry d : ((DestinationEntry) c.destination()).serviceEntry().destinations()) {
                failures += d.connectFailures();
            }
            assertEquals(10_001, failures, "yet every failure counted");
        }
    }

    @Test
    void onePacket_rescheduleOnlyCountsTheFailure() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").onePacket()
                    .realServer(RealServer.of(RS1)).realServer(RealServer.of(RS2)).build());
            Connection c = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertTrue(c.isOnePacket());
            InetSocketAddress server = c.destination().address();
            List<InetSocketAddress> failed = new java.util.ArrayList<>();
            f.director.addListener(new io.jvs.api.LoadBalancerListener() {
                @Override
                public void connectFailed(io.jvs.api.ServiceId service, InetSocketAddress s) {
                    failed.add(s);
                }
            });
            assertTrue(!c.reschedule());
            assertEquals(List.of(server), failed);
            assertEquals(server, c.destination().address());
            for (RealServerStatus rs : f.status(b.id()).realServers()) {
                assertEquals(0, rs.inactiveConnections(), "one-packet connections are never counted on a server");
            }
            assertTrue(!tcp(f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build()), "10.1.1.7", 1, VIP)
                    .isOnePacket());
        }
    }

    @Test
    void onePacket_everyDatagramScheduledNoEntry() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").onePacket()
                    .realServer(RealServer.of(RS1)).realServer(RealServer.of(RS2)).build());
            Connection first = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            first.countInbound(50);
            Connection second = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            assertNotSame(first, second);
            assertNotSame(first.destination(), second.destination()); // rr: each datagram on its own
            assertEquals(List.of(), f.director.connections());
            assertEquals(0, f.director.connectionTable().entries());
            assertEquals(2, f.status(b.id()).stats().connections());
            for (RealServerStatus rs : f.status(b.id()).realServers()) {
                assertEquals(0, rs.inactiveConnections());
                assertEquals(1, rs.stats().connections());
            }
        }
    }

    @Test
    void onePacket_persistentKeepsTheClientOnItsServer() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.udp(DNS).scheduler("rr").onePacket()
                    .persistence(Duration.ofSeconds(60)).realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build());
            Connection first = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40000), DNS);
            Connection second = Opens.open(b, Protocol.UDP, addr("10.1.1.7", 40001), DNS);
            assertSame(first.destination(), second.destination());
            assertEquals(1, f.templates().size()); // only the template is kept
            assertEquals(0, f.connections().size());
        }
    }

    @Test
    void boundedTable_refusesAndCounts() {
        try (Fixture f = new Fixture(o -> o.maxConnections(10))) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of("192.168.1.2", 80)).build());
            Connection[] live = new Connection[10];
            for (int i = 0; i < 10; i++) {
                live[i] = tcp(b, "10.1.1.7", 1000 + i, VIP);
                live[i].onBackendConnected();
            }
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.7", 2000), VIP));
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.8", 2000), VIP));
            ConnectionTableStatus st = f.director.connectionTable();
            assertEquals(new ConnectionTableStatus(10, 0, 10, 256, 2, 0), st);
            assertEquals(10, f.status(b.id()).stats().connections());
            f.advanceSeconds(1);
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.7", 2000), VIP), "live connections are never taken");
            for (Connection c : live) {
                c.onClosed(); // CLOSE for 10 s: the timer makes room ahead of time, before they expire
            }
            f.advanceSeconds(1);
            assertNotNull(Opens.open(b, Protocol.TCP, addr("10.1.1.7", 2000), VIP));
            st = f.director.connectionTable();
            assertTrue(st.reclaimed() >= 1 && st.entries() == 11 - st.reclaimed(), st.toString());
            assertEquals(3, st.refused());
        }
    }

    @Test
    void boundedTable_templatesCount() {
        try (Fixture f = new Fixture(o -> o.maxConnections(3))) {
            RunningService b = f.start(VirtualService.tcp(VIP).persistence(Duration.ofSeconds(60))
                    .realServer(RealServer.of("192.168.1.2", 80)).build());
            tcp(b, "10.1.1.7", 1, VIP);
            tcp(b, "10.1.1.7", 2, VIP);
            assertNull(Opens.open(b, Protocol.TCP, addr("10.1.1.7", 3), VIP));
            assertEquals(1, f.director.connectionTable().templates());
            assertEquals(1, f.director.connectionTable().refused());
        }
    }

    @Test
    void maxConnections_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Director.builder().maxConnections(0));
        assertEquals("maxConnections: 0 (expected: 1-134217728)", e.getMessage());
    }

    @Test
    void maxConnections_twice() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Director.builder().maxConnections(5).maxConnections(6));
        assertEquals("maxConnections was already set to 5", e.getMessage());
    }

    @Test
    void expireNodestConn_twice() {
        assertThrows(IllegalStateException.class, () -> Director.builder().expireNodestConn(true).expireNodestConn(false));
    }

    @Test
    void expireQuiescentTemplate_twice() {
        assertThrows(IllegalStateException.class,
                () -> Director.builder().expireQuiescentTemplate(true).expireQuiescentTemplate(true));
    }

    @Test
    void secureTcp_twice() {
        assertThrows(IllegalStateException.class, () -> Director.builder().secureTcp(true).secureTcp(true));
    }

    @Test
    void connectionTimer_twice() {
        assertThrows(IllegalStateException.class, () -> Director.builder().connectionTimer(false).connectionTimer(true));
    }

    @Test
    void tableSize_isTheBucketCount() {
        try (Fixture f = new Fixture(o -> o.maxConnections(5000))) {
            assertEquals(8192, f.director.connectionTableSize());
        }
        try (Fixture f = new Fixture()) {
            assertEquals(1 << 20, f.director.connectionTableSize());
        }
    }

    @Test
    void flush_leavesEntriesAlive() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of("192.168.1.2", 80)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected();
            f.director.clear().join();
            assertEquals(List.of(), f.director.services());
            assertEquals("ESTABLISHED", f.entry(c.client()).state()); // -C keeps connection entries (§3.10)
            c.countInbound(10); // a deleted server's traffic is not counted
            assertEquals(0, ((DestinationEntry) c.destination()).stats().snapshot().inPackets());
            assertTrue(!c.destination().isAvailable());
            f.advanceSeconds(900);
            assertEquals(List.of(), f.director.connections());
        }
    }

    @Test
    void trash_reAddedServerIsRevivedWithItsCounters() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress rs = addr("192.168.1.2", 80);
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(rs)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected();
            c.countInbound(100);
            f.director.removeRealServer(vs.id(), rs);
            f.director.addRealServer(vs.id(), RealServer.of(rs).withWeight(3));
            RealServerStatus st = f.server(vs.id(), rs);
            assertEquals(1, st.activeConnections()); // the live connection counts on the revived server
            assertEquals(1, st.stats().connections()); // same service object: statistics kept
            assertEquals(3, st.server().weight());
            assertSame(c.destination(), ((ServiceEntry) b).destinations()[0]);
            c.onClosed();
            assertEquals(1, f.server(vs.id(), rs).inactiveConnections());
        }
    }

    @Test
    void trash_serviceDeletedAndAddedAgain_statsZeroedCountersKept() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress rs = addr("192.168.1.2", 80);
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(rs)).build();
            RunningService b = f.start(vs);
            tcp(b, "10.1.1.7", 1, VIP).onBackendConnected();
            f.director.stop(vs.id()).join();
            RunningService again = f.start(vs);
            RealServerStatus st = f.server(vs.id(), rs);
            assertEquals(1, st.activeConnections());
            assertEquals(0, st.stats().connections()); // another service object: statistics zeroed
            assertTrue(again != b);
        }
    }

    @Test
    void trash_unreferencedServerIsFreedAfterIdle() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress rs = addr("192.168.1.2", 80);
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(rs)).build();
            RunningService b = f.start(vs);
            tcp(b, "10.1.1.7", 1, VIP).onClosed(); // CLOSE, 10 s
            DestinationEntry d = ((ServiceEntry) b).destinations()[0];
            f.director.removeRealServer(vs.id(), rs);
            for (int i = 0; i < 4; i++) {
                f.advanceSeconds(60); // sweeps at 60 (idle from now), 120, 180 (freed: idle 120 s)
            }
            f.director.addRealServer(vs.id(), RealServer.of(rs));
            assertNotSame(d, ((ServiceEntry) b).destinations()[0]);
        }
    }
}
