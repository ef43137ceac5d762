package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Cidr;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What real clients and a careless operator did to the socket data path (issue #17), on every transport. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileClientsTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    /**
     * A client that sends its request and its FIN at once ({@code printf cmd | nc}, HTTP/1.0 clients) and meets a dead
     * first server must still get the live server's answer.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void requestAndFinAtOnce_firstServerDead_theNextServerAnswers(Transport t) throws Exception {
        try (Blackhole dead = new Blackhole(); Backend echo = Backend.echo();
                NettyLoadBalancer lb = NettyLoadBalancer.builder().transport(t).ioThreads(2)
                        .connectTimeout(Duration.ofMillis(300)).drainTimeout(Duration.ofMillis(500)).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler("rr")
                    .realServer(RealServer.of(dead.address())).realServer(RealServer.of(echo.address())).build());
            for (int i = 0; i < 4; i++) { // rr: every other client meets the dead server first
                try (Socket s = Net.connect(port)) {
                    s.setSoTimeout(5000);
                    OutputStream out = s.getOutputStream();
                    out.write(("request " + i + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    assertEquals("request " + i + "\n", new String(s.getInputStream().readAllBytes(),
                            StandardCharsets.US_ASCII), "client " + i);
                }
            }
            assertTrue(lb.stats().connectFailures() >= 2, lb.stats().toString());
        }
    }

    /**
     * Behind a balancer that sends PROXY headers, two live connections may claim one client address and port (clients
     * behind several upstreams, or a NAT): both are served, neither resets the other.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void twoLiveConnectionsClaimingOneClient_bothServed(Transport t) throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler("rr")
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(echo.address())).build());
            String header = "PROXY TCP4 192.0.2.7 127.0.0.1 51000 " + port + "\r\n";
            try (Socket a = Net.connect(port); Socket b = Net.connect(port)) {
                a.setSoTimeout(5000);
                b.setSoTimeout(5000);
                a.getOutputStream().write((header + "a1\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("a1\n", readLine(a.getInputStream()));
                b.getOutputStream().write((header + "b1\n").getBytes(StandardCharsets.US_ASCII));
                assertEquals("b1\n", readLine(b.getInputStream()));
                a.getOutputStream().write("a2\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("a2\n", readLine(a.getInputStream()), "the first connection lives on");
                b.getOutputStream().write("b2\n".getBytes(StandardCharsets.US_ASCII));
                assertEquals("b2\n", readLine(b.getInputStream()));
            }
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * A second director started by mistake on the same address must not take a share of the first one's clients
     * through SO_REUSEPORT: its service is refused, unless sharing was asked for.
     */
    @Test
    void portHeldByAnotherSocketWithReusePort_refusedUnlessSharing() throws Exception {
        int port = Net.freePort();
        try (Backend echo = Backend.echo(); ServerSocketChannel other = ServerSocketChannel.open()) {
            other.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            other.bind(new InetSocketAddress(Net.LOOPBACK, port)); // "another process", as the kernel sees it
            VirtualService vs = VirtualService.tcp("127.0.0.1", port).realServer(RealServer.of(echo.address()))
                    .build();
            try (NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).build()) {
                CompletionException e = assertThrows(CompletionException.class, () -> lb.start(vs).join());
                assertTrue(e.getCause() instanceof LoadBalancerException, String.valueOf(e.getCause()));
                assertTrue(e.getCause().getMessage().contains("in use by another socket"), e.getCause().getMessage());
                assertTrue(lb.services().isEmpty(), "nothing started");
            }
            try (NettyLoadBalancer lb = Lbs.builder(Transport.AUTO).sharePorts(true).build()) {
                lb.start(vs).get(10, TimeUnit.SECONDS); // told to share: joins the other socket's group
                assertEquals(1, lb.services().size());
            }
        }
    }

    private static String readLine(InputStream in) throws java.io.IOException {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) >= 0; ) {
            sb.append((char) c);
            if (c == '\n') {
                break;
            }
        }
        return sb.toString();
    }
}
