package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.ConnectionStatus;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** PROXY protocol: sent to real servers (v1, v2), accepted from trusted upstream balancers only. */
class ProxyProtocolTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";
    private static final byte[] V2_SIGNATURE = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

    /** What a real server read before the payload: source and destination address and port. */
    record Header(InetSocketAddress source, InetSocketAddress destination) {}

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void sendsV1_thenRelays(Transport t) throws Exception {
        CompletableFuture<Header> header = new CompletableFuture<>();
        try (Backend server = headerThenEcho(header, ProxyProtocol.V1);
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(server.address()).withProxyProtocol(ProxyProtocol.V1)).build());
            try (Socket s = Net.connect(InetAddress.getByName("127.0.0.7"), port)) {
                assertEchoes(s);
                Header h = header.get(10, TimeUnit.SECONDS);
                assertEquals(new InetSocketAddress("127.0.0.7", s.getLocalPort()), h.source(), "the client");
                assertEquals(new InetSocketAddress("127.0.0.1", port), h.destination(), "the virtual service");
            }
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void sendsV2_thenRelays(Transport t) throws Exception {
        CompletableFuture<Header> header = new CompletableFuture<>();
        try (Backend server = headerThenEcho(header, ProxyProtocol.V2);
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(server.address()).withProxyProtocol(ProxyProtocol.V2)).build());
            try (Socket s = Net.connect(InetAddress.getByName("127.0.0.8"), port)) {
                assertEchoes(s);
                Header h = header.get(10, TimeUnit.SECONDS);
                assertEquals(new InetSocketAddress("127.0.0.8", s.getLocalPort()), h.source());
                assertEquals(new InetSocketAddress("127.0.0.1", port), h.destination());
            }
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void acceptsV1FromTrustedUpstream_headerAddressIsTheClient(Transport t) throws Exception {
        CompletableFuture<Header> header = new CompletableFuture<>();
        try (Backend server = headerThenEcho(header, ProxyProtocol.V2);
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(server.address()).withProxyProtocol(ProxyProtocol.V2)).build());
            try (Socket s = Net.connect(port)) {
                // The header and the first payload bytes in one write: both must arrive, in order.
                s.getOutputStream().write("PROXY TCP4 192.0.2.7 198.51.100.9 4242 443\r\nhello"
                        .getBytes(StandardCharsets.US_ASCII));
                assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), s.getInputStream().readNBytes(5));
                Header h = header.get(10, TimeUnit.SECONDS);
                assertEquals(new InetSocketAddress("192.0.2.7", 4242), h.source(), "passed on to the server");
                assertEquals(new InetSocketAddress("198.51.100.9", 443), h.destination());
                List<ConnectionStatus> table = lb.connections();
                assertEquals(1, table.size());
                assertEquals(new InetSocketAddress("192.0.2.7", 4242), table.get(0).client(), "the connection table");
                assertEchoes(s);
            }
            Lbs.awaitIdle(lb);
            assertEquals(0, lb.stats().proxyProtocolRejected());
        }
    }

    /**
     * The header's destination is where the client went at the upstream, not this service: a persistent service
     * (whose port rule would take a foreign port as the connection's) still connects to its real server's port,
     * and the table shows the service's own address. The header to the server passes the upstream's on.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void acceptedHeadersDestination_isNotTheVirtualAddress(Transport t) throws Exception {
        CompletableFuture<Header> header = new CompletableFuture<>();
        try (Backend server = headerThenEcho(header, ProxyProtocol.V1);
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .persistence(Duration.ofSeconds(60))
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(server.address()).withProxyProtocol(ProxyProtocol.V1)).build());
            try (Socket s = Net.connect(port)) {
                s.getOutputStream().write("PROXY TCP4 192.0.2.7 198.51.100.9 4242 443\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                assertEchoes(s);
                Header h = header.get(10, TimeUnit.SECONDS);
                assertEquals(new InetSocketAddress("198.51.100.9", 443), h.destination(), "passed on to the server");
                ConnectionStatus c = lb.connections().stream().filter(x -> !x.template()).findFirst().orElseThrow();
                assertEquals(new InetSocketAddress("127.0.0.1", port), c.virtual(), "the service's own address");
                assertEquals(server.address(), c.destination(), "the real server's port, not the header's 443");
            }
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void acceptsV2FromTrustedUpstream_ipv6Client() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.1")))
                    .realServer(RealServer.of(server.address())).build());
            try (Socket s = Net.connect(port)) {
                OutputStream out = s.getOutputStream();
                out.write(v2Header(InetAddress.getByName("2001:db8::1"), 5555, InetAddress.getByName("2001:db8::2"), 80));
                out.flush();
                Lbs.await(() -> lb.connections().size() == 1, Duration.ofSeconds(5), lb::toString);
                assertEquals(new InetSocketAddress("2001:db8::1", 5555), lb.connections().get(0).client());
                assertEchoes(s);
            }
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void untrustedSource_isResetAndCounted() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.2/32")))
                    .realServer(RealServer.of(server.address())).build());
            // The director resets an untrusted source as soon as it is accepted: the reset can surface in
            // connect(), in the write of the header, or in the read.
            String outcome;
            try (Socket s = Net.connect(port)) {
                s.getOutputStream().write("PROXY TCP4 192.0.2.7 198.51.100.9 4242 443\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                outcome = Net.readToEnd(s.getInputStream());
            } catch (java.net.SocketException e) {
                outcome = String.valueOf(e.getMessage()).contains("reset") ? "reset" : e.toString();
            }
            assertEquals("reset", outcome);
            Lbs.await(() -> lb.stats().proxyProtocolRejected() == 1, Duration.ofSeconds(5), lb.stats()::toString);
            assertEquals(0, server.accepted(), "nothing reached the real server");
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void trustedSourceWithoutHeader_isResetAndCounted() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(server.address())).build());
            try (Socket s = Net.connect(port)) {
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("reset", Net.readToEnd(s.getInputStream()));
            }
            Lbs.await(() -> lb.stats().proxyProtocolRejected() == 1, Duration.ofSeconds(5), lb.stats()::toString);
            assertEquals(0, server.accepted());
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void headerNeverSent_isResetAfterTheConnectTimeout() throws Exception {
        try (Backend server = Backend.echo();
                NettyLoadBalancer lb = NettyLoadBalancer.builder().ioThreads(1)
                        .connectTimeout(Duration.ofMillis(300)).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(server.address())).build());
            long start = System.nanoTime(); // before connect(): the director's timer starts when it accepts
            try (Socket s = Net.connect(port)) {
                assertEquals("reset", Net.readToEnd(s.getInputStream()));
                long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertTrue(ms >= 300 && ms < 15_000, "reset after " + ms + " ms");
            }
            Lbs.await(() -> lb.stats().proxyProtocolRejected() == 1, Duration.ofSeconds(5), lb.stats()::toString);
            Lbs.awaitIdle(lb);
        }
    }

    @Test
    void localCommand_usesTheConnectionsOwnAddresses() throws Exception {
        try (Backend server = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(server.address())).build());
            try (Socket s = Net.connect(port)) {
                byte[] local = new byte[16];
                System.arraycopy(V2_SIGNATURE, 0, local, 0, 12);
                local[12] = 0x20; // version 2, LOCAL
                s.getOutputStream().write(local); // family UNSPEC, length 0
                Lbs.await(() -> lb.connections().size() == 1, Duration.ofSeconds(5), lb::toString);
                assertEquals(s.getLocalSocketAddress(), lb.connections().get(0).client());
                assertEchoes(s);
            }
            Lbs.awaitIdle(lb);
        }
    }

    private static void assertEchoes(Socket s) throws IOException {
        byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
        s.getOutputStream().write(ping);
        assertArrayEquals(ping, s.getInputStream().readNBytes(ping.length));
    }

    /** A server that parses the header it expects, then echoes. */
    private static Backend headerThenEcho(CompletableFuture<Header> header, ProxyProtocol version) throws IOException {
        return new Backend(s -> {
            InputStream in = s.getInputStream();
            header.complete(version == ProxyProtocol.V1 ? readV1(in) : readV2(in));
            in.transferTo(s.getOutputStream());
        });
    }

    private static Header readV1(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            assertTrue(b >= 0 && line.size() < 107, "v1 header too long or cut: " + line);
            line.write(b);
        }
        String[] f = line.toString(StandardCharsets.US_ASCII).trim().split(" ");
        assertEquals("PROXY", f[0]);
        assertEquals("TCP4", f[1]);
        return new Header(new InetSocketAddress(InetAddress.getByName(f[2]), Integer.parseInt(f[4])),
                new InetSocketAddress(InetAddress.getByName(f[3]), Integer.parseInt(f[5])));
    }

    private static Header readV2(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] sig = new byte[12];
        in.readFully(sig);
        assertArrayEquals(V2_SIGNATURE, sig);
        assertEquals(0x21, in.readUnsignedByte(), "version 2, PROXY");
        int family = in.readUnsignedByte();
        int length = in.readUnsignedShort();
        int addressLength = family == 0x11 ? 4 : 16;
        assertTrue(family == 0x11 || family == 0x21, "TCP over IPv4 or IPv6: " + family);
        byte[] src = new byte[addressLength];
        byte[] dst = new byte[addressLength];
        in.readFully(src);
        in.readFully(dst);
        int sport = in.readUnsignedShort();
        int dport = in.readUnsignedShort();
        in.skipNBytes(length - 2 * addressLength - 4);
        return new Header(new InetSocketAddress(InetAddress.getByAddress(src), sport),
                new InetSocketAddress(InetAddress.getByAddress(dst), dport));
    }

    private static byte[] v2Header(InetAddress src, int sport, InetAddress dst, int dport) {
        boolean v6 = src.getAddress().length == 16;
        int addressLength = v6 ? 16 : 4;
        byte[] h = new byte[16 + 2 * addressLength + 4];
        System.arraycopy(V2_SIGNATURE, 0, h, 0, 12);
        h[12] = 0x21;
        h[13] = (byte) (v6 ? 0x21 : 0x11);
        int len = 2 * addressLength + 4;
        h[14] = (byte) (len >>> 8);
        h[15] = (byte) len;
        System.arraycopy(src.getAddress(), 0, h, 16, addressLength);
        System.arraycopy(dst.getAddress(), 0, h, 16 + addressLength, addressLength);
        int p = 16 + 2 * addressLength;
        h[p] = (byte) (sport >>> 8);
        h[p + 1] = (byte) sport;
        h[p + 2] = (byte) (dport >>> 8);
        h[p + 3] = (byte) dport;
        return h;
    }
}
