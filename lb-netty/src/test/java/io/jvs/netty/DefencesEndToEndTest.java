package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ConnectionStatus;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.VirtualService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The director's defences with real sockets on loopback: distinct client sources are 127.0.0.2, 127.0.0.3, ...
 * (clients bind them before connecting). Access lists and per-source limits refuse before any real server is
 * contacted; slow clients are reset; the memory defence drops closed connections' entries and keeps open ones.
 */
class DefencesEndToEndTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    private static InetAddress ip(String s) throws IOException {
        return InetAddress.getByName(s);
    }

    private static ServiceDefenceStatus defences(NettyLoadBalancer lb) {
        return lb.defences().services().get(0);
    }

    /** Writes a byte and reads it back: true if the connection relays, false if it was refused (reset or ended). */
    private static boolean echoes(Socket s) {
        try {
            s.getOutputStream().write('x');
            return s.getInputStream().read() == 'x';
        } catch (IOException e) {
            return false;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void deniedNetwork_neverReachesTheRealServer(Transport t) throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .allow(List.of(Cidr.parse("127.0.0.0/8")))
                    .deny(List.of(Cidr.parse("127.0.0.3/32")))
                    .realServer(RealServer.of(server.address())).build());
            for (int i = 0; i < 20; i++) {
                try (Socket s = Net.connect(ip("127.0.0.3"), port)) {
                    s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    assertEquals("reset", Net.readToEnd(s.getInputStream()));
                } catch (SocketException e) {
                    assertTrue(String.valueOf(e.getMessage()).contains("reset"), e.toString()); // reset while writing
                }
            }
            Lbs.await(() -> defences(lb).denied() == 20, Duration.ofSeconds(5), () -> defences(lb).toString());
            assertEquals(0, server.accepted(), "the real server never saw a denied client");
            assertEquals(0, lb.connections().size(), "no entry for a denied client");
            try (Socket s = Net.connect(ip("127.0.0.2"), port)) {
                assertTrue(echoes(s), "an allowed client is relayed");
            }
            assertEquals(1, server.accepted());
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void proxyProtocol_theHeadersClientIsWhatTheAccessListsSee() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .allow(List.of(Cidr.parse("192.0.2.0/24")))
                    .realServer(RealServer.of(server.address())).build());
            try (Socket s = Net.connect(port)) { // the upstream 127.0.0.1 is trusted, but not allowed itself
                s.getOutputStream().write("PROXY TCP4 192.0.2.7 198.51.100.9 4242 443\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                assertTrue(echoes(s), "the header's client is allowed");
            }
            try (Socket s = Net.connect(port)) {
                s.getOutputStream().write("PROXY TCP4 203.0.113.5 198.51.100.9 4242 443\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                assertEquals("reset", Net.readToEnd(s.getInputStream()), "the header's client is not");
            }
            Lbs.await(() -> defences(lb).denied() == 1, Duration.ofSeconds(5), () -> defences(lb).toString());
            assertEquals(1, server.accepted());
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void proxyHeader_toAServiceThatReadsNone_isPayload_neverTrusted() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .deny(List.of(Cidr.parse("192.0.2.0/24")))
                    .realServer(RealServer.of(server.address())).build());
            byte[] header = "PROXY TCP4 192.0.2.7 198.51.100.9 4242 443\r\n".getBytes(StandardCharsets.US_ASCII);
            try (Socket s = Net.connect(ip("127.0.0.4"), port)) {
                s.getOutputStream().write(header);
                assertArrayEquals(header, s.getInputStream().readNBytes(header.length), "relayed as bytes");
                ConnectionStatus c = lb.connections().get(0);
                assertEquals(s.getLocalSocketAddress(), c.client(), "the socket's peer is the client");
            }
            assertEquals(0, defences(lb).denied());
            assertEquals(0, lb.stats().proxyProtocolRejected());
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void oneClient_1000Connections_perSourceLimit50_exactly50Open() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .sourceLimit(SourceLimit.maxConnections(50))
                    .realServer(RealServer.of(server.address())).build());
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 1000; i++) { // all at once, before any is probed
                    Socket s = new Socket();
                    s.setSoTimeout(10_000);
                    s.bind(new InetSocketAddress(ip("127.0.0.5"), 0));
                    try {
                        s.connect(new InetSocketAddress(Net.LOOPBACK, port), 5000);
                    } catch (SocketException e) {
                        // refused so fast that the handshake already saw the reset
                    }
                    sockets.add(s);
                }
                int open = 0;
                for (Socket s : sockets) {
                    open += s.isConnected() && echoes(s) ? 1 : 0;
                }
                assertEquals(50, open);
                assertEquals(50, server.accepted(), "refused connections never reached the server");
                Lbs.await(() -> defences(lb).sourceConnectionsRefused() == 950, Duration.ofSeconds(10),
                        () -> defences(lb).toString());
                assertEquals(1, defences(lb).trackedSources());
                try (Socket other = Net.connect(ip("127.0.0.6"), port)) {
                    assertTrue(echoes(other), "another source is not affected");
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            Lbs.awaitIdle(lb);
            try (Socket again = Net.connect(ip("127.0.0.5"), port)) {
                assertTrue(echoes(again), "once its connections closed, the source may connect again");
            }
            Lbs.awaitIdle(lb);
        }
    }

    /** On the director's clock, which the test moves: the bucket refills by it alone, however slow the loop runs. */
    @Test
    void perSourceRate_refusesTheBurstsExcess_andRefillsOneASecond() throws Exception {
        AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
        try (Backend server = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).ticker(nanos::get).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .sourceLimit(SourceLimit.rate(1, 10))
                    .realServer(RealServer.of(server.address())).build());
            assertEquals(10, relayed(port, 30), "a burst of 10, and no token back while the clock stands");
            Lbs.await(() -> defences(lb).sourceRateRefused() == 20, Duration.ofSeconds(5),
                    () -> defences(lb) + ", " + server.accepted() + " accepted");
            nanos.addAndGet(Duration.ofMillis(999).toNanos());
            assertEquals(0, relayed(port, 1), "no token back before a second");
            nanos.addAndGet(Duration.ofMillis(1).toNanos());
            assertEquals(1, relayed(port, 3), "one token back after a second");
            nanos.addAndGet(Duration.ofSeconds(60).toNanos());
            assertEquals(10, relayed(port, 12), "the bucket full again, and no fuller");
            Lbs.await(() -> defences(lb).sourceRateRefused() == 20 + 1 + 2 + 2, Duration.ofSeconds(5),
                    () -> defences(lb).toString());
            assertEquals(21, server.accepted());
            Lbs.awaitIdle(lb);
        }
    }

    /** Connects {@code n} times from 127.0.0.7, one after the other; returns how many were relayed. */
    private static int relayed(int port, int n) throws IOException {
        int open = 0;
        for (int i = 0; i < n; i++) {
            try (Socket s = Net.connect(ip("127.0.0.7"), port)) {
                open += echoes(s) ? 1 : 0;
            } catch (SocketException e) {
                // refused so fast that the handshake already saw the reset
            }
        }
        return open;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void awaitClientData_slowClientIsResetWithoutTouchingTheServer_othersAreRelayed(Transport t) throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .awaitClientData(Duration.ofMillis(300))
                    .realServer(RealServer.of(server.address())).build());
            long start = System.nanoTime(); // before connect(): the director's timer starts when it accepts
            try (Socket slow = Net.connect(port)) {
                assertEquals("reset", Net.readToEnd(slow.getInputStream()));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= 300 && ms < 15_000, "reset after " + ms + " ms");
            }
            try (Socket quiet = Net.connect(port)) { // connects and leaves without a word
                quiet.shutdownOutput();
                assertEquals("eof", Net.readToEnd(quiet.getInputStream()));
            }
            assertEquals(0, server.accepted(), "neither reached the real server");
            try (Socket fast = Net.connect(port)) {
                assertTrue(echoes(fast));
                Thread.sleep(400); // quiet for longer than the timeout once relayed: not closed
                assertTrue(echoes(fast));
            }
            assertEquals(1, server.accepted());
            Lbs.await(() -> defences(lb).clientDataTimeouts() == 1, Duration.ofSeconds(5),
                    () -> defences(lb).toString());
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void awaitClientData_breaksServerFirstProtocols_soItIsOffByDefault() throws Exception {
        byte[] greeting = "220 smtp.example ESMTP\r\n".getBytes(StandardCharsets.US_ASCII);
        try (Backend smtp = new Backend(s -> {
                    OutputStream out = s.getOutputStream();
                    out.write(greeting);
                    out.flush();
                    s.getInputStream().transferTo(out);
                });
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int plain = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(smtp.address())).build());
            int awaiting = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .awaitClientData(Duration.ofMillis(200))
                    .realServer(RealServer.of(smtp.address())).build());
            try (Socket s = Net.connect(plain)) {
                assertArrayEquals(greeting, s.getInputStream().readNBytes(greeting.length), "the default works");
            }
            try (Socket s = Net.connect(awaiting)) {
                InputStream in = s.getInputStream();
                assertEquals("reset", Net.readToEnd(in), "the client waits for a greeting that never comes");
            }
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void memoryShort_dropsClosedConnectionsEntries_keepsOpenOnesRelaying() throws Exception {
        AtomicLong available = new AtomicLong(Long.MAX_VALUE);
        try (Backend server = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(Transport.AUTO)
                        .director(d -> d.memoryThreshold(1 << 20).availableMemory(available::get)).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(server.address())).build());
            for (int i = 0; i < 10; i++) {
                try (Socket s = Net.connect(port)) {
                    assertTrue(echoes(s));
                }
            }
            List<Socket> open = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Socket s = Net.connect(port);
                assertTrue(echoes(s));
                open.add(s);
            }
            Lbs.await(() -> lb.connections().stream().filter(c -> c.state().equals("ESTABLISHED")).count() == 5
                            && lb.connections().size() == 15, Duration.ofSeconds(5), () -> lb.connections().toString());
            available.set(0); // nothing left: the timer's next step drops what holds no connection, refuses all new
            Lbs.await(() -> lb.defences().memory().entriesDropped() == 10, Duration.ofSeconds(5),
                    () -> lb.defences().memory() + " " + lb.connections());
            assertEquals(5, lb.connections().size());
            assertTrue(lb.defences().memory().underPressure());
            assertEquals("reset", Net.connectAndReadToEnd(port), "new connections are refused");
            for (Socket s : open) {
                assertTrue(echoes(s), "open connections keep relaying");
            }
            available.set(Long.MAX_VALUE);
            Lbs.await(() -> !lb.defences().memory().underPressure(), Duration.ofSeconds(5), () -> "still short");
            try (Socket s = Net.connect(port)) {
                assertTrue(echoes(s), "accepted again");
            }
            assertNotEquals(0, lb.defences().memory().connectionsRefused());
            for (Socket s : open) {
                s.close();
            }
            Lbs.awaitIdle(lb);
        }
    }
}
