package io.jvs.packet.netns;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The namespace topology of the packet path tests (spec packet-path.md section 5): a client, a director and two
 * real servers, each with an {@code eth0} veth whose peer sits on one bridge in a fifth namespace. Names start with
 * {@code jvsp} and carry the test JVM's PID; {@link #close()} kills every process started here and deletes every
 * namespace (with them the veths and the bridge), also after a failure.
 *
 * <pre>
 *   client 10.99.0.1   director 10.99.0.2   r1 10.99.0.11   r2 10.99.0.12      VIP 10.99.0.100
 *        \________________ bridge br0 (namespace lan) ________________/
 * </pre>
 */
final class PacketLab implements AutoCloseable {

    static final String VIP = "10.99.0.100";
    static final String CLIENT = "10.99.0.1";
    static final String DIRECTOR = "10.99.0.2";
    static final String R1 = "10.99.0.11";
    static final String R2 = "10.99.0.12";
    static final String VIP6 = "fd99::100";
    static final String CLIENT6 = "fd99::1";
    static final String R1_6 = "fd99::11";
    static final String R2_6 = "fd99::12";

    final String prefix;
    final String lan;
    final String client;
    final String director;
    final String r1;
    final String r2;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final File logDir;

    /** Why the lab cannot be made here, or null: root, iproute2, ethtool and nftables are needed. */
    static String unavailable() {
        String probe = "jvspprobe" + ProcessHandle.current().pid();
        try {
            Result r = exec("ip", "netns", "add", probe);
            if (r.code != 0) {
                return "'ip netns add' failed (" + r.output.trim() + "); the test needs root and iproute2";
            }
            exec("ip", "netns", "del", probe);
        } catch (IOException e) {
            return "cannot run 'ip' (" + e.getMessage() + "); the test needs iproute2";
        }
        for (String tool : List.of("ethtool", "nft", "curl")) {
            try {
                exec(tool, "--version");
            } catch (IOException e) {
                return tool + " is not installed (apt-get install ethtool nftables curl)";
            }
        }
        return null;
    }

    /** Skips the calling test class (a JUnit assumption) where the lab or the packet data path cannot be had. */
    static void assumeAvailable() {
        String why = unavailable();
        org.junit.jupiter.api.Assumptions.assumeTrue(why == null, () -> "packet path namespace test skipped: " + why);
        String support = io.jvs.packet.PacketSupport.unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(support == null,
                () -> "packet path namespace test skipped: " + support);
    }

    /** Starts a {@link NameServer} on port 80 of each real server (it answers its name and the client's address). */
    void startWebServers() throws Exception {
        for (String[] r : new String[][] {{r1, "r1"}, {r2, "r2"}}) {
            Process p = java(r[0], NameServer.class, r[1], "80");
            String ready = readLine(p, stdout(p), 30);
            if (!ready.equals("ready")) {
                throw new IOException("the web server of " + r[1] + " said " + ready + "\n" + logs());
            }
        }
    }

    /**
     * Starts a {@link Decapsulator} ({@code args}: {@code ipip} or {@code gue PORT}) writing into TUN device {@code tun}
     * on each real server, with the device up and rp_filter relaxed (the kernel takes max(all, device): strict
     * filtering would drop clients routed via eth0).
     */
    List<Process> decapsulators(String tun, String... args) throws Exception {
        String[] full = new String[args.length + 1];
        full[0] = args[0];
        full[1] = tun;
        System.arraycopy(args, 1, full, 2, args.length - 1);
        List<Process> started = List.of(java(r1, Decapsulator.class, full), java(r2, Decapsulator.class, full));
        for (Process p : started) {
            String ready = readLine(p, stdout(p), 30);
            if (!ready.equals("ready")) {
                throw new IOException("a decapsulator said " + ready + "\n" + logs());
            }
        }
        for (String r : List.of(r1, r2)) {
            run(r, "ip", "link", "set", tun, "up");
            run(r, "sysctl", "-qw", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf." + tun + ".rp_filter=0");
        }
        return started;
    }

    /** Kills {@code processes} and waits for them (10 s each at most). */
    static void stopAll(List<Process> processes) throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Builds the topology with names starting {@code jvsp} (phase 1's tests). */
    PacketLab() throws IOException {
        this("jvsp");
    }

    /**
     * Builds the topology, names starting with {@code tag} and the JVM's PID; real servers get the VIP on lo with
     * arp_ignore=1, arp_announce=2 (lvs_rs.sh).
     */
    PacketLab(String tag) throws IOException {
        prefix = tag + ProcessHandle.current().pid();
        lan = prefix + "lan";
        client = prefix + "c";
        director = prefix + "d";
        r1 = prefix + "r1";
        r2 = prefix + "r2";
        logDir = new File("target/netns-logs", prefix);
        try {
            add(lan);
            run(lan, "ip", "link", "add", "br0", "type", "bridge");
            run(lan, "ip", "link", "set", "br0", "up");
            String[][] hosts = {{client, CLIENT, "c", CLIENT6}, {director, DIRECTOR, "d", "fd99::2"},
                {r1, R1, "r1", R1_6}, {r2, R2, "r2", R2_6}};
            for (String[] h : hosts) {
                add(h[0]);
                run(h[0], "ip", "link", "add", "eth0", "type", "veth", "peer", "name", "p" + h[2], "netns", lan);
                run(lan, "ip", "link", "set", "p" + h[2], "master", "br0", "up");
                run(h[0], "ip", "addr", "add", h[1] + "/24", "dev", "eth0");
                run(h[0], "ip", "addr", "add", h[3] + "/64", "dev", "eth0", "nodad");
                run(h[0], "ip", "link", "set", "eth0", "up");
            }
            // Senders: no TSO/GSO super-frames (spec 4.4); TX checksum offload stays on at the client so the
            // director sees partial checksums and must complete them.
            run(client, "ethtool", "-K", "eth0", "tso", "off", "gso", "off");
            run(director, "ethtool", "-K", "eth0", "gro", "off");
            for (String r : List.of(r1, r2)) {
                run(r, "ip", "addr", "add", VIP + "/32", "dev", "lo");
                run(r, "ip", "addr", "add", VIP6 + "/128", "dev", "lo");
                run(r, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                        "net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2");
                run(r, "ethtool", "-K", "eth0", "tso", "off", "gso", "off");
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void add(String name) throws IOException {
        check(exec("ip", "netns", "add", name), "ip netns add " + name);
        namespaces.add(name);
        run(name, "ip", "link", "set", "lo", "up");
    }

    /** Runs {@code cmd} in {@code ns}; fails unless it exits 0. Returns its output. */
    String run(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        Result r = exec(full.toArray(new String[0]));
        check(r, String.join(" ", cmd) + " in " + ns);
        return r.output;
    }

    /** Runs {@code cmd} in {@code ns} and returns its result whatever the exit code. */
    Result tryRun(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        return exec(full.toArray(new String[0]));
    }

    /** Starts {@code main} of the test class path in a JVM inside {@code ns}; stderr goes to a log file. */
    Process java(String ns, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.addAll(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1", "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        logDir.mkdirs();
        File log = new File(logDir, main.getSimpleName() + "-" + ns + "-" + processes.size() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log).start();
        processes.add(p);
        return p;
    }

    /** What the processes of this lab wrote to stderr, for failure messages. */
    String logs() {
        StringBuilder sb = new StringBuilder();
        File[] files = logDir.listFiles();
        if (files != null) {
            for (File f : files) {
                try {
                    sb.append("--- ").append(f.getName()).append('\n').append(Files.readString(f.toPath()));
                } catch (IOException e) {
                    sb.append("(unreadable: ").append(e).append(")\n");
                }
            }
        }
        return sb.toString();
    }

    /** The next line {@code p} prints, within {@code seconds}; fails when it ends first. */
    static String readLine(Process p, BufferedReader r, int seconds) throws Exception {
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(seconds, TimeUnit.SECONDS);
        if (line == null) {
            throw new IOException("the process ended (exited: " + p.waitFor(2, TimeUnit.SECONDS) + ")");
        }
        return line;
    }

    static BufferedReader stdout(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** One HTTP GET from the client with curl, from {@code localPort}: the body, or "fail ..." */
    String get(int localPort) throws IOException {
        return get(VIP, localPort);
    }

    /** One HTTP GET to {@code vip} (IPv4 or IPv6) from the client's {@code localPort}. */
    String get(String vip, int localPort) throws IOException {
        String host = vip.contains(":") ? "[" + vip + "]" : vip;
        Result r = tryRun(client, "curl", "-s", "-g", "--max-time", "5", "--local-port", Integer.toString(localPort),
                "http://" + host + "/");
        return r.code == 0 ? r.output.trim() : "fail curl exit " + r.code + " " + r.output.trim();
    }

    /**
     * One HTTP POST of {@code bytes} bytes from the client with curl (DF set, as Linux sends TCP): the body, or
     * "fail ...".
     */
    String post(int localPort, int bytes) throws IOException {
        File body = new File(logDir, "body-" + bytes);
        logDir.mkdirs();
        Files.write(body.toPath(), new byte[bytes]);
        Result r = tryRun(client, "curl", "-s", "--max-time", "10", "--local-port", Integer.toString(localPort),
                "--data-binary", "@" + body.getAbsolutePath(), "http://" + VIP + "/");
        return r.code == 0 ? r.output.trim() : "fail curl exit " + r.code + " " + r.output.trim();
    }

    /** Kills every process started here and deletes every namespace; idempotent. */
    @Override
    public void close() {
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
        processes.clear();
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            try {
                exec("ip", "netns", "del", namespaces.get(i));
            } catch (IOException e) {
                System.err.println("cannot delete network namespace " + namespaces.get(i) + ": " + e);
            }
        }
        namespaces.clear();
    }

    record Result(int code, String output) {}

    static Result exec(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", cmd), e);
        }
    }

    private static void check(Result r, String what) throws IOException {
        if (r.code != 0) {
            throw new IOException(what + ": exit " + r.code + ": " + r.output.trim());
        }
    }
}
