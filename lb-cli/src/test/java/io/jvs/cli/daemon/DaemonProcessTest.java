package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jvs daemon} and {@code jvsadm} as separate processes: the daemon restores a rules file, jvsadm adds a
 * service and real servers over the admin socket, real TCP connections go through, and {@code jvsadm -L -n --stats}
 * shows them. Then SIGTERM stops the daemon cleanly and jvsadm reports that no daemon answers.
 */
class DaemonProcessTest {

    @TempDir
    Path dir;

    private final List<EchoServer> backends = new ArrayList<>();
    private Process daemon;
    private Path socket;

    @BeforeEach
    void setUp() throws IOException {
        for (int i = 0; i < 2; i++) {
            backends.add(new EchoServer());
        }
        socket = dir.resolve("run").resolve("admin.sock");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null && daemon.isAlive()) {
            daemon.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (EchoServer b : backends) {
            b.close();
        }
    }

    /** Runs jvsadm to completion: stdout, stderr, exit status. */
    private String[] jvsadm(String stdin, String... args) throws Exception {
        return jvsadm(java.util.Map.of("JVS_ADMIN", socket.toString()), stdin, args);
    }

    /** Runs jvsadm with {@code env} added to its environment. */
    private String[] jvsadm(java.util.Map<String, String> env, String stdin, String... args) throws Exception {
        return Jvm.jvsadm(env, stdin, args);
    }

    @Test
    void daemonAndJvsadm_asProcesses() throws Exception {
        int restoredPort = EchoServer.freePort();
        int vport = EchoServer.freePort();
        String vip = "127.0.0.1:" + vport;
        Path rules = dir.resolve("rules");
        Files.writeString(rules, "# restored at start\n-A -t 127.0.0.1:" + restoredPort + " -s rr\n"
                + "-a -t 127.0.0.1:" + restoredPort + " -r " + backends.get(0).hostPort() + " --fullnat -w 1\n");
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--admin", socket.toString(), "--rules", rules.toString(),
                "--threads", "2").redirectError(dir.resolve("daemon.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertTrue(ready != null && ready.startsWith("jvs daemon: admin socket " + socket + ", 1 services ("),
                () -> ready + "; daemon log: " + log());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));

        assertEquals(List.of("", "", "0"), List.of(jvsadm("", "-A", "-t", vip, "-s", "wrr")));
        assertEquals(List.of("", "", "0"), List.of(jvsadm("", "-a", "-t", vip, "-r", backends.get(0).hostPort(),
                "-w", "2")));
        assertEquals(List.of("", "", "0"), List.of(jvsadm("-a -t " + vip + " -r " + backends.get(1).hostPort()
                + " -w 1\n", "-R")));
        assertEquals(List.of("", "Destination already exists\n", "255"), List.of(jvsadm("", "-a", "-t", vip, "-r",
                backends.get(1).hostPort())));
        assertEquals(List.of("", "illegal weight specified\n", "2"), List.of(jvsadm("", "-e", "-t", vip, "-r",
                backends.get(1).hostPort(), "-w", "70000")));

        int connections = 12;
        long bytes = 0;
        for (int i = 0; i < connections; i++) {
            try (Socket s = new Socket("127.0.0.1", vport)) {
                s.setSoTimeout(5000);
                String m = "message number " + i + "\n";
                assertEquals(m, EchoServer.roundTrip(s, m));
                bytes += m.length();
            }
        }
        assertEquals(8, backends.get(0).accepted.get(), "wrr 2:1 over 12 connections");
        assertEquals(4, backends.get(1).accepted.get());

        String[] stats = jvsadm("", "-L", "-n", "--stats");
        assertEquals("0", stats[2], stats[1]);
        assertEquals("", stats[1]);
        Matcher m = Pattern.compile("(?m)^TCP  " + Pattern.quote(vip) + " +(\\d+) +(\\d+) +(\\d+) +(\\d+) +(\\d+)$")
                .matcher(stats[0]);
        assertTrue(m.find(), stats[0]);
        assertEquals(connections, Integer.parseInt(m.group(1)), stats[0]);
        assertTrue(Long.parseLong(m.group(2)) >= connections, "InPkts " + stats[0]);
        assertTrue(Long.parseLong(m.group(3)) >= connections, "OutPkts " + stats[0]);
        assertEquals(bytes, Long.parseLong(m.group(4)), "InBytes " + stats[0]);
        assertEquals(bytes, Long.parseLong(m.group(5)), "OutBytes " + stats[0]);
        assertTrue(stats[0].startsWith("IP Virtual Server version 1.2.1 (size="
                + io.jvs.core.Director.Builder.DEFAULT_MAX_CONNECTIONS + ")\n"
                + "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"), stats[0]);
        String list = jvsadm("", "-Ln")[0];
        // The 8 closed connections stay in the table (TIME_WAIT or CLOSE) until their timeout, as in IPVS.
        Matcher row = Pattern.compile("(?m)^  -> " + Pattern.quote(String.format("%-28s", backends.get(0).hostPort()))
                + " FullNat 2      (\\d+) +(\\d+) +$").matcher(list);
        assertTrue(row.find(), list);
        assertEquals(8, Integer.parseInt(row.group(1)) + Integer.parseInt(row.group(2)), list);

        // SIGTERM: a clean stop that removes the socket; then jvsadm finds no daemon.
        daemon.destroy();
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), this::log);
        assertFalse(Files.exists(socket));
        String[] none = jvsadm("", "-L", "-n");
        assertEquals("2", none[2]);
        assertEquals("", none[0]);
        assertEquals("jvsadm: no JVS daemon answers at " + socket + " (no such socket); start one with 'jvs daemon'"
                + " or set JVS_ADMIN\n", none[1]);
        String log = log();
        assertTrue(log.contains("jvsadm (uid " + System.getProperty("user.name") + "): -A -t " + vip + " -s wrr -> 0"),
                log);
    }

    @Test
    void tcpAdmin_requiresItsToken_jvsadmSendsIt() throws Exception {
        String admin = "127.0.0.1:" + EchoServer.freePort();
        Path token = dir.resolve("secret").resolve("admin.token");
        ProcessBuilder pb = Jvm.java("io.jvs.cli.Jvs", "daemon", "--admin", admin, "--admin-token-file",
                token.toString(), "--threads", "1");
        pb.environment().remove("JVS_ADMIN_TOKEN");
        daemon = pb.redirectError(dir.resolve("daemon.log").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
        String ready = out.readLine();
        assertTrue(ready != null && ready.startsWith("jvs daemon: admin socket " + admin + " (token in " + token
                + "), 0 services ("), () -> ready + "; daemon log: " + log());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(token)));
        assertTrue(Files.readString(token).matches("[0-9a-f]{64}\n"), "a new random token");

        String vip = "127.0.0.1:" + EchoServer.freePort();
        java.util.Map<String, String> withFile = java.util.Map.of("JVS_ADMIN", admin, "JVS_ADMIN_TOKEN_FILE",
                token.toString());
        assertEquals(List.of("", "", "0"), List.of(jvsadm(withFile, "", "-A", "-t", vip, "-s", "rr")));
        String[] wrong = jvsadm(java.util.Map.of("JVS_ADMIN", admin, "JVS_ADMIN_TOKEN", "not-the-token-0123456789"),
                "", "-D", "-t", vip);
        assertEquals(List.of("", "jvs admin: authentication failed: wrong token\n", "2"), List.of(wrong));
        String[] bad = jvsadm(java.util.Map.of("JVS_ADMIN", admin, "JVS_ADMIN_TOKEN", "short"), "", "-L");
        assertEquals(List.of("", "jvsadm: JVS_ADMIN_TOKEN: a token of 5 characters (expected: 16-1024 printable ASCII "
                + "characters without spaces)\n", "2"), List.of(bad));
        assertEquals(List.of("-A -t " + vip + " -s rr\n", "", "0"), List.of(jvsadm(withFile, "", "-S", "-n")),
                "the refused -D changed nothing");
        daemon.destroy();
        assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, daemon.exitValue(), this::log);
        assertTrue(log().contains("admin socket: refused a request from /127.0.0.1:"), log());
    }

    @Test
    void badRulesFile_daemonDoesNotStart() throws Exception {
        Path rules = dir.resolve("rules");
        Files.writeString(rules, "-A -t 127.0.0.1:1 -s rr\n-a -t 127.0.0.1:1 -r 127.0.0.1:2 -w lots\n");
        daemon = Jvm.java("io.jvs.cli.Jvs", "daemon", "--admin", socket.toString(), "--rules", rules.toString())
                .start();
        assertTrue(daemon.waitFor(60, TimeUnit.SECONDS));
        String err = new String(daemon.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, daemon.exitValue(), err);
        assertTrue(err.contains("illegal weight specified\njvs daemon: restoring " + rules + " failed (status 2); "
                + "not starting"), err);
        assertFalse(Files.exists(socket));
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("daemon.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
