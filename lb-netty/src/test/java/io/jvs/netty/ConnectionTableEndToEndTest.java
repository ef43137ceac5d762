package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real TCP connections through {@link NettyLoadBalancer}: the connection table shows every flow with the state
 * IPVS would give it while it lives (ESTABLISHED, ActiveConn), after an orderly close (TIME_WAIT, InActConn) and
 * after its timeout (gone); an idle connection is reset when its entry expires. Time for the table comes from a
 * ticker the test moves; the director's own timer thread expires the entries.
 */
class ConnectionTableEndToEndTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
    private final Ticker ticker = nanos::get;
    private final List<EchoServer> servers = new ArrayList<>();
    private NettyLoadBalancer lb;
    private InetSocketAddress vip;
    private VirtualService service;

    @BeforeEach
    void start() throws Exception {
        servers.add(new EchoServer());
        servers.add(new EchoServer());
        lb = NettyLoadBalancer.builder().ioThreads(2).ticker(ticker).director(d -> d.maxConnections(4096)).build();
        vip = new InetSocketAddress(LOOPBACK, freePort());
        service = VirtualService.tcp(vip).scheduler("rr")
                .realServer(RealServer.of(servers.get(0).address()))
                .realServer(RealServer.of(servers.get(1).address()))
                .build();
        lb.start(service).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        lb.close();
        servers.forEach(EchoServer::close);
    }

    @Test
    void statesWhileConnectionsLiveAndAfterTheyClose() throws Exception {
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket s = new Socket();
            s.connect(vip, 5000);
            s.setSoTimeout(5000);
            assertEquals("hello " + i, echo(s, "hello " + i));
            clients.add(s);
        }
        await(() -> states().equals(List.of("ESTABLISHED", "ESTABLISHED", "ESTABLISHED", "ESTABLISHED")),
                "4 ESTABLISHED entries");
        ServiceStatus st = lb.service(service.id()).orElseThrow();
        assertEquals(4, sum(st, RealServerStatus::activeConnections));
        assertEquals(0, sum(st, RealServerStatus::inactiveConnections));
        assertEquals(2, st.realServers().get(0).activeConnections()); // rr: 2 and 2
        assertEquals(4, st.stats().connections());
        assertTrue(st.stats().inPackets() >= 4 && st.stats().outPackets() >= 4, st.stats().toString());
        for (ConnectionStatus c : lb.connections()) {
            assertEquals(vip, c.virtual());
            assertEquals(Duration.ofSeconds(900), c.expiresIn());
            assertTrue(servers.stream().anyMatch(e -> e.address().equals(c.destination())), c.toString());
        }

        for (Socket s : clients) { // orderly close: client FIN, the echo server answers with its FIN
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
            s.close();
        }
        await(() -> states().equals(List.of("TIME_WAIT", "TIME_WAIT", "TIME_WAIT", "TIME_WAIT")),
                "4 TIME_WAIT entries");
        st = lb.service(service.id()).orElseThrow();
        assertEquals(0, sum(st, RealServerStatus::activeConnections));
        assertEquals(4, sum(st, RealServerStatus::inactiveConnections));

        nanos.addAndGet(Duration.ofSeconds(120).toNanos());
        await(() -> lb.connections().isEmpty(), "entries expired after 120 s of TIME_WAIT");
        st = lb.service(service.id()).orElseThrow();
        assertEquals(0, sum(st, RealServerStatus::inactiveConnections));
        assertEquals(0, lb.connectionTable().entries());
        assertEquals(4096, lb.connectionTable().capacity());
    }

    @Test
    void idleConnectionIsResetWhenItsEntryExpires() throws Exception {
        lb.setTimeouts(Timeouts.ofSeconds(5, 0, 0));
        try (Socket s = new Socket()) {
            s.connect(vip, 5000);
            s.setSoTimeout(5000);
            assertEquals("ping", echo(s, "ping"));
            await(() -> states().equals(List.of("ESTABLISHED")), "ESTABLISHED");
            assertEquals(Duration.ofSeconds(5), lb.connections().get(0).expiresIn());
            nanos.addAndGet(Duration.ofSeconds(5).toNanos());
            await(() -> lb.connections().isEmpty(), "idle entry expired");
            // The director resets both legs (SO_LINGER 0): the client's next read fails with a reset, not EOF
            // and not a read timeout.
            SocketException e = assertThrows(SocketException.class, () -> s.getInputStream().read());
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            ServiceStatus st = lb.service(service.id()).orElseThrow();
            assertEquals(0, sum(st, RealServerStatus::activeConnections) + sum(st, RealServerStatus::inactiveConnections));
        }
    }

    @Test
    void fullTableRefusesNewClients() throws Exception {
        try (NettyLoadBalancer small = NettyLoadBalancer.builder().ioThreads(1).director(d -> d.maxConnections(2))
                .build()) {
            InetSocketAddress smallVip = new InetSocketAddress(LOOPBACK, freePort());
            small.start(VirtualService.tcp(smallVip).realServer(RealServer.of(servers.get(0).address())).build())
                    .get(10, TimeUnit.SECONDS);
            List<Socket> open = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    Socket s = new Socket();
                    s.connect(smallVip, 5000);
                    s.setSoTimeout(5000);
                    assertEquals("ok", echo(s, "ok"));
                    open.add(s);
                }
                try (Socket third = new Socket()) {
                    third.setSoTimeout(5000);
                    // The kernel accepts; the director refuses and resets it, possibly before connect() returns.
                    assertThrows(IOException.class, () -> {
                        third.connect(smallVip, 5000);
                        echo(third, "no");
                    });
                }
                assertEquals(1, small.connectionTable().refused());
                assertEquals(2, small.connectionTable().entries());
            } finally {
                for (Socket s : open) {
                    s.close();
                }
            }
        }
    }

    private List<String> states() {
        return lb.connections().stream().map(ConnectionStatus::state).sorted().collect(Collectors.toList());
    }

    private static int sum(ServiceStatus st, java.util.function.ToIntFunction<RealServerStatus> f) {
        return st.realServers().stream().mapToInt(f).sum();
    }

    /**
     * Closed clients' entries (TIME_WAIT for two minutes) make room in a full table for new clients: the director
     * expires them early instead of refusing everyone until they time out.
     */
    @Test
    void fullTableOfClosedConnections_admitsNewClients() throws Exception {
        try (NettyLoadBalancer small = NettyLoadBalancer.builder().ioThreads(1).director(d -> d.maxConnections(2))
                .build()) {
            InetSocketAddress smallVip = new InetSocketAddress(LOOPBACK, freePort());
            small.start(VirtualService.tcp(smallVip).realServer(RealServer.of(servers.get(0).address())).build())
                    .get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 6; i++) { // one after the other, each once the table has room
                int client = i;
                await(() -> small.connectionTable().entries() < 2, "room for client " + client + ": "
                        + small.connections().stream().map(ConnectionStatus::state).collect(Collectors.toList()));
                try (Socket s = new Socket()) {
                    s.connect(smallVip, 5000);
                    s.setSoTimeout(5000);
                    assertEquals("ok", echo(s, "ok"), "client " + i);
                }
            }
            assertEquals(0, small.connectionTable().refused(), "no client refused");
            assertTrue(small.connectionTable().reclaimed() >= 4, "the table filled at the second client, then each one "
                    + "after it needed one ended entry to go: " + small.connectionTable());
        }
    }

    private void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; table: " + lb.connections());
            }
            Thread.sleep(20);
        }
    }

    private static String echo(Socket s, String text) throws IOException {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.getOutputStream().write(out);
        s.getOutputStream().flush();
        byte[] in = new byte[out.length];
        InputStream is = s.getInputStream();
        int n = 0;
        while (n < in.length) {
            int r = is.read(in, n, in.length - n);
            if (r < 0) {
                throw new IOException("EOF after " + n + " bytes");
            }
            n += r;
        }
        return new String(in, StandardCharsets.UTF_8);
    }

    private static int freePort() throws IOException {
        return io.jvs.testing.Ports.tcp();
    }

    /** Echoes every connection until the client's FIN, then closes its side. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket;
        private final List<Socket> accepted = new ArrayList<>();

        EchoServer() throws IOException {
            socket = new ServerSocket(0, 50, LOOPBACK);
            Thread t = new Thread(this::serve, "echo-" + socket.getLocalPort());
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    synchronized (accepted) {
                        accepted.add(s);
                    }
                    Thread t = new Thread(() -> echo(s), "echo-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private static void echo(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // reset by the balancer: done
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
                synchronized (accepted) {
                    for (Socket s : accepted) {
                        s.close();
                    }
                }
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
