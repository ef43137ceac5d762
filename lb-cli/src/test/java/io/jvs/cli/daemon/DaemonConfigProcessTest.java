package io.jvs.cli.daemon;

import static io.jvs.cli.daemon.StatusClient.await;
import static io.jvs.cli.daemon.StatusClient.body;
import static io.jvs.cli.daemon.StatusClient.metric;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvs daemon --config --http} as a separate process, with real servers the test kills and restarts: the
 * checks take a dead server out and bring it back, {@code /metrics} has the right values, {@code kill -HUP}
 * applies a changed file without dropping an established connection and keeps the running configuration when the
 * file is broken, and a broken file at start stops the daemon with the line and column.
 */
class DaemonConfigProcessTest {

    private static final Duration CHECKS = Duration.ofSeconds(15); // 100 ms checks, fall/rise 2, a busy machine

    @TempDir
    Path dir;

    private final List<EchoServer> backends = new ArrayList<>();
    private Process daemon;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (EchoServer b : backends) {
            b.close();
        }
    }

    private EchoServer backend(int port) throws IOException {
        EchoServer b = new EchoServer(port);
        backends.add(b);
        return b;
    }

    private Path socket() {
        return dir.resolve("admin.sock");
    }

    /** jvsadm as a process: stdout (asserting exit 0 and no stderr). */
    private String jvsadm(String... args) throws Exception {
        ProcessBuilder pb = Jvm.java("io.jvs.cli.jvsadm.Jvsadm", args);
        pb.environment().put("JVS_ADMIN", socket().toString());
        Process p = pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvsadm did not finish");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), err);
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The weight of {@code server} in {@code jvsadm -Ln}, or -1 if it is not listed. */
    private int listedWeight(String server) throws Exception {
        Matcher m = Pattern.compile("(?m)^  -> " + Pattern.quote(server) + " +FullNat (\\d+) ").matcher(jvsadm("-Ln"));
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private void hangup() throws Exception {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(daemon.pid())).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, kill.exitValue());
    }

    private static long count(String text, String what) {
        return Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }

    @Test
    void checksMetricsAndReload_asAProcess() throws Exception {
        EchoServer b1 = backend(0);
        EchoServer b2 = backend(0);
        int port2 = b2.port();
        String s1 = b1.hostPort();
        String s2 = b2.hostPort();
        int vport = EchoServer.freePort();
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, StatusClient.config(vport, new int[] {b1.port(), port2}, new int[] {2, 1}));
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--config", conf.toString(), "--admin", socket().toString(),
                "--http", "127.0.0.1:0", "--threads", "2").redirectError(dir.resolve("daemon.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertTrue(ready != null && ready.startsWith("jvs daemon: admin socket " + socket() + ", 1 services ("),
                () -> ready + "; log: " + log());
        String page = out.readLine();
        Matcher url = Pattern.compile("^jvs daemon: status page http://127\\.0\\.0\\.1:(\\d+)/ \\(metrics at /metrics\\)$")
                .matcher(String.valueOf(page));
        assertTrue(url.find(), page);
        InetSocketAddress http = new InetSocketAddress("127.0.0.1", Integer.parseInt(url.group(1)));
        await("both servers UP", CHECKS, () -> {
            String m = body(http, "/metrics");
            return metric(m, "lb_health_state", s1) == 1 && metric(m, "lb_health_state", s2) == 1;
        });

        // Traffic, and the meters that count it.
        long bytes = 0;
        for (int i = 0; i < 12; i++) {
            try (Socket s = new Socket("127.0.0.1", vport)) {
                s.setSoTimeout(5000);
                String msg = "message " + i + "\n";
                assertEquals(msg, EchoServer.roundTrip(s, msg));
                bytes += msg.length();
            }
        }
        String scrape = body(http, "/metrics");
        assertEquals(8, metric(scrape, "lb_scheduled_connections_total", s1), scrape);
        assertEquals(4, metric(scrape, "lb_scheduled_connections_total", s2), scrape);
        assertEquals(12, metric(scrape, "lb_service_scheduled_connections_total", null), scrape);
        assertEquals(bytes, metric(scrape, "lb_in_bytes_total", s1) + metric(scrape, "lb_in_bytes_total",
                s2), scrape);
        assertEquals(bytes, metric(scrape, "lb_service_out_bytes_total", null), scrape);
        assertEquals(2, metric(scrape, "lb_weight", s1), scrape);
        assertEquals(1, metric(scrape, "lb_health_weight", s2), scrape);
        assertEquals(1, metric(scrape, "lb_health_check_result", s1), scrape);
        assertEquals(3, metric(scrape, "lb_health_live_weight", null), scrape);
        assertEquals(0, metric(scrape, "lb_connection_table_refused_connections_total", null), scrape);

        // A dead real server goes DOWN and out of the table; no new connection fails.
        b2.close();
        await(s2 + " DOWN", CHECKS, () -> metric(body(http, "/metrics"), "lb_health_state", s2) == 0);
        assertEquals(-1, listedWeight(s2), "out of the table");
        assertEquals(2, listedWeight(s1));
        int before = b1.accepted.get();
        for (int i = 0; i < 10; i++) {
            try (Socket s = new Socket("127.0.0.1", vport)) {
                s.setSoTimeout(5000);
                assertEquals("after\n", EchoServer.roundTrip(s, "after\n"), "connection " + i);
            }
        }
        assertTrue(b1.accepted.get() - before >= 10, "all went to " + s1);
        assertEquals(2, metric(body(http, "/metrics"), "lb_health_live_weight", null));

        // It comes back.
        backend(port2);
        await(s2 + " UP again", CHECKS, () -> metric(body(http, "/metrics"), "lb_health_state", s2) == 1);
        assertEquals(1, listedWeight(s2));

        // SIGHUP applies a changed file; an established connection goes on.
        EchoServer b3 = backend(0);
        try (Socket held = new Socket("127.0.0.1", vport)) {
            held.setSoTimeout(5000);
            assertEquals("before reload\n", EchoServer.roundTrip(held, "before reload\n"));
            Files.writeString(conf, StatusClient.config(vport, new int[] {b1.port(), port2, b3.port()},
                    new int[] {5, 1, 1}));
            hangup();
            await("the reload", CHECKS, () -> listedWeight(s1) == 5 && listedWeight(b3.hostPort()) == 1);
            assertEquals(1, listedWeight(s2), "unchanged, kept its health");
            assertEquals("after reload\n", EchoServer.roundTrip(held, "after reload\n"));
        }
        await("meters of the new server", CHECKS,
                () -> metric(body(http, "/metrics"), "lb_health_state", b3.hostPort()) == 1);

        // A broken file is logged, and the running configuration kept.
        Files.writeString(conf, Files.readString(conf).replace("weight 5", "weight 70000"));
        hangup();
        await("the failed reload in the log", CHECKS, () -> log().contains("reload failed, the running "
                + "configuration is kept: " + conf + ":"));
        assertTrue(log().contains("weight: 70000 (expected: 0-65535)"), log());
        assertEquals(5, listedWeight(s1));
        String json = body(http, "/status.json");
        assertTrue(json.contains("\"ok\":false"), json);
        // Warnings: one line per unsupported block, once per load that parsed (the start and one reload).
        assertEquals(2, count(log(), conf + ":2: vrrp_instance is not supported"), log());

        daemon.destroy(); // SIGTERM
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), this::log);
        assertFalse(Files.exists(socket()));
    }

    @Test
    void brokenConfigAtStart_stopsWithLineAndColumn() throws Exception {
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, "virtual_server 127.0.0.1 1 {\n    real_server 127.0.0.1 2 {\n"
                + "        weight 70000\n    }\n}\n");
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--config", conf.toString(), "--admin", socket().toString())
                .start();
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
        String err = new String(daemon.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, daemon.exitValue(), err);
        assertTrue(err.contains("jvs daemon: " + conf + ":3:16: weight: 70000 (expected: 0-65535)\n"
                + "jvs daemon: " + conf + " has an error; not starting"), err);
        assertFalse(Files.exists(socket()));
    }

    @Test
    void rulesAndConfigTogether_areRefused() throws Exception {
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--config", "a.conf", "--rules", "rules").start();
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
        String err = new String(daemon.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, daemon.exitValue(), err);
        assertTrue(err.startsWith("jvs daemon: --rules and --config both fill the table; use one"), err);
    }
}
