package io.jvs.core.internal;

import static io.jvs.core.internal.Fixture.addr;
import static io.jvs.core.internal.Fixture.tcp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TCP state machine against the spec's tables (ipvs-spec.md §3.4), transcribed here independently of the
 * main code, and the socket-event traces with their timeouts under a fake clock.
 */
class TcpStateMachineTest {

    private static final InetSocketAddress VIP = addr("10.0.0.1", 80);
    private static final InetSocketAddress RS1 = addr("192.168.1.2", 8080);
    private static final InetSocketAddress RS2 = addr("192.168.1.3", 8080);
    private static final List<String> STATES = List.of("NO", "ES", "SS", "SR", "FW", "TW", "CL", "CW", "LA", "LI",
            "SA");
    private static final Map<String, String> NAMES = Map.ofEntries(Map.entry("NO", "NONE"),
            Map.entry("ES", "ESTABLISHED"), Map.entry("SS", "SYN_SENT"), Map.entry("SR", "SYN_RECV"),
            Map.entry("FW", "FIN_WAIT"), Map.entry("TW", "TIME_WAIT"), Map.entry("CL", "CLOSE"),
            Map.entry("CW", "CLOSE_WAIT"), Map.entry("LA", "LAST_ACK"), Map.entry("LI", "LISTEN"),
            Map.entry("SA", "SYNACK"));
    /** Spec §3.4: default timeouts in seconds. */
    private static final Map<String, Integer> TIMEOUT = Map.ofEntries(Map.entry("NO", 2), Map.entry("ES", 900),
            Map.entry("SS", 120), Map.entry("SR", 60), Map.entry("FW", 120), Map.entry("TW", 120),
            Map.entry("CL", 10), Map.entry("CW", 60), Map.entry("LA", 30), Map.entry("LI", 120),
            Map.entry("SA", 120));
    private static final List<String> ACTIVE = List.of("ES", "SS", "SR", "SA");

    /** Spec §3.4, normal table: direction, event, then the next state for NO ES SS SR FW TW CL CW LA LI SA. */
    private static final String[] NORMAL = {
        "INPUT syn SR ES ES SR SR SR SR SR SR SR SR",
        "INPUT fin CL CW SS TW TW TW CL CW LA LI TW",
        "INPUT ack ES ES SS ES FW TW CL CW CL LI ES",
        "INPUT rst CL CL CL SR CL CL CL CL LA LI SR",
        "OUTPUT syn SS ES SS SR SS SS SS SS SS LI SR",
        "OUTPUT fin TW FW SS TW FW TW CL TW LA LI TW",
        "OUTPUT ack ES ES SS ES FW TW CL CW LA ES ES",
        "OUTPUT rst CL CL SS CL CL TW CL CL CL CL CL",
        "INPUT-ONLY syn SR ES ES SR SR SR SR SR SR SR SR",
        "INPUT-ONLY fin CL FW SS TW FW TW CL CW LA LI TW",
        "INPUT-ONLY ack ES ES SS ES FW TW CL CW CL LI ES",
        "INPUT-ONLY rst CL CL CL SR CL CL CL CL LA LI CL",
    };

    /** Spec §3.4, secure_tcp table. */
    private static final String[] SECURE = {
        "INPUT syn SR ES ES SR SR SR SR SR SR SR SA",
        "INPUT fin CL CW SS TW TW TW CL CW LA LI SA",
        "INPUT ack ES ES SS SR FW TW CL CW CL LI SA",
        "INPUT rst CL CL CL SR CL CL CL CL LA LI CL",
        "OUTPUT syn SS ES SS SA SS SS SS SS SS LI SA",
        "OUTPUT fin TW FW SS TW FW TW CL TW LA LI TW",
        "OUTPUT ack ES ES SS ES FW TW CL CW LA ES ES",
        "OUTPUT rst CL CL SS CL CL TW CL CL CL CL CL",
        "INPUT-ONLY syn SA ES ES SR SA SA SA SA SA SA SA",
        "INPUT-ONLY fin CL FW SS TW FW TW CL CW LA LI TW",
        "INPUT-ONLY ack ES ES SS ES FW TW CL CW CL LI ES",
        "INPUT-ONLY rst CL CL CL SR CL CL CL CL LA LI CL",
    };

    /**
     * Every cell of both tables: an entry put in each state gets each segment; its new state, its server's
     * ActiveConn/InActConn and its expiry (the new state's timeout) are checked. 2 x 12 x 11 = 264 transitions.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void everyTransition(boolean secure) {
        String[] table = secure ? SECURE : NORMAL;
        try (Fixture f = new Fixture(b -> b.secureTcp(secure))) {
            VirtualService vs = VirtualService.tcp(VIP).scheduler("rr")
                    .realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2).withForwardingMethod(ForwardingMethod.DR))
                    .build();
            RunningService b = f.start(vs);
            int port = 10000;
            List<String> failures = new ArrayList<>();
            for (String row : table) {
                String[] w = row.split(" ");
                boolean inputOnly = w[0].equals("INPUT-ONLY");
                int direction = w[0].equals("OUTPUT") ? TcpStates.OUTPUT : TcpStates.INPUT;
                int event = List.of("syn", "fin", "ack", "rst").indexOf(w[1]);
                for (int s = 0; s < STATES.size(); s++) {
                    ConnectionEntry c = openOn(b, inputOnly ? RS2 : RS1, port++);
                    c.forceState(s);
                    c.segment(direction, event);
                    String expected = w[2 + s];
                    String cell = w[0] + " " + w[1] + " " + STATES.get(s);
                    ConnectionStatus st = f.entry(c.client());
                    if (!st.state().equals(NAMES.get(expected))) {
                        failures.add(cell + ": " + st.state() + ", expected " + NAMES.get(expected));
                    }
                    if (!st.expiresIn().equals(Duration.ofSeconds(TIMEOUT.get(expected)))) {
                        failures.add(cell + ": expires in " + st.expiresIn() + ", expected " + TIMEOUT.get(expected));
                    }
                    RealServerStatus rs = f.server(vs.id(), inputOnly ? RS2 : RS1);
                    int active = ACTIVE.contains(expected) ? 1 : 0;
                    if (rs.activeConnections() != active || rs.inactiveConnections() != 1 - active) {
                        failures.add(cell + ": active/inactive " + rs.activeConnections() + "/"
                                + rs.inactiveConnections());
                    }
                    f.director.connections(); // listing while the entry is live
                    assertTrue(f.connectionTable().expireNow(c));
                }
            }
            assertEquals(List.of(), failures);
            assertEquals(0, f.director.connectionTable().entries());
        }
    }

    /** Opens connections until one lands on {@code server} (rr alternates). */
    private static ConnectionEntry openOn(RunningService b, InetSocketAddress server, int port) {
        for (int i = 0; ; i++) {
            ConnectionEntry c = (ConnectionEntry) tcp(b, "10.1.1.7", port + 20000 * i, VIP);
            if (c.destination().address().equals(server)) {
                return c;
            }
            c.table().expireNow(c);
        }
    }

    @Test
    void natTrace_clientClosesFirst() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 51234, VIP);
            assertState(f, c, "SYN_RECV", 60, 1, 0);
            c.onBackendConnected();
            assertState(f, c, "ESTABLISHED", 900, 1, 0);
            f.advanceSeconds(30);
            c.countInbound(100);
            c.countOutbound(200);
            assertState(f, c, "ESTABLISHED", 900, 1, 0);
            c.onClientFin();
            assertState(f, c, "CLOSE_WAIT", 60, 0, 1);
            f.advanceSeconds(10);
            c.onServerFin();
            assertState(f, c, "TIME_WAIT", 120, 0, 1);
            c.onClosed();
            assertState(f, c, "TIME_WAIT", 120, 0, 1);
            f.advanceSeconds(119);
            assertEquals(1, f.connections().size());
            f.advanceSeconds(1);
            assertEquals(List.of(), f.director.connections());
            RealServerStatus rs = f.server(vs.id(), RS1);
            assertEquals(0, rs.activeConnections() + rs.inactiveConnections());
            assertEquals(1, rs.stats().connections());
            assertEquals(1, rs.stats().inPackets());
            assertEquals(200, rs.stats().outBytes());
        }
    }

    @Test
    void natTrace_serverClosesFirst() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 51234, VIP);
            c.onBackendConnected();
            c.onServerFin();
            assertState(f, c, "FIN_WAIT", 120, 0, 1);
            c.onClientFin();
            assertState(f, c, "TIME_WAIT", 120, 0, 1);
        }
    }

    @Test
    void clientDataAndFinBeforeTheServerLegConnects() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 51234, VIP);
            c.countInbound(100); // a request sent with its FIN, read before the backend exists
            c.onClientFin();
            c.onBackendConnected();
            assertState(f, c, "CLOSE_WAIT", 60, 0, 1);
            c.onServerFin();
            assertState(f, c, "TIME_WAIT", 120, 0, 1);
        }
    }

    @Test
    void resets() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection client = tcp(b, "10.1.1.7", 1, VIP);
            client.onBackendConnected();
            client.onClientReset();
            assertState(f, client, "CLOSE", 10, 0, 1);
            Connection server = tcp(b, "10.1.1.7", 2, VIP);
            server.onBackendConnected();
            server.onServerReset();
            assertState(f, server, "CLOSE", 10, 0, 2);
            Connection either = tcp(b, "10.1.1.7", 3, VIP);
            either.onBackendConnected();
            either.onReset();
            assertState(f, either, "CLOSE", 10, 0, 3);
            f.advanceSeconds(10);
            assertEquals(0, f.director.connectionTable().entries());
        }
    }

    @Test
    void closedWithoutFinOrReset_movesToClose() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected();
            c.onClosed();
            assertState(f, c, "CLOSE", 10, 0, 1);
            Connection half = tcp(b, "10.1.1.7", 2, VIP);
            half.onBackendConnected();
            half.onClientFin();
            f.advanceSeconds(5);
            half.onClosed();
            assertState(f, half, "CLOSE_WAIT", 55, 0, 2); // closing states keep their state and expiry
        }
    }

    @Test
    void idleTimeout_resetsSockets() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            Fixture.RecordingCloser closer = new Fixture.RecordingCloser();
            c.attach(closer);
            c.onBackendConnected();
            f.advanceSeconds(899);
            c.countInbound(10); // a packet re-arms the timer: 900 s from now
            f.advanceSeconds(899);
            assertEquals(0, closer.closes);
            f.advanceSeconds(1);
            assertEquals(1, closer.closes);
            assertTrue(closer.reset);
            assertEquals(0, f.director.connectionTable().entries());
            assertNull(c.attached());
            c.onClosed(); // the data path's report after the close is ignored
            c.countOutbound(5);
            assertEquals(0, f.server(b.id(), RS1).activeConnections());
            assertEquals(0, f.server(b.id(), RS1).inactiveConnections());
        }
    }

    @Test
    void setTimeouts_takenAtNextPacket() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected();
            Connection fin = tcp(b, "10.1.1.7", 2, VIP);
            fin.onBackendConnected();
            f.director.setTimeouts(Timeouts.ofSeconds(100, 30, 0));
            assertState(f, c, "ESTABLISHED", 900, 2, 0);
            c.countInbound(1);
            assertState(f, c, "ESTABLISHED", 100, 2, 0);
            fin.onServerFin();
            assertState(f, fin, "FIN_WAIT", 30, 1, 1);
            assertEquals(Timeouts.ofSeconds(100, 30, 300), f.director.timeouts());
        }
    }

    @Test
    void inputOnly_directRouting() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP)
                    .realServer(RealServer.of(RS1).withForwardingMethod(ForwardingMethod.DR)).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            assertState(f, c, "SYN_RECV", 60, 1, 0);
            c.countInbound(0); // the client's ACK
            assertState(f, c, "ESTABLISHED", 900, 1, 0);
            c.onClientFin(); // INPUT-ONLY fin, then the (unseen) reply... as OUTPUT ack, which clears NOOUTPUT
            assertState(f, c, "FIN_WAIT", 120, 0, 1);
        }
    }

    @Test
    void secureTcp_establishedOnlyWhenServerSpeaks() {
        try (Fixture f = new Fixture(b -> b.secureTcp(true))) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            c.onBackendConnected();
            assertState(f, c, "SYNACK", 120, 1, 0);
            c.countInbound(10);
            assertState(f, c, "SYNACK", 120, 1, 0);
            c.countOutbound(10);
            assertState(f, c, "ESTABLISHED", 900, 1, 0);
        }
    }

    @Test
    void reschedule_movesCountersAndFinallyCloses() {
        try (Fixture f = new Fixture()) {
            VirtualService vs = VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build();
            RunningService b = f.start(vs);
            Connection c = tcp(b, "10.1.1.7", 1, VIP);
            InetSocketAddress first = c.destination().address();
            assertTrue(c.reschedule());
            assertNotSame(first, c.destination().address());
            assertEquals(0, f.server(vs.id(), first).activeConnections());
            assertEquals(1, f.server(vs.id(), c.destination().address()).activeConnections());
            assertFalse(c.reschedule());
            assertState(f, c, "CLOSE", 10, 0, 1);
            assertEquals(1, f.status(vs.id()).stats().connections());
        }
    }

    @Test
    void reuse_timeWaitEntryIsReplaced() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of(RS1))
                    .realServer(RealServer.of(RS2)).build());
            Connection c = tcp(b, "10.1.1.7", 4000, VIP);
            c.onBackendConnected();
            c.onClientFin();
            c.onServerFin();
            c.onClosed();
            Connection again = tcp(b, "10.1.1.7", 4000, VIP);
            assertNotSame(c, again);
            assertEquals(1, f.connections().size());
            assertEquals("SYN_RECV", f.entry(again.client()).state());
            assertEquals(2, f.status(b.id()).stats().connections());
        }
    }

    /**
     * A new connection that claims the key of an entry whose sockets are still open (two upstream connections whose
     * PROXY headers name one client) gets an entry of its own beside it; the live one is not reset. (Until issue #17
     * the old entry was expired and its sockets reset.)
     */
    @Test
    void reuse_liveSocketsStayBesideTheNewConnection() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 4000, VIP);
            Fixture.RecordingCloser closer = new Fixture.RecordingCloser();
            c.attach(closer);
            c.onBackendConnected();
            Connection again = tcp(b, "10.1.1.7", 4000, VIP);
            assertNotSame(c, again);
            assertEquals(0, closer.closes, "the live connection is left alone");
            again.onBackendConnected();
            assertEquals(2, f.server(b.id(), RS1).activeConnections());
            assertEquals(2, f.connections().size());
            c.onClientFin();
            c.onServerFin();
            c.onClosed();
            assertEquals(1, f.server(b.id(), RS1).activeConnections(), "each entry keeps its own state");
        }
    }

    @Test
    void reuse_establishedEntryWithoutSocketsTakesTheSyn() {
        try (Fixture f = new Fixture()) {
            RunningService b = f.start(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build());
            Connection c = tcp(b, "10.1.1.7", 4000, VIP);
            c.onBackendConnected();
            c.onClientFin();
            Connection again = tcp(b, "10.1.1.7", 4000, VIP);
            assertSame(c, again); // CLOSE_WAIT + INPUT syn = SYN_RECV on the same entry
            assertState(f, c, "SYN_RECV", 60, 1, 0);
            assertEquals(1, f.status(b.id()).stats().connections());
        }
    }

    static void assertState(Fixture f, Connection c, String state, long expiresIn, int active, int inactive) {
        ConnectionStatus st = f.entry(c.client());
        assertEquals(state, st.state(), st.toString());
        assertEquals(Duration.ofSeconds(expiresIn), st.expiresIn(), st.toString());
        RealServerStatus rs = f.server(c.service(), c.destination().address());
        assertEquals(active, rs.activeConnections(), "ActiveConn");
        assertEquals(inactive, rs.inactiveConnections(), "InActConn");
    }
}
