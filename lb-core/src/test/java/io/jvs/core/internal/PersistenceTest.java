package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.ip;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Persistence templates (ipvs-spec.md §4.2-4.5) under a fake clock. */
class PersistenceTest {

    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress RS1 = addr("192.168.1.2", 80);
    private static final InetSocketAddress RS2 = addr("192.168.1.3", 80);
    private static final InetSocketAddress RS3 = addr("192.168.1.4", 80);

    private static VirtualService.Builder persistent(int seconds) {
        return VirtualService.tcp(VIP).scheduler("rr").persistence(Duration.ofSeconds(seconds))
                .realServer(RealServer.of(RS1)).realServer(RealServer.of(RS2)).realServer(RealServer.of(RS3));
    }

    @Test
    void sameClient_sameServerUntilTemplateExpires() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(persistent(60).build());
            Connection first = tcp(b, "10.1.1.7", 1000, VIP);
            InetSocketAddress server = first.destination().address();
            first.onClosed(); // CLOSE, 10 s
            for (int i = 1; i <= 5; i++) {
                f.advanceSeconds(10);
                Connection c = tcp(b, "10.1.1.7", 1000 + i, VIP);
                assertEquals(server, c.destination().address(), "connection " + i);
                c.onClosed();
            }
            List<ConnectionStatus> templates = f.templates();
            assertEquals(1, templates.size());
            ConnectionStatus t = templates.get(0);
            assertEquals("NONE", t.state());
            assertEquals(addr("10.1.1.7", 0), t.client());
            assertEquals(VIP, t.virtual());
            assertEquals(server, t.destination());
            assertEquals(Protocol.TCP, t.protocol());
            assertEquals(Duration.ofSeconds(60), t.expiresIn()); // refreshed by the last new connection
            assertEquals(1, f.server(b.id(), server).persistentConnections());
            // Another client gets the next server (the scheduler is asked for it).
            assertNotEquals(server, tcp(b, "10.1.1.8", 1, VIP).destination().address());
            // 60 s after the last new connection the template goes; the next connection is scheduled again.
            f.advanceSeconds(60);
            assertEquals(0, f.server(b.id(), server).persistentConnections());
            assertNotEquals(server, tcp(b, "10.1.1.7", 2000, VIP).destination().address());
        }
    }

    @Test
    void netmask_24_sharesTheServer() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(persistent(300).persistenceNetmask(ip("255.255.255.0")).build());
            InetSocketAddress server = tcp(b, "10.1.1.7", 1, VIP).destination().address();
            assertEquals(server, tcp(b, "10.1.1.9", 1, VIP).destination().address());
            assertEquals(server, tcp(b, "10.1.1.200", 1, VIP).destination().address());
            assertNotEquals(server, tcp(b, "10.1.2.7", 1, VIP).destination().address());
            ConnectionStatus t = f.templates().stream().filter(x -> x.destination().equals(server)).findFirst()
                    .orElseThrow();
            assertEquals(addr("10.1.1.0", 0), t.client());
            assertEquals(2, f.templates().size());
        }
    }

    @Test
    void ipv6Prefix() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress vip6 = addr("2001:db8::1", 80);
            RunningService b = f.start(VirtualService.tcp(vip6).scheduler("rr").persistence(Duration.ofSeconds(300))
                    .persistenceNetmask(64).realServer(RealServer.of(RS1)).realServer(RealServer.of(RS2)).build());
            InetSocketAddress server = tcp(b, "2001:db8:1:2::7", 1, vip6).destination().address();
            assertEquals(server, tcp(b, "2001:db8:1:2::ffff", 1, vip6).destination().address());
            assertNotEquals(server, tcp(b, "2001:db8:1:3::7", 1, vip6).destination().address());
            assertTrue(f.templates().stream().anyMatch(t -> t.client().equals(addr("2001:db8:1:2::", 0))));
        }
    }

    @Test
    void controlledConnections_keepTheTemplate() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(persistent(60).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected(); // ESTABLISHED: 900 s, and the template becomes ASSURED
            InetSocketAddress server = c.destination().address();
            f.advanceSeconds(60);
            ConnectionStatus t = f.templates().get(0);
            assertEquals("ASSURED", t.state());
            assertEquals(Duration.ofSeconds(60), t.expiresIn()); // re-armed for 60 s
            f.advanceSeconds(50);
            Connection next = tcp(b, "10.1.1.7", 2, VIP);
            assertEquals(server, next.destination().address());
            assertEquals(Duration.ofSeconds(60), f.templates().get(0).expiresIn()); // its timeout is now 60 s
            // When the connections end, the template lives out its own timer, then goes.
            c.onClosed();
            next.onClosed();
            f.advanceSeconds(59);
            assertEquals(1, f.templates().size());
            f.advanceSeconds(1);
            assertEquals(List.of(), f.director.connections());
            assertEquals(0, f.server(b.id(), server).persistentConnections());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void quiescedServer(boolean expireQuiescentTemplate) {
        try (Fixture f = new Fixture(b -> b.expireQuiescentTemplate(expireQuiescentTemplate))) {
            VirtualService vs = persistent(300).build();
            RunningService b = f.start(vs);
            InetSocketAddress server = tcp(b, "10.1.1.7", 1, VIP).destination().address();
            f.director.editRealServer(vs.id(), RealServer.of(server).withWeight(0));
            Connection c = tcp(b, "10.1.1.7", 2, VIP);
            if (expireQuiescentTemplate) {
                assertNotEquals(server, c.destination().address());
                // The old template is invalidated (ports 65535) and lives out its timer; a new one points elsewhere.
                assertEquals(2, f.templates().size());
                assertTrue(f.templates().stream().anyMatch(t -> t.virtual().getPort() == 65535
                        && t.destination().equals(new InetSocketAddress(server.getAddress(), 65535))));
            } else {
                assertEquals(server, c.destination().address()); // persistent clients stay on a quiesced server
                assertEquals(1, f.templates().size());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void removedServer(boolean expireNodestConn) {
        try (Fixture f = new Fixture(b -> b.expireNodestConn(expireNodestConn))) {
            VirtualService vs = persistent(300).build();
            RunningService b = f.start(vs);
            Connection old = tcp(b, "10.1.1.7", 1, VIP);
            Fixture.RecordingCloser closer = new Fixture.RecordingCloser();
            old.attach(closer);
            old.onBackendConnected();
            InetSocketAddress server = old.destination().address();
            f.director.removeRealServer(vs.id(), server);
            Connection c = tcp(b, "10.1.1.7", 2, VIP);
            assertNotEquals(server, c.destination().address()); // the template of a deleted server is invalid
            if (expireNodestConn) {
                assertEquals(1, closer.closes); // the sweep reset the old connection
                assertTrue(closer.reset);
                assertEquals(1, f.connections().size());
            } else {
                assertEquals(0, closer.closes); // it continues until it ends
                assertEquals(2, f.connections().size());
                assertEquals("ESTABLISHED", f.entry(old.client()).state());
            }
        }
    }

    @Test
    void fwmarkGroup_sharesPersistenceAcrossPorts() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress https = addr("10.0.0.1", 443);
            VirtualService vs = VirtualService.fwmark(1).endpoint(Protocol.TCP, VIP).endpoint(Protocol.TCP, https)
                    .scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of("192.168.1.2", 0)).realServer(RealServer.of("192.168.1.3", 0)).build();
            RunningService b = f.start(vs);
            Connection web = tcp(b, "10.1.1.7", 1, VIP);
            Connection tls = tcp(b, "10.1.1.7", 2, https);
            assertEquals(web.destination(), tls.destination());
            assertEquals(80, web.destinationAddress().getPort()); // port-0 servers keep the port reached
            assertEquals(443, tls.destinationAddress().getPort());
            ConnectionStatus t = f.templates().get(0);
            assertNull(t.protocol()); // "IP"
            assertEquals(addr("0.0.0.1", 0), t.virtual());
            assertEquals(addr("10.1.1.7", 0), t.client());
            assertEquals(1, f.templates().size());
            assertNotEquals(web.destination(), tcp(b, "10.1.1.8", 1, https).destination());
        }
    }

    /** Issue 13 review, bug 2: a rescheduled persistent connection keeps the port rule, and its template follows. */
    @Test
    void reschedule_keepsThePersistentPortRule_andRepointsTheTemplate() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress rs1 = addr("192.168.1.2", 8080);
            InetSocketAddress rs2 = addr("192.168.1.3", 8080);
            VirtualService vs = VirtualService.fwmark(7).endpoint(Protocol.TCP, addr("10.0.0.1", 443))
                    .scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of(rs1)).realServer(RealServer.of(rs2)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 5555, addr("10.0.0.1", 443));
            InetSocketAddress failed = c.destination().address();
            InetSocketAddress other = failed.equals(rs1) ? rs2 : rs1;
            assertEquals(443, c.destinationAddress().getPort(), "a persistent group keeps the port reached");
            assertEquals(failed.getAddress(), f.templates().get(0).destination().getAddress());
            assertTrue(c.reschedule());
            assertEquals(other, c.destination().address());
            assertEquals(new InetSocketAddress(other.getAddress(), 443), c.destinationAddress(),
                    "the port rule of the placement, not the server's port");
            ConnectionStatus t = f.templates().get(0);
            assertEquals(other.getAddress(), t.destination().getAddress(), "the template follows the connection");
            assertEquals(0, f.server(vs.id(), failed).persistentConnections());
            assertEquals(1, f.server(vs.id(), other).persistentConnections());
            assertEquals(other, tcp(b, "10.1.1.7", 5556, addr("10.0.0.1", 443)).destination().address(),
                    "the client's next connection goes where the last one went");
        }
    }

    /** A service on a port: the rescheduled connection goes to the new server's port, the template too. */
    @Test
    void reschedule_servicePort_usesTheNewServersPort() {
        try (Fixture f = new Fixture()) {
            InetSocketAddress rs1 = addr("192.168.1.2", 8080);
            InetSocketAddress rs2 = addr("192.168.1.3", 9090);
            VirtualService vs = VirtualService.tcp(VIP).scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of(rs1)).realServer(RealServer.of(rs2)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 5555, VIP);
            InetSocketAddress other = c.destination().address().equals(rs1) ? rs2 : rs1;
            assertTrue(c.reschedule());
            assertEquals(other, c.destinationAddress());
            assertEquals(other, f.templates().get(0).destination());
        }
    }

    @Test
    void templatesBypassTheUpperThreshold() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of(RS1).withThresholds(1, 0)).realServer(RealServer.of(RS2)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            InetSocketAddress server = c.destination().address();
            if (server.equals(RS1)) {
                assertTrue(f.server(vs.id(), RS1).overloaded());
                assertEquals(RS1, tcp(b, "10.1.1.7", 2, VIP).destination().address());
                assertEquals(RS2, tcp(b, "10.1.1.8", 1, VIP).destination().address());
            } else {
                assertEquals(RS1, tcp(b, "10.1.1.8", 1, VIP).destination().address());
                assertTrue(f.server(vs.id(), RS1).overloaded());
                assertEquals(RS1, tcp(b, "10.1.1.8", 2, VIP).destination().address());
            }
            assertEquals(1, f.server(vs.id(), RS1).persistentConnections());
        }
    }
}
