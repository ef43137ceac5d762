package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.jvs.api.Ticker;
import io.jvs.health.internal.Outcome;
import io.jvs.health.internal.Prober;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of probe against real servers on 127.0.0.1: success, each way of failing, timeouts. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProberTest {

    // Generous for checks that should pass or fail on content: a busy CI box must not turn them into timeouts.
    private static final CheckSettings FAST = CheckSettings.defaults().withTimeout(Duration.ofSeconds(5));
    private static MultiThreadIoEventLoopGroup group;
    private static ExecutorService pool;
    private static Prober prober;
    private static HttpServer http;
    private static final CountDownLatch NEVER = new CountDownLatch(1);
    private static volatile String lastHost;

    @BeforeAll
    static void setUp() throws IOException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        pool = Executors.newCachedThreadPool();
        prober = new Prober(NioSocketChannel.class, pool, Ticker.system(), null);
        http = HttpServer.create(new InetSocketAddress(Backend.LOOPBACK, 0), 50);
        http.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        }));
        http.createContext("/ok", x -> respond(x, 200, "hello", false));
        http.createContext("/chunked", x -> respond(x, 200, "hello", true));
        http.createContext("/down", x -> respond(x, 503, "maintenance", false));
        http.createContext("/slow", x -> {
            try {
                NEVER.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.close();
        });
        http.start();
    }

    private static void respond(com.sun.net.httpserver.HttpExchange x, int status, String body, boolean chunked)
            throws IOException {
        lastHost = x.getRequestHeaders().getFirst("Host");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, chunked ? 0 : b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @AfterAll
    static void tearDown() {
        NEVER.countDown();
        http.stop(0);
        prober.killAll();
        pool.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Outcome probe(HealthCheck check, InetSocketAddress server) throws Exception {
        EventLoop loop = group.next();
        return prober.probe(check, server, loop).get(20, TimeUnit.SECONDS);
    }

    private static InetSocketAddress httpAddress() {
        return new InetSocketAddress(Backend.LOOPBACK, http.getAddress().getPort());
    }

    // ---- TCP

    @Test
    void tcp_acceptingServer_isHealthy() throws Exception {
        try (Backend b = new Backend()) {
            Outcome o = probe(HealthCheck.tcp().withSettings(FAST), b.address());
            assertTrue(o.healthy(), o.message());
            assertEquals("connected", o.message());
            assertTrue(o.latencyNanos() > 0);
        }
    }

    @Test
    void tcp_nothingListening_isRefused() throws Exception {
        Outcome o = probe(HealthCheck.tcp().withSettings(FAST), new InetSocketAddress(Backend.LOOPBACK, Backend.freePort()));
        assertFalse(o.healthy());
        assertEquals("connection refused", o.message());
    }

    @Test
    void tcp_connectOptions_connectElsewhere() throws Exception {
        try (Backend b = new Backend()) {
            TcpCheck check = HealthCheck.tcp().withSettings(FAST)
                    .withConnectOptions(new ConnectOptions(null, b.address().getPort(),
                            new InetSocketAddress(Backend.LOOPBACK, 0)));
            // the real server's own port is dead; connect_port points at the live one
            Outcome o = probe(check, new InetSocketAddress(Backend.LOOPBACK, Backend.freePort()));
            assertTrue(o.healthy(), o.message());
        }
    }

    @Test
    void tcp_fullAcceptQueue_timesOut() throws Exception {
        // A listener that never accepts, with its accept queue filled: Linux drops further SYNs, so connects hang.
        try (ServerSocket s = new ServerSocket(0, 1, Backend.LOOPBACK)) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    Socket f = new Socket();
                    try {
                        f.connect(s.getLocalSocketAddress(), 200);
                        fillers.add(f);
                    } catch (IOException e) {
                        f.close();
                    }
                }
                TcpCheck check = HealthCheck.tcp().withSettings(FAST.withTimeout(Duration.ofMillis(300)));
                Outcome o = probe(check, (InetSocketAddress) s.getLocalSocketAddress());
                assertFalse(o.healthy());
                assertEquals("connect timed out after 300 ms", o.message());
                assertTrue(o.latencyNanos() >= TimeUnit.MILLISECONDS.toNanos(250), "waited for the timeout");
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
    }

    // ---- HTTP GET

    @Test
    void http_status200_isHealthy() throws Exception {
        Outcome o = probe(HealthCheck.httpGet("/ok").withSettings(FAST), httpAddress());
        assertTrue(o.healthy(), o.message());
        assertEquals("HTTP 200", o.message());
        assertEquals("127.0.0.1:" + httpAddress().getPort(), lastHost);
    }

    @Test
    void http_unexpectedStatus_fails() throws Exception {
        Outcome o = probe(HealthCheck.httpGet("/down").withSettings(FAST), httpAddress());
        assertFalse(o.healthy());
        assertEquals("HTTP 503 (expected: 200-299)", o.message());
    }

    @Test
    void http_acceptedStatusCodes_areConfigurable() throws Exception {
        HttpGetCheck check = HttpGetCheck.of(List.of(HttpGetCheck.Url.of("/down").withStatusCodes("200-299 503")))
                .withSettings(FAST);
        assertTrue(probe(check, httpAddress()).healthy());
    }

    @Test
    void http_digest_matchesTheBodyMd5() throws Exception {
        String md5OfHello = "5d41402abc4b2a76b9719d911017c592";
        for (String path : new String[] {"/ok", "/chunked"}) {
            HttpGetCheck good = HttpGetCheck.of(List.of(HttpGetCheck.Url.of(path).withDigest(md5OfHello)))
                    .withSettings(FAST).withVersion(HttpGetCheck.Version.HTTP_1_1);
            Outcome o = probe(good, httpAddress());
            assertTrue(o.healthy(), path + ": " + o.message());
            assertEquals("HTTP 200, digest " + md5OfHello, o.message());
        }
        HttpGetCheck bad = HttpGetCheck.of(List.of(HttpGetCheck.Url.of("/ok")
                .withDigest("00000000000000000000000000000000"))).withSettings(FAST);
        Outcome o = probe(bad, httpAddress());
        assertFalse(o.healthy());
        assertEquals("HTTP 200, digest " + md5OfHello + " (expected: 00000000000000000000000000000000)", o.message());
    }

    @Test
    void http_everyUrlMustPass_andVirtualHostIsSent() throws Exception {
        HttpGetCheck check = HttpGetCheck.of(List.of(HttpGetCheck.Url.of("/ok"), HttpGetCheck.Url.of("/down")))
                .withSettings(FAST).withVirtualHost("www.example.com");
        Outcome o = probe(check, httpAddress());
        assertFalse(o.healthy());
        assertEquals("/down: HTTP 503 (expected: 200-299)", o.message());
        assertEquals("www.example.com", lastHost);
    }

    @Test
    void http_noAnswer_timesOut() throws Exception {
        HttpGetCheck check = HealthCheck.httpGet("/slow").withSettings(FAST.withTimeout(Duration.ofMillis(300)));
        Outcome o = probe(check, httpAddress());
        assertFalse(o.healthy());
        assertEquals("timed out after 300 ms", o.message());
    }

    @Test
    void http_serverClosesWithoutAnswer_fails() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, Backend.LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket c = s.accept()) {
                    c.getInputStream().read(new byte[1024]);
                } catch (IOException e) {
                    // test over
                }
            });
            t.start();
            Outcome o = probe(HealthCheck.httpGet("/").withSettings(FAST), (InetSocketAddress) s.getLocalSocketAddress());
            assertFalse(o.healthy());
            assertEquals("connection closed before a response", o.message());
            t.join(5000);
        }
    }

    @Test
    void http_refused() throws Exception {
        Outcome o = probe(HealthCheck.httpGet("/").withSettings(FAST),
                new InetSocketAddress(Backend.LOOPBACK, Backend.freePort()));
        assertFalse(o.healthy());
        assertEquals("connection refused", o.message());
    }

    // ---- commands (keepalived MISC_CHECK)

    @Test
    void command_exitStatus() throws Exception {
        Outcome ok = probe(HealthCheck.command("sh", "-c", "exit 0"), null);
        assertTrue(ok.healthy());
        assertEquals("exit 0", ok.message());
        Outcome three = probe(HealthCheck.command("sh", "-c", "exit 3"), null);
        assertFalse(three.healthy());
        assertEquals("exit 3", three.message());
        assertEquals(3, three.exitStatus());
    }

    @Test
    void command_dynamicWeight_exit2To255IsHealthy() throws Exception {
        CommandCheck dynamic = HealthCheck.command("sh", "-c", "exit 10").withDynamicWeight(true);
        Outcome o = probe(dynamic, null);
        assertTrue(o.healthy());
        assertEquals("exit 10: weight 8", o.message());
        assertEquals(10, o.exitStatus());
        assertFalse(probe(HealthCheck.command("sh", "-c", "exit 1").withDynamicWeight(true), null).healthy(),
                "1 is failure even with misc_dynamic");
    }

    @Test
    void command_missingProgram_fails() throws Exception {
        Outcome o = probe(HealthCheck.command("/nonexistent/jvs-check"), null);
        assertFalse(o.healthy());
        assertTrue(o.message().startsWith("cannot run /nonexistent/jvs-check: "), o.message());
    }

    @Test
    void command_overrunningTimeout_isKilledWithItsChildren(@TempDir Path dir) throws Exception {
        Path pids = dir.resolve("pids");
        // The shell starts a child, records both pids, and waits: both must be gone after the timeout.
        CommandCheck slow = HealthCheck.command("sh", "-c", "sleep 30 & echo $$ $! > " + pids + "; wait")
                .withTimeout(Duration.ofMillis(500));
        long start = System.nanoTime();
        Outcome o = probe(slow, null);
        assertFalse(o.healthy());
        assertEquals("timed out after 500 ms; killed", o.message());
        // Not a speed limit: only that the probe did not wait for the command to end by itself (sleep 30).
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(25), "killed, not waited for");
        for (String pid : Files.readString(pids).trim().split(" ")) {
            long p = Long.parseLong(pid);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertFalse(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false), "process " + p + " killed");
        }
    }

    // ---- predicates

    @Test
    void predicate_resultThrowAndTimeout() throws Exception {
        InetSocketAddress server = new InetSocketAddress(Backend.LOOPBACK, 80);
        List<InetSocketAddress> seen = new ArrayList<>();
        assertTrue(probe(HealthCheck.predicate("yes", a -> seen.add(a)).withSettings(FAST), server).healthy());
        assertEquals(List.of(server), seen);
        Outcome no = probe(HealthCheck.predicate("no", a -> false).withSettings(FAST), server);
        assertFalse(no.healthy());
        assertEquals("false", no.message());
        Outcome thrown = probe(HealthCheck.predicate("boom", a -> {
            throw new IllegalStateException("boom");
        }).withSettings(FAST), server);
        assertFalse(thrown.healthy());
        assertEquals("threw java.lang.IllegalStateException: boom", thrown.message());
        CountDownLatch interrupted = new CountDownLatch(1);
        Outcome slow = probe(HealthCheck.predicate("slow", a -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return true;
        }).withSettings(FAST.withTimeout(Duration.ofMillis(200))), server);
        assertFalse(slow.healthy());
        assertEquals("timed out after 200 ms", slow.message());
        assertTrue(interrupted.await(5, TimeUnit.SECONDS), "the overrunning predicate was interrupted");
    }
}
