package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.cli.Netns;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The LVS DR walk-through end to end, with {@code jvs daemon --interface eth0} and {@code jvsadm} in ipvsadm's place:
 * a client, a director and two real servers on one bridge, in network namespaces named {@code jvsq<pid>...} (always
 * deleted). The director is set up as {@code lvs_dr.sh} does (VIP on eth0, ip_forward on: mode B) or with the VIP
 * nowhere on it (mode A); the real servers as {@code lvs_rs.sh} does (VIP on lo, arp_ignore=1, arp_announce=2), each
 * with a web server that answers its name and the client address it saw. Needs root, iproute2, ethtool, nftables,
 * curl and a JDK 22+ with lb-packet on the class path; skipped with a message otherwise.
 *
 * <pre>
 *   client 10.98.0.1   director 10.98.0.2   r1 10.98.0.11   r2 10.98.0.12      VIP 10.98.0.100
 *        \________________ bridge br0 (namespace lan) ________________/
 * </pre>
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NetnsDrWalkthroughTest {

    private static final String VIP = "10.98.0.100";
    private static final String CLIENT = "10.98.0.1";
    private static final String R1 = "10.98.0.11";
    private static final String R2 = "10.98.0.12";

    private final String prefix = "jvsq" + ProcessHandle.current().pid();
    private final String lan = prefix + "lan";
    private final String c = prefix + "c";
    private final String d = prefix + "d";
    private final String r1 = prefix + "r1";
    private final String r2 = prefix + "r2";
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private Path dir;

    @BeforeAll
    static void needs() throws IOException {
        String why = PacketPath.unavailable();
        Assumptions.assumeTrue(why == null, () -> "skipped: " + why);
        String probe = "jvsqprobe" + ProcessHandle.current().pid();
        Netns.Result r = Netns.exec("ip", "netns", "add", probe);
        Assumptions.assumeTrue(r.code() == 0, () -> "skipped: 'ip netns add' failed (" + r.output().trim()
                + "): needs root and iproute2");
        Netns.exec("ip", "netns", "del", probe);
        for (String tool : List.of("ethtool", "nft", "curl", "ss")) {
            try {
                Netns.exec(tool, "--version");
            } catch (IOException e) {
                Assumptions.abort("skipped: " + tool + " is not installed (apt-get install ethtool nftables curl "
                        + "iproute2)");
            }
        }
    }

    @AfterEach
    void tearDown() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            try {
                Netns.exec("ip", "netns", "del", namespaces.get(i));
            } catch (IOException e) {
                System.err.println("cannot delete network namespace " + namespaces.get(i) + ": " + e);
            }
        }
    }

    private String run(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Netns.Result r = Netns.exec(full.toArray(new String[0]));
        if (r.code() != 0) {
            throw new IOException(String.join(" ", cmd) + " in " + ns + ": exit " + r.code() + ": " + r.output());
        }
        return r.output();
    }

    private Netns.Result tryRun(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return Netns.exec(full.toArray(new String[0]));
    }

    private void add(String ns) throws IOException {
        Netns.Result r = Netns.exec("ip", "netns", "add", ns);
        if (r.code() != 0) {
            throw new IOException("ip netns add " + ns + ": " + r.output());
        }
        namespaces.add(ns);
        run(ns, "ip", "link", "set", "lo", "up");
    }

    /** The lab; {@code modeB}: the director holds the VIP on eth0 and forwards, as lvs_dr.sh sets it up. */
    private void lab(boolean modeB) throws Exception {
        dir = Files.createTempDirectory(prefix);
        add(lan);
        run(lan, "ip", "link", "add", "br0", "type", "bridge");
        run(lan, "ip", "link", "set", "br0", "up");
        String[][] hosts = {{c, CLIENT, "c"}, {d, "10.98.0.2", "d"}, {r1, R1, "r1"}, {r2, R2, "r2"}};
        for (String[] h : hosts) {
            add(h[0]);
            run(h[0], "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "q" + h[2], "netns", lan);
            run(lan, "ip", "link", "set", "q" + h[2], "master", "br0", "up");
            run(h[0], "ip", "addr", "add", h[1] + "/24", "dev", "eth0");
            run(h[0], "ip", "link", "set", "eth0", "up");
        }
        run(c, "ethtool", "-K", "eth0", "tso", "off", "gso", "off");
        run(d, "ethtool", "-K", "eth0", "gro", "off");
        if (modeB) { // lvs_dr.sh
            run(d, "sysctl", "-qw", "net.ipv4.ip_forward=1");
            run(d, "ip", "addr", "add", VIP + "/32", "dev", "eth0", "label", "eth0:2");
        }
        String[][] servers = {{r1, "r1"}, {r2, "r2"}};
        for (String[] s : servers) { // lvs_rs.sh
            run(s[0], "ip", "addr", "add", VIP + "/32", "dev", "lo", "label", "lo:0");
            run(s[0], "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.lo.arp_ignore=1",
                    "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.lo.arp_announce=2");
            run(s[0], "ethtool", "-K", "eth0", "tso", "off", "gso", "off");
            Process web = java(s[0], "WhoServer-" + s[1], List.of(), WhoServer.class.getName(), s[1], "80");
            assertEquals("ready", Netns.readLine(web, Netns.stdout(web), 30), () -> log("WhoServer-" + s[1]));
        }
    }

    private Process java(String ns, String name, List<String> jvmOptions, String main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx96m",
                "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(name + ".log").toFile()).start();
        processes.add(p);
        return p;
    }

    private String log(String name) {
        try {
            return Files.readString(dir.resolve(name + ".log"));
        } catch (IOException e) {
            return "(no log " + name + ": " + e + ")";
        }
    }

    /** Starts {@code jvs daemon --interface eth0} in the director's namespace; returns once it is ready. */
    private Process daemon(String admin, String name, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("daemon", "--interface", "eth0", "--admin", admin, "--threads",
                "1"));
        args.addAll(List.of(more));
        Process p = java(d, name, List.of("--enable-native-access=ALL-UNNAMED"), "io.jvs.cli.Jvs",
                args.toArray(new String[0]));
        BufferedReader out = Netns.stdout(p);
        String ready = Netns.readLine(p, out, 60);
        assertTrue(ready.startsWith("jvs daemon: admin socket " + admin), () -> ready + "\n" + log(name));
        return p;
    }

    private String[] jvsadm(String admin, String... args) throws Exception {
        return Jvm.jvsadm(Map.of("JVS_ADMIN", admin), "", args);
    }

    private void ok(String admin, String... args) throws Exception {
        String[] r = jvsadm(admin, args);
        assertEquals(List.of("", "", "0"), List.of(r[0], r[1], r[2]), "jvsadm " + String.join(" ", args));
    }

    /** One GET from the client; the body ("r1 10.98.0.1") or "fail ...". */
    private String get(int localPort) throws IOException {
        Netns.Result r = tryRun(c, "curl", "-s", "--max-time", "5", "--local-port", Integer.toString(localPort),
                "http://" + VIP + "/");
        return r.code() == 0 ? r.output().trim() : "fail curl exit " + r.code() + " " + r.output().trim();
    }

    /** The walk-through's commands, then requests: they alternate between the servers, which see the client. */
    private void walkThrough(String admin, String daemonLog, int firstPort) throws Exception {
        ok(admin, "-A", "-t", VIP + ":80", "-s", "wrr");
        ok(admin, "-a", "-t", VIP + ":80", "-r", R1 + ":80", "-g", "-w", "1");
        ok(admin, "-a", "-t", VIP + ":80", "-r", R2 + ":80", "-g", "-w", "1");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(get(firstPort + i)); // each from its own port: the client's are in TIME_WAIT after
        }
        assertTrue(seen.stream().allMatch(s -> s.endsWith(" " + CLIENT)),
                () -> "each server sees the client's own address: " + seen + "\n" + log(daemonLog));
        assertNotEquals(seen.get(0).split(" ")[0], seen.get(1).split(" ")[0], seen::toString);
        assertEquals(seen.get(0), seen.get(2), seen::toString);
        assertEquals(seen.get(1), seen.get(3), seen::toString);
    }

    @Test
    void modeB_asLvsDrSh_walkThrough_listing_noSocket_killRestart() throws Exception {
        lab(true);
        String admin = dir.resolve("admin.sock").toString();
        Process daemon = daemon(admin, "daemon");
        walkThrough(admin, "daemon", 41000);

        String ss = run(d, "ss", "-Htan");
        assertFalse(ss.contains(VIP), "the director holds no TCP socket for the clients: " + ss);
        String listing = jvsadm(admin, "-L", "-n")[0];
        assertTrue(listing.matches("IP Virtual Server version 1\\.2\\.1 \\(size=\\d+\\)\n"
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  10\\.98\\.0\\.100:80 wrr\n"
                + "  -> 10\\.98\\.0\\.11:80                Route   1      0          [12]\\s*\n"
                + "  -> 10\\.98\\.0\\.12:80                Route   1      0          [12]\\s*\n"), listing);
        String stats = jvsadm(admin, "-L", "-n", "--stats")[0];
        assertTrue(stats.lines().anyMatch(l -> l.matches("TCP  10\\.98\\.0\\.100:80 +4 +\\d+ +0 +\\d+ +0")), stats);
        String conns = jvsadm(admin, "-L", "-n", "-c")[0];
        assertTrue(conns.contains("TCP") && conns.contains(CLIENT + ":41000") && conns.contains(VIP + ":80"),
                conns);
        assertTrue(log("daemon").contains("mode B"), log("daemon"));
        assertEquals(0, tryRun(d, "nft", "list", "table", "netdev", "jvs_eth0").code(), "the guard is in place");

        // persistence across connections: every connection of the client to one server
        ok(admin, "-E", "-t", VIP + ":80", "-s", "wrr", "-p", "60");
        String first = get(42000);
        for (int i = 1; i < 4; i++) {
            assertEquals(first, get(42000 + i), "persistent: the same server");
        }

        // kill -9: the guard stays behind; the next start removes it and serves again
        daemon.destroyForcibly();
        assertTrue(daemon.waitFor(20, TimeUnit.SECONDS));
        assertEquals(0, tryRun(d, "nft", "list", "table", "netdev", "jvs_eth0").code(), "left by the crash");
        String admin2 = dir.resolve("admin2.sock").toString();
        Process again = daemon(admin2, "daemon2");
        assertTrue(log("daemon2").contains("removed the nftables table jvs_eth0"), log("daemon2"));
        walkThrough(admin2, "daemon2", 44000);

        // a clean stop leaves nothing
        again.destroy();
        assertTrue(again.waitFor(30, TimeUnit.SECONDS));
        assertFalse(run(d, "nft", "list", "tables").contains("jvs_"), "no table after a stop");
    }

    @Test
    void keepalivedDr_serverKilled_trafficMoves_andComesBack() throws Exception {
        lab(true);
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, "virtual_server " + VIP + " 80 {\n  delay_loop 1\n  lb_algo rr\n  lb_kind DR\n"
                + "  protocol TCP\n"
                + "  real_server " + R1 + " 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n"
                + "  real_server " + R2 + " 80 {\n    TCP_CHECK {\n      connect_timeout 1\n    }\n  }\n}\n");
        String admin = dir.resolve("admin.sock").toString();
        daemon(admin, "daemon", "--config", conf.toString());
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(get(46000 + i));
        }
        assertEquals(2, seen.stream().map(s -> s.split(" ")[0]).distinct().count(), seen::toString);

        Process r1Web = processes.get(0); // the WhoServer of r1, started first
        r1Web.destroyForcibly();
        assertTrue(r1Web.waitFor(10, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (jvsadm(admin, "-L", "-n")[0].contains(R1 + ":80") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertFalse(jvsadm(admin, "-L", "-n")[0].contains(R1 + ":80"), () -> "r1 is taken out: " + log("daemon"));
        for (int i = 0; i < 4; i++) {
            assertEquals("r2 " + CLIENT, get(46100 + i), "every new connection goes to r2");
        }

        Process back = java(r1, "WhoServer-r1-again", List.of(), WhoServer.class.getName(), "r1", "80");
        assertEquals("ready", Netns.readLine(back, Netns.stdout(back), 30));
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!jvsadm(admin, "-L", "-n")[0].contains(R1 + ":80") && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        String listing = jvsadm(admin, "-L", "-n")[0];
        assertTrue(listing.contains("  -> 10.98.0.11:80                Route   1"), listing);
    }

    @Test
    void modeA_vipNotOnDirector_answersArp() throws Exception {
        lab(false);
        String admin = dir.resolve("admin.sock").toString();
        daemon(admin, "daemon");
        ok(admin, "-A", "-t", VIP + ":80", "-s", "rr");
        ok(admin, "-a", "-t", VIP + ":80", "-r", R1 + ":80", "-w", "1"); // no method: -g, ipvsadm's default
        ok(admin, "-a", "-t", VIP + ":80", "-r", R2 + ":80", "-w", "1");
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(get(43000 + i));
        }
        assertEquals(2, seen.stream().map(s -> s.split(" ")[0]).distinct().count(), seen::toString);
        assertTrue(seen.stream().allMatch(s -> s.endsWith(" " + CLIENT)), seen::toString);
        assertTrue(log("daemon").contains("mode A"), log("daemon"));
        assertTrue(run(c, "ip", "neigh").contains(VIP), "the client learnt the VIP's MAC from the director");
        assertFalse(run(d, "nft", "list", "tables").contains("jvs_"), "mode A needs no nftables rule");
    }
}
