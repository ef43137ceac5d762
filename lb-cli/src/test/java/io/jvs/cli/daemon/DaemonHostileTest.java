package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.cli.Jvs;
import io.jvs.cli.Netns;
import io.jvs.ipvsadm.AdminClient;
import io.jvs.ipvsadm.Ipvsadm;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvs daemon} as a process against hostile clients and faults: a status-port client that pipelines without
 * reading, a second daemon started for the same admin socket, running out of file descriptors, and SIGHUP
 * ignored under {@code nohup}. Each time the data path keeps serving and the daemon stops when told to.
 */
class DaemonHostileTest {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    private EchoServer backend;
    private Netns lab;
    private int vport;
    private Path socket;
    private Path rules;

    @BeforeEach
    void setUp() throws IOException {
        backend = new EchoServer();
        lab = new Netns();
        vport = EchoServer.freePort();
        socket = dir.resolve("run").resolve("admin.sock");
        rules = dir.resolve("rules");
        Files.writeString(rules, "-A -t 127.0.0.1:" + vport + " -s rr\n-a -t 127.0.0.1:" + vport + " -r "
                + backend.hostPort() + " --fullnat\n");
    }

    @AfterEach
    void tearDown() throws IOException {
        lab.close();
        backend.close();
    }

    /** Starts a daemon on the rules and waits for its banner; extra arguments are added. */
    private Process daemon(List<String> jvm, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("daemon", "--admin", socket.toString(), "--rules",
                rules.toString(), "--threads", "2"));
        args.addAll(List.of(extra));
        Process p = lab.java(null, jvm, Jvs.class, args.toArray(new String[0]));
        String banner = Netns.readLine(p, Netns.stdout(p), 60);
        assertTrue(banner.startsWith("jvs daemon: admin socket " + socket), banner + "; log: " + lab.log(p));
        return p;
    }

    /** Connects through the virtual service and checks the echo. */
    private boolean echoes(String message) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LO, vport), 3000);
            s.setSoTimeout(3000);
            return EchoServer.roundTrip(s, message).equals(message);
        } catch (IOException e) {
            return false;
        }
    }

    private static void assertStopsOnSigterm(Process p, Netns lab) throws Exception {
        long start = System.nanoTime();
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(DaemonCommand.STOP_DEADLINE.toSeconds() + 10, TimeUnit.SECONDS),
                "SIGTERM did not stop the daemon; log: " + lab.log(p));
        assertEquals(0, p.exitValue(), "stopped cleanly within "
                + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms; log: " + lab.log(p));
    }

    @Test
    void statusClientPipeliningWithoutReading_neverHurtsTheDataPath() throws Exception {
        int http = EchoServer.freePort();
        // The README's JVM options for a small director: 64 MiB of heap, so as much direct memory.
        Process p = daemon(List.of("-Xms64m", "-Xmx64m", "-XX:+UseSerialGC"), "--http", Integer.toString(http));
        byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        List<Socket> floods = new ArrayList<>();
        try {
            for (int c = 0; c < 4; c++) { // four clients, 5,000 requests each, none of them reads an answer
                Socket s = new Socket();
                s.connect(new InetSocketAddress(LO, http), 3000);
                s.setSoTimeout(1);
                floods.add(s);
                OutputStream out = s.getOutputStream();
                Thread writer = new Thread(() -> {
                    try {
                        for (int i = 0; i < 5000; i++) {
                            out.write(request);
                        }
                        out.flush();
                    } catch (IOException e) {
                        // the server closed the connection: what it should do to such a client
                    }
                }, "flood-" + c);
                writer.setDaemon(true);
                writer.start();
            }
            Thread.sleep(3000); // let the server take what it will take
            int served = 0;
            for (int i = 0; i < 50; i++) {
                served += echoes("client " + i + "\n") ? 1 : 0;
            }
            assertEquals(50, served, "every new client of the virtual service is served; log: " + lab.log(p));
            String status = StatusClient.body(new InetSocketAddress(LO, http), "/status.json");
            assertTrue(status.contains("\"underPressure\":false") && status.contains("\"connectionsRefused\":0"),
                    "the memory defence never had to refuse anyone: " + status);
            double direct = StatusClient.metric(StatusClient.body(new InetSocketAddress(LO, http), "/metrics"),
                    "jvm_buffer_memory_used_bytes", null, "id=direct");
            assertTrue(direct < 8 << 20, "the status port's answers are not held in the direct memory the data "
                    + "path uses: " + direct + " bytes in use");
        } finally {
            for (Socket s : floods) {
                s.close();
            }
        }
        assertStopsOnSigterm(p, lab);
    }

    @Test
    void statusClientsHoldingUnreadAnswers_doNotDelaySigterm() throws Exception {
        int http = EchoServer.freePort();
        Process p = daemon(List.of(), "--http", Integer.toString(http));
        byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200).getBytes(StandardCharsets.US_ASCII);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int c = 0; c < 40; c++) { // more than the server takes, each with answers it never reads
                Socket s = new Socket();
                s.connect(new InetSocketAddress(LO, http), 3000);
                stalled.add(s);
                try {
                    s.getOutputStream().write(request);
                } catch (IOException e) {
                    // closed by the server
                }
            }
            assertTrue(echoes("still serving\n"));
            assertStopsOnSigterm(p, lab);
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void secondDaemonForTheSameAdminSocket_stopsBeforeItBindsAnything() throws Exception {
        Process first = daemon(List.of());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 10; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(LO, vport), 3000);
                s.setSoTimeout(3000);
                held.add(s);
                assertEquals("before " + i + "\n", EchoServer.roundTrip(s, "before " + i + "\n"));
            }
            Process second = lab.java(null, List.of(), Jvs.class, "daemon", "--admin", socket.toString(), "--rules",
                    rules.toString(), "--threads", "2");
            int served = 0;
            while (second.isAlive() && served < 1000) { // clients keep coming while the second one tries
                served += echoes("during\n") ? 1 : 0;
            }
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
            String log = lab.log(second);
            assertEquals(1, second.exitValue(), log);
            assertTrue(log.contains("jvs daemon: another jvs daemon runs with the admin address " + socket + " (pid "
                    + first.pid() + ", admin " + socket + ", started "), log);
            assertFalse(log.contains("listening on"), "the second daemon bound nothing: " + log);
            for (int i = 0; i < held.size(); i++) {
                assertEquals("after " + i + "\n", EchoServer.roundTrip(held.get(i), "after " + i + "\n"),
                        "the first daemon's clients are untouched");
            }
            for (int i = 0; i < 30; i++) {
                assertTrue(echoes("new " + i + "\n"), "new client " + i);
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        assertStopsOnSigterm(first, lab);
    }

    @Test
    void outOfFileDescriptors_adminAndStatusPauseAndRecover() throws Exception {
        Assumptions.assumeTrue(new File("/proc/self/fd").isDirectory(), "needs Linux /proc");
        Assumptions.assumeTrue(Netns.exec("prlimit", "--version").code() == 0, "needs prlimit (util-linux)");
        int http = EchoServer.freePort();
        Process p = daemon(List.of(), "--http", Integer.toString(http));
        int fds = new File("/proc/" + p.pid() + "/fd").list().length;
        int limit = fds + 6;
        Netns.Result r = Netns.exec("prlimit", "--pid", Long.toString(p.pid()), "--nofile=" + limit + ":" + limit);
        assertEquals(0, r.code(), r.output());
        List<AutoCloseable> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 12; i++) { // takes every descriptor the daemon has left, then waits in the backlog
                Socket s = new Socket();
                s.connect(new InetSocketAddress(LO, http), 3000);
                clients.add(s);
            }
            StatusClient.await("the daemon out of descriptors", Duration.ofSeconds(10),
                    () -> new File("/proc/" + p.pid() + "/fd").list().length >= limit);
            for (int i = 0; i < 4; i++) { // the admin socket must try to accept while none is left
                SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                clients.add(ch);
            }
            StatusClient.await("the admin socket's accept failing", Duration.ofSeconds(10),
                    () -> lab.log(p).contains("admin socket: accept failed ("));
            Thread.sleep(500);
        } finally {
            for (AutoCloseable c : clients) {
                c.close();
            }
        }
        // Descriptors are free again: both listeners accept again.
        Ipvsadm.Result listing = null;
        for (int attempt = 0; attempt < 20 && (listing == null || !listing.ok()); attempt++) {
            try {
                listing = AdminClient.execute(socket.toString(), List.of("-L", "-n"), new byte[0],
                        Duration.ofSeconds(3));
            } catch (IOException e) {
                Thread.sleep(250);
            }
        }
        assertTrue(listing != null && listing.ok() && listing.stdout().contains("127.0.0.1:" + vport),
                "the admin socket answers again: " + listing + "; log: " + lab.log(p));
        assertEquals(200, StatusClient.get(new InetSocketAddress(LO, http), "/status.json").statusCode());
        assertTrue(lab.log(p).contains("status page: accept failed ("), lab.log(p));
        assertTrue(echoes("after\n"));
        assertStopsOnSigterm(p, lab);
    }

    @Test
    void sighupIgnoredUnderNohup_saysSoAndReloadWorksWithoutIt() throws Exception {
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, StatusClient.config(vport, new int[] {backend.port()}, new int[] {1}));
        Process p = lab.java(null, List.of("nohup"), List.of(), Jvs.class, "daemon", "--admin", socket.toString(),
                "--config", conf.toString(), "--threads", "1");
        BufferedReader out = Netns.stdout(p);
        String banner = Netns.readLine(p, out, 60);
        assertTrue(banner.startsWith("jvs daemon: admin socket " + socket), banner + "; log: " + lab.log(p));
        assertTrue(lab.log(p).contains("SIGHUP is ignored in this process (started with nohup, or by a parent that "
                + "ignores it), so kill -HUP will not reload " + conf + "; reload with: jvs daemon --reload --admin "
                + socket), lab.log(p));
        Files.writeString(conf, Files.readString(conf).replace("weight 1", "weight 4"));
        String[] r = Jvm.run("io.jvs.cli.Jvs", "daemon", "--reload", "--admin", socket.toString());
        assertEquals("0", r[2], r[1]);
        assertTrue(r[0].startsWith("loaded 1 virtual server from " + conf), r[0]);
        String[] list = Jvm.jvsadm(java.util.Map.of("JVS_ADMIN", socket.toString()), "", "-L", "-n");
        assertTrue(list[0].matches("(?s).*-> 127\\.0\\.0\\.1:" + backend.port() + " +FullNat +4 .*"), list[0]);
        assertStopsOnSigterm(p, lab);
    }
}
