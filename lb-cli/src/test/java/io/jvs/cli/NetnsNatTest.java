package io.jvs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.netty.Transport;
import io.jvs.netty.internal.Transports;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NAT forwarding (ipvsadm {@code -m}) for real, across routed networks: four network namespaces made by the test
 * (a client, the director, two real servers, joined by veth pairs; the servers' default route goes through the
 * director), {@code lb-cli/scripts/nat-director-setup.sh} on the director, and {@code jvs proxy} as the
 * director. The servers must see the client's own address. Needs root (CI runs as root); skipped with a message
 * where namespaces cannot be made. Everything is deleted afterwards.
 *
 * <pre>
 *   client 198.18.1.2 ── 198.18.1.1 (VIP :80..)  director  198.18.2.1 ── 198.18.2.2:8080 server 1
 *                                                          198.18.3.1 ── 198.18.3.2:8080 server 2
 * </pre>
 */
class NetnsNatTest {

    private static final String VIP = "198.18.1.1";
    private static final String CLIENT = "198.18.1.2";
    private static Netns lab;
    private static String client;
    private static String director;

    @BeforeAll
    static void setUp() throws Exception {
        String why = Netns.unavailable();
        Assumptions.assumeTrue(why == null, () -> "NAT namespace test skipped: " + why);
        Assumptions.assumeTrue(onPath("nft") || onPath("iptables"),
                "NAT namespace test skipped: neither nft (apt-get install nftables) nor iptables is installed");
        Assumptions.assumeTrue(Transports.isAvailable(Transport.EPOLL), "NAT namespace test skipped: no epoll here");
        lab = new Netns();
        client = lab.add("c");
        director = lab.add("d");
        String s1 = lab.add("s1");
        String s2 = lab.add("s2");
        lab.link(client, CLIENT + "/24", director, VIP + "/24", "c");
        lab.link(s1, "198.18.2.2/24", director, "198.18.2.1/24", "s1");
        lab.link(s2, "198.18.3.2/24", director, "198.18.3.1/24", "s2");
        lab.run(client, "ip", "route", "add", "default", "via", VIP);
        lab.run(s1, "ip", "route", "add", "default", "via", "198.18.2.1");
        lab.run(s2, "ip", "route", "add", "default", "via", "198.18.3.1");
        script("up");
        for (String[] s : new String[][] {{s1, "198.18.2.2"}, {s2, "198.18.3.2"}}) {
            for (String kind : List.of("server", "udpserver")) {
                Process p = lab.java(s[0], List.of(), NsTool.class, kind, s[1], "8080");
                assertEquals("ready", Netns.readLine(p, Netns.stdout(p), 30));
            }
        }
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    static Stream<String> natTransports() {
        return Transports.isAvailable(Transport.IO_URING) ? Stream.of("epoll", "io_uring") : Stream.of("epoll");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("natTransports")
    void nat_realServersSeeTheClientsAddress(String transport) throws Exception {
        int port = transport.equals("epoll") ? 80 : 81;
        List<String> peers = runClients(port, 4, "--forward", "nat", "--transport", transport);
        for (String p : peers) {
            assertTrue(p.startsWith("ok peer " + CLIENT + " "), "a server saw " + p + ", not the client " + CLIENT);
        }
        assertEquals(2, peers.stream().map(p -> p.substring(p.indexOf(" at ") + 4)).distinct().count(),
                "rr used both servers: " + peers);
    }

    /** UDP flows in NAT: each flow's socket is bound to its client's address, the servers answer through the director. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("natTransports")
    void udpNat_realServersSeeTheClientsAddress(String transport) throws Exception {
        int port = transport.equals("epoll") ? 90 : 91;
        Process dir = startDirector(port, "--udp", "--forward", "nat", "--transport", transport, "--backend",
                "198.18.2.2:8080", "--backend", "198.18.3.2:8080", "--scheduler", "rr");
        try {
            Process c = lab.java(client, List.of(), NsTool.class, "udpclient", VIP, Integer.toString(port), "4");
            BufferedReader out = Netns.stdout(c);
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                answers.add(Netns.readLine(c, out, 60));
            }
            assertEquals(0, c.waitFor(), "client exit status");
            for (String a : answers) {
                assertTrue(a.startsWith("ok peer " + CLIENT + " "), "a server saw " + a + ", not the client " + CLIENT);
            }
            assertEquals(2, answers.stream().map(a -> a.substring(a.indexOf(" at ") + 4)).distinct().count(),
                    "rr used both servers: " + answers);
        } finally {
            stop(dir);
        }
    }

    /** The control: in full NAT the same servers see the director's addresses. */
    @Test
    void fullNat_realServersSeeTheDirector() throws Exception {
        List<String> peers = runClients(82, 4, "--forward", "fullnat");
        for (String p : peers) {
            String server = p.substring(p.indexOf(" at ") + 4);
            String director = server.equals("198.18.2.2") ? "198.18.2.1" : "198.18.3.1";
            assertTrue(p.startsWith("ok peer " + director + " "), p);
        }
    }

    /** Without the script's routing, the servers' answers never reach the director's socket: NAT cannot work. */
    @Test
    void nat_withoutTheDirectorRouting_failsFast() throws Exception {
        script("down");
        try {
            List<String> peers = runClients(83, 1, "--forward", "nat", "--connect-timeout", "500",
                    "--connect-attempts", "2");
            assertTrue(peers.get(0).startsWith("fail"), peers.toString());
        } finally {
            script("up");
        }
    }

    /**
     * Full NAT from a source address whose local ports run out (the director's port range is cut to 4 ports): the
     * connections that get a port work, the others are reset at once with a logged reason, none hangs.
     */
    @Test
    void localPortsExhausted_clientsAreResetNotLeftHanging() throws Exception {
        lab.run(director, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=40000 40003");
        Process dir = null;
        try {
            dir = startDirector(84, "--backend", "198.18.2.2:8080", "--source", "198.18.2.1");
            Process holder = lab.java(client, List.of(), NsTool.class, "hold", VIP, "84", "8");
            BufferedReader out = Netns.stdout(holder);
            List<String> results = new ArrayList<>();
            for (String line; !(line = Netns.readLine(holder, out, 60)).equals("done"); ) {
                results.add(line);
            }
            long ok = results.stream().filter(r -> r.startsWith("ok")).count();
            long reset = results.stream().filter(r -> r.equals("reset")).count();
            assertTrue(ok >= 1 && ok <= 4, "at most 4 ports: " + results);
            assertEquals(8 - ok, reset, "the rest are reset, none times out: " + results);
            try (OutputStream in = holder.getOutputStream()) {
                in.write('\n');
            }
            holder.waitFor(10, TimeUnit.SECONDS);
            stop(dir);
            String log = lab.log(dir);
            assertTrue(log.contains("local ports exhausted"), log);
        } finally {
            if (dir != null) {
                dir.destroyForcibly();
            }
            lab.run(director, "sysctl", "-q", "-w", "net.ipv4.ip_local_port_range=32768 60999");
        }
    }

    private static List<String> runClients(int port, int n, String... proxyOptions) throws Exception {
        List<String> opts = new ArrayList<>(List.of("--backend", "198.18.2.2:8080", "--backend", "198.18.3.2:8080",
                "--scheduler", "rr"));
        opts.addAll(List.of(proxyOptions));
        Process dir = startDirector(port, opts.toArray(new String[0]));
        try {
            Process c = lab.java(client, List.of(), NsTool.class, "client", VIP, Integer.toString(port),
                    Integer.toString(n), "262144");
            BufferedReader out = Netns.stdout(c);
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                lines.add(Netns.readLine(c, out, 60));
            }
            assertEquals(0, c.waitFor(), "client exit status");
            return lines;
        } finally {
            stop(dir);
        }
    }

    private static Process startDirector(int port, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("proxy", "--listen", VIP + ":" + port, "--drain-timeout", "0"));
        args.addAll(List.of(options));
        Process dir = lab.java(director, List.of(), Jvs.class, args.toArray(new String[0]));
        String banner = Netns.readLine(dir, Netns.stdout(dir), 30);
        String protocol = List.of(options).contains("--udp") ? "UDP " : "TCP ";
        assertTrue(banner.startsWith("jvs proxy: " + protocol + VIP + ":" + port), banner);
        return dir;
    }

    /** SIGTERM, as an operator would; the proxy exits 0. */
    private static void stop(Process dir) throws InterruptedException {
        dir.destroy();
        assertTrue(dir.waitFor(15, TimeUnit.SECONDS), "jvs proxy did not stop on SIGTERM");
        assertEquals(0, dir.exitValue());
    }

    private static void script(String action) throws IOException {
        File script = new File(System.getProperty("jvs.scripts", "scripts"), "nat-director-setup.sh");
        Netns.Result r = Netns.exec("bash", script.getPath(), action, "--netns", director);
        assertEquals(0, r.code(), r.output());
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (new File(dir, tool).canExecute()) {
                return true;
            }
        }
        return new File("/usr/sbin/" + tool).canExecute() || new File("/sbin/" + tool).canExecute();
    }
}
