package io.jvs.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.cli.Jvs;
import io.jvs.cli.Netns;
import io.jvs.testing.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code jvs proxy}'s health checks, as a process: a real server that stops answering (its SYNs dropped: a
 * listening socket whose backlog is full) is taken out after a few failed connects, so new clients stop waiting
 * for it; it is logged; it is probed back once it answers again. Active checks take a failing server out before
 * any client meets it.
 */
class ProxyHealthTest {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    /** The proxy's connect timeout in the passive test: a client that waited for the dead server took at least this. */
    private static final long CONNECT_TIMEOUT_MS = 1000;

    private Netns lab;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void setUp() {
        lab = new Netns();
    }

    @AfterEach
    void tearDown() throws Exception {
        lab.close();
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    /**
     * A real server that answers each connection with {@code NAME\n} (or, to {@code GET /health}, an HTTP answer),
     * or, until {@link #answer()}, accepts nothing: its backlog of one fills and the kernel drops further SYNs.
     */
    private final class Backend implements AutoCloseable {
        final String name;
        final ServerSocket socket;
        final AtomicBoolean healthy = new AtomicBoolean(true);
        private final List<Socket> fillers = new ArrayList<>();

        Backend(String name, boolean answering) throws IOException {
            this.name = name;
            // A blackholed server needs the smallest backlog to fill; an answering one a normal backlog, or a busy
            // box's accept thread falls behind the health checks and a client's SYN is dropped.
            this.socket = new ServerSocket(0, answering ? 64 : 1, LO);
            closing.add(this);
            if (answering) {
                answer();
            } else {
                blackhole();
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        /** Fills the backlog until a connect times out: from then on SYNs are dropped. */
        private void blackhole() throws IOException {
            for (int i = 0; i < 16; i++) {
                Socket s = new Socket();
                fillers.add(s);
                try {
                    s.connect(socket.getLocalSocketAddress(), 300);
                } catch (SocketTimeoutException e) {
                    return;
                }
            }
            throw new IOException("the backlog never filled");
        }

        void answer() {
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread c = new Thread(() -> serve(s));
                        c.setDaemon(true);
                        c.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        private void serve(Socket s) {
            try (s; OutputStream out = s.getOutputStream()) {
                // Every client speaks first (ask() too): waiting for its bytes tells a health check's request from a
                // client's line however late a busy box sends it. A TCP check connects and closes (n = -1).
                s.setSoTimeout(10_000);
                byte[] first = new byte[64];
                int n;
                try {
                    n = s.getInputStream().read(first);
                } catch (SocketTimeoutException e) {
                    n = 0;
                }
                String request = n > 0 ? new String(first, 0, n, StandardCharsets.US_ASCII) : "";
                if (request.startsWith("GET /health")) {
                    out.write((healthy.get() ? "HTTP/1.0 200 OK\r\n\r\n" : "HTTP/1.0 503 Down\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                } else {
                    out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : fillers) {
                s.close();
            }
        }
    }

    private Process proxy(int port, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("proxy", "--listen", "127.0.0.1:" + port, "--threads", "1",
                "--connect-timeout", String.valueOf(CONNECT_TIMEOUT_MS), "--check-interval", "500"));
        args.addAll(List.of(extra));
        Process p = lab.java(null, List.of(), Jvs.class, args.toArray(new String[0]));
        BufferedReader out = Netns.stdout(p);
        String banner = Netns.readLine(p, out, 60);
        assertTrue(banner.startsWith("jvs proxy: TCP 127.0.0.1:" + port), banner + "; log: " + lab.log(p));
        return p;
    }

    /**
     * One client through the proxy: the name that answered (null: none) and how long it took, from before it
     * connected. It speaks first, so a server answers at once: only a client whose connection the proxy tried on the
     * dead server first takes {@link #CONNECT_TIMEOUT_MS} or more.
     */
    private static Object[] ask(int port) {
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LO, port), 5000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write("who?\n".getBytes(StandardCharsets.US_ASCII));
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            return new Object[] {line, Duration.ofNanos(System.nanoTime() - start).toMillis()};
        } catch (IOException e) {
            return new Object[] {null, Duration.ofNanos(System.nanoTime() - start).toMillis()};
        }
    }

    @Test
    void passive_deadServerIsTakenOutAfterAFewFailures_thenProbedBack() throws Exception {
        Backend live = new Backend("live", true);
        Backend dead = new Backend("dead", false);
        int port = Ports.tcp();
        Process p = proxy(port, "--backend", "127.0.0.1:" + live.port(), "--backend", "127.0.0.1:" + dead.port());
        int slow = 0;
        List<Long> last = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Object[] a = ask(port);
            assertEquals("live", a[0], "client " + i + " is served by the live server");
            long ms = (Long) a[1];
            slow += ms >= CONNECT_TIMEOUT_MS ? 1 : 0; // waited for the dead server's connect timeout
            if (i >= 10) {
                last.add(ms);
            }
        }
        assertTrue(slow >= 1 && slow <= ProxyHealth.FALL + 1, slow + " clients waited for the dead server");
        assertTrue(last.stream().allMatch(ms -> ms < CONNECT_TIMEOUT_MS), "once it is out, nobody waits: " + last);
        String log = lab.log(p);
        assertTrue(log.contains("TCP 127.0.0.1:" + port + ": real server 127.0.0.1:" + dead.port()
                + ": 1 connect failed (taken out after 3 in a row, probed every 500 ms; logged at most every 10 s)"),
                log);
        assertTrue(log.contains("real server 127.0.0.1:" + dead.port() + " is DOWN"), log);
        assertTrue(log.contains("listening on TCP 127.0.0.1:" + port + "\n") && !log.contains("for TCP 127.0.0.1:"
                + port), "the log names the service once: " + log);

        dead.answer(); // it recovers
        Set<String> answers = new HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (answers.size() < 2 && System.nanoTime() < deadline) {
            answers.add(String.valueOf(ask(port)[0]));
            Thread.sleep(100);
        }
        assertEquals(Set.of("live", "dead"), answers, "probed back in: " + lab.log(p));
        assertTrue(lab.log(p).contains("real server 127.0.0.1:" + dead.port() + " is UP"), lab.log(p));
    }

    @Test
    void httpCheck_takesAFailingServerOutBeforeAnyClientMeetsIt() throws Exception {
        Backend good = new Backend("good", true);
        Backend failing = new Backend("failing", true);
        failing.healthy.set(false);
        int port = Ports.tcp();
        Process p = proxy(port, "--backend", "127.0.0.1:" + good.port(), "--backend", "127.0.0.1:" + failing.port(),
                "--check", "http:/health");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!lab.log(p).contains("real server 127.0.0.1:" + failing.port() + " is DOWN")) {
            assertTrue(System.nanoTime() < deadline, "never taken out: " + lab.log(p));
            Thread.sleep(100);
        }
        // Every client meets the good server. One refused is allowed only while the good server is out too: its
        // first probe can be slower than the 500 ms probe timeout in a fresh JVM on a busy box, and it is probed back.
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        for (int answered = 0; answered < 6; ) {
            Object answer = ask(port)[0];
            if (answer == null) {
                assertTrue(lab.log(p).contains("real server 127.0.0.1:" + good.port() + " is DOWN"),
                        "a client was refused while the good server was up: " + lab.log(p));
                assertTrue(System.nanoTime() < until, "the good server never came back: " + lab.log(p));
                Thread.sleep(100);
                continue;
            }
            assertEquals("good", answer, lab.log(p));
            answered++;
        }
    }

    @Test
    void none_keepsEveryServer() throws Exception {
        Backend a = new Backend("a", true);
        int port = Ports.tcp();
        Process p = proxy(port, "--backend", "127.0.0.1:" + a.port(), "--check", "none");
        assertEquals("a", ask(port)[0]);
        assertTrue(!lab.log(p).contains("health"), lab.log(p));
    }

    @Test
    void parse_checkOptions() {
        ProxyOptions o = ProxyCommand.parse(new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:81"});
        assertEquals(ProxyHealth.Check.PASSIVE, o.check());
        assertEquals(2000, o.checkIntervalMillis);
        assertEquals(Duration.ofMillis(2000), o.probeTimeout());
        o = ProxyCommand.parse(new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:81", "--check",
            "http:/health?deep=1", "--check-interval", "250", "--connect-timeout", "100"});
        assertEquals(new ProxyHealth.Check("http", "/health?deep=1"), o.check());
        assertEquals(Duration.ofMillis(100), o.probeTimeout());
        assertEquals(ProxyHealth.Check.NONE, ProxyCommand.parse(new String[] {"--udp", "--listen", "127.0.0.1:80",
            "--backend", "127.0.0.1:81"}).check());
        assertEquals("--check: ping (expected: passive, tcp, http:/PATH or none)", error("--check", "ping"));
        assertEquals("--check: http:health (expected: passive, tcp, http:/PATH or none)", error("--check",
                "http:health"));
        assertEquals("--check: http:/a b (expected: http:/PATH, a path without white space or control characters)",
                error("--check", "http:/a b"));
        assertEquals("--check-interval: 50 (expected: 100-3600000)", error("--check-interval", "50"));
        assertEquals("--check: tcp (expected: none with --udp; jvs proxy checks TCP real servers only)",
                error("--udp", "--check", "tcp"));
    }

    private static String error(String... args) {
        List<String> all = new ArrayList<>(List.of("--listen", "127.0.0.1:80", "--backend", "127.0.0.1:81"));
        all.addAll(List.of(args));
        return assertThrows(IllegalArgumentException.class, () -> ProxyCommand.parse(all.toArray(new String[0])))
                .getMessage();
    }
}
