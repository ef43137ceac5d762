package io.jvs.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scale-out spec's namespace harness (scale-out.md section 4) as a reusable fixture: a router namespace with a
 * resilient ECMP next-hop group over N director namespaces (the VIP on each director's loopback), a client
 * namespace with many source addresses, and a back-end LAN (a bridge) joining the directors and the real servers.
 * Every namespace name carries the caller's prefix (each test area has its own) and this JVM's PID;
 * {@link #close()} kills what it started and deletes every namespace (with them their veths and the bridge), and
 * {@link #create} first deletes leftovers of this PID.
 *
 * <pre>
 * client 10.200.0.2 (+ .10 ...) --c0 / r-c-- router --r-dN / e0-- director N 10.200.N.2 (VIP 10.200.100.1 on lo)
 * director N --e1 (10.201.0.N)-- bridge br0 in "lan" --e0-- real server M (10.201.0.(10+M))
 * </pre>
 *
 * <p>Besides the ECMP route, the router has one table per director (table 100 + N: the VIP via director N), so a
 * test can {@linkplain #pin pin} a client source to a director with a policy rule, as the spec's agreement test
 * does.
 */
public final class EcmpLab implements AutoCloseable {

    /** The virtual address on every director's loopback. */
    public static final String VIP = "10.200.100.1";
    private static final Pattern DEV = Pattern.compile("dev r-d(\\d+)");
    private static final int RULE_PRIORITY = 1000;

    private final String prefix;
    private final int directors;
    private final int realServers;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final Map<Process, File> logs = new HashMap<>();
    private final File logDir;
    /** Pinned client sources: address to director. */
    private final Map<String, Integer> pinned = new LinkedHashMap<>();

    private EcmpLab(String tag, int directors, int realServers) {
        this.prefix = tag + ProcessHandle.current().pid() + "-";
        this.directors = directors;
        this.realServers = realServers;
        this.logDir = new File(System.getProperty("jvs.logs", "target/child-logs"), prefix + "lab");
    }

    /**
     * Why the lab cannot be built here (not root, no iproute2, no namespaces), or null if it can: probes by creating
     * and deleting one namespace named with {@code tag}.
     */
    public static String unavailable(String tag) {
        String probe = tag + ProcessHandle.current().pid() + "-probe";
        try {
            Result r = exec("ip", "netns", "add", probe);
            if (r.code() != 0) {
                return "'ip netns add' failed (" + r.output().trim() + "): the lab needs root and iproute2";
            }
            exec("ip", "netns", "del", probe);
            return null;
        } catch (IOException e) {
            return "cannot run 'ip' (" + e.getMessage() + "): the lab needs iproute2";
        }
    }

    /**
     * Builds the lab; every name starts with {@code tag} (the test area's prefix) and this JVM's PID.
     * {@code clientAddresses} source addresses (10.200.0.10 and up) are added to the client besides 10.200.0.2. On
     * failure everything made so far is deleted.
     *
     * @throws IllegalArgumentException unless 1-9 directors, 1-9 real servers, 0-200 client addresses
     */
    public static EcmpLab create(String tag, int directors, int realServers, int clientAddresses)
            throws IOException {
        if (directors < 1 || directors > 9 || realServers < 1 || realServers > 9 || clientAddresses < 0
                || clientAddresses > 200) {
            throw new IllegalArgumentException("directors 1-9, realServers 1-9, clientAddresses 0-200");
        }
        EcmpLab lab = new EcmpLab(tag, directors, realServers);
        lab.deleteLeftovers();
        try {
            lab.build(clientAddresses);
            return lab;
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    /** The namespace called {@code name} ({@code r}, {@code c}, {@code lan}, {@code d1}.., {@code rs1}..). */
    public String ns(String name) {
        return prefix + name;
    }

    /** How many directors the lab has. */
    public int directors() {
        return directors;
    }

    /** Director {@code i}'s address on the back-end LAN (where its cluster channels bind). */
    public static String directorLanAddress(int i) {
        return "10.201.0." + i;
    }

    /** Real server {@code i}'s address on the back-end LAN. */
    public static String realServerAddress(int i) {
        return "10.201.0." + (10 + i);
    }

    /** Client source address {@code k} (0: 10.200.0.2, then 10.200.0.10 and up). */
    public static String clientAddress(int k) {
        return k == 0 ? "10.200.0.2" : "10.200.0." + (9 + k);
    }

    private void build(int clientAddresses) throws IOException {
        List<String> all = new ArrayList<>(List.of("r", "c", "lan"));
        for (int i = 1; i <= directors; i++) {
            all.add("d" + i);
        }
        for (int j = 1; j <= realServers; j++) {
            all.add("rs" + j);
        }
        for (String n : all) {
            ok("ip", "netns", "add", ns(n));
            namespaces.add(ns(n));
        }
        List<String> host = new ArrayList<>();
        for (String n : all) {
            ok("ip", "-n", ns(n), "link", "set", "lo", "up");
        }
        ok("ip", "netns", "exec", ns("r"), "sysctl", "-qw", "net.ipv4.ip_forward=1",
                "net.ipv4.fib_multipath_hash_policy=1");
        host.add("link add c0 netns " + ns("c") + " type veth peer name r-c netns " + ns("r"));
        host.add("link add br0 netns " + ns("lan") + " type bridge");
        for (int i = 1; i <= directors; i++) {
            host.add("link add e0 netns " + ns("d" + i) + " type veth peer name r-d" + i + " netns " + ns("r"));
            host.add("link add e1 netns " + ns("d" + i) + " type veth peer name d" + i + " netns " + ns("lan"));
        }
        for (int j = 1; j <= realServers; j++) {
            host.add("link add e0 netns " + ns("rs" + j) + " type veth peer name rs" + j + " netns " + ns("lan"));
        }
        batch(null, host);
        List<String> c = new ArrayList<>(List.of("addr add 10.200.0.2/24 dev c0", "link set c0 up"));
        for (int k = 1; k <= clientAddresses; k++) {
            c.add("addr add " + clientAddress(k) + "/24 dev c0");
        }
        c.add("route add default via 10.200.0.1");
        batch("c", c);
        List<String> r = new ArrayList<>(List.of("addr add 10.200.0.1/24 dev r-c", "link set r-c up"));
        List<String> lan = new ArrayList<>(List.of("link set br0 up"));
        for (int i = 1; i <= directors; i++) {
            batch("d" + i, List.of("addr add 10.200." + i + ".2/24 dev e0", "link set e0 up",
                    "addr add " + VIP + "/32 dev lo", "route add default via 10.200." + i + ".1",
                    "addr add " + directorLanAddress(i) + "/24 dev e1", "link set e1 up"));
            r.add("addr add 10.200." + i + ".1/24 dev r-d" + i);
            r.add("link set r-d" + i + " up");
            r.add("nexthop add id " + i + " via 10.200." + i + ".2 dev r-d" + i);
            r.add("route add " + VIP + "/32 via 10.200." + i + ".2 dev r-d" + i + " table " + (100 + i));
            lan.add("link set d" + i + " master br0 up");
        }
        for (int j = 1; j <= realServers; j++) {
            batch("rs" + j, List.of("addr add " + realServerAddress(j) + "/24 dev e0", "link set e0 up"));
            lan.add("link set rs" + j + " master br0 up");
        }
        r.add("nexthop add id 100 group " + group(all(directors)) + " type resilient buckets 128 idle_timer 60");
        r.add("route add " + VIP + "/32 nhid 100");
        batch("r", r);
        batch("lan", lan);
    }

    private static List<Integer> all(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            l.add(i);
        }
        return l;
    }

    private static String group(List<Integer> members) {
        StringJoiner j = new StringJoiner("/");
        members.forEach(m -> j.add(Integer.toString(m)));
        return j.toString();
    }

    /** Which director the router sends a TCP flow from {@code client}:{@code sport} to the VIP's port 80 to. */
    public int directorOf(String client, int sport) throws IOException {
        Result r = ok("ip", "-n", ns("r"), "route", "get", VIP, "from", client, "iif", "r-c", "ipproto", "tcp",
                "sport", Integer.toString(sport), "dport", "80");
        Matcher m = DEV.matcher(r.output());
        if (!m.find()) {
            throw new IOException("no director in: " + r.output().trim());
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * Withdraws directors from the resilient group, as BGP or BFD would when one dies: the group is replaced by one
     * of {@code remaining} (buckets of the others stay where they are). Also puts a director back in.
     */
    public void withdraw(List<Integer> remaining) throws IOException {
        ok("ip", "-n", ns("r"), "nexthop", "replace", "id", "100", "group", group(remaining), "type", "resilient",
                "buckets", "128", "idle_timer", "60");
    }

    /**
     * Sends every flow from each client source in {@code sources} to the director it maps to, whatever the ECMP
     * group says (a policy rule on the router per source, replacing an earlier pin).
     */
    public void pin(Map<String, Integer> sources) throws IOException {
        List<String> cmds = new ArrayList<>();
        for (Map.Entry<String, Integer> e : sources.entrySet()) {
            int d = e.getValue();
            if (d < 1 || d > directors) {
                throw new IllegalArgumentException("director: " + d + " (expected: 1-" + directors + ")");
            }
            if (pinned.containsKey(e.getKey())) {
                cmds.add(rule("del", e.getKey(), pinned.get(e.getKey())));
            }
            cmds.add(rule("add", e.getKey(), d));
        }
        batch("r", cmds);
        pinned.putAll(sources);
    }

    /** Removes every pin: flows follow the ECMP group again. */
    public void unpin() throws IOException {
        List<String> cmds = new ArrayList<>();
        pinned.forEach((s, d) -> cmds.add(rule("del", s, d)));
        batch("r", cmds);
        pinned.clear();
    }

    private String rule(String op, String source, int director) {
        return "rule " + op + " from " + source + " iif r-c lookup " + (100 + director) + " pref "
                + (RULE_PRIORITY + director);
    }

    /** Takes director {@code i}'s back-end LAN link down (a partition) or up again. */
    public void lanLink(int i, boolean up) throws IOException {
        ok("ip", "-n", ns("d" + i), "link", "set", "e1", up ? "up" : "down");
    }

    /** Runs a command inside namespace {@code name} and returns its output; fails unless it exits 0. */
    public String run(String name, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(name)));
        full.addAll(List.of(cmd));
        return ok(full.toArray(new String[0])).output();
    }

    /**
     * Runs {@code ip} commands (without the leading {@code ip}) in one {@code ip -batch} inside namespace
     * {@code name} ({@code null}: this JVM's); fails at the first that fails.
     */
    public void batch(String name, List<String> commands) throws IOException {
        if (commands.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("ip"));
        if (name != null) {
            cmd.addAll(List.of("-n", ns(name)));
        }
        cmd.addAll(List.of("-batch", "-"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((String.join("\n", commands) + "\n").getBytes(StandardCharsets.US_ASCII));
        }
        Result r = finish(p, cmd);
        if (r.code() != 0) {
            throw new IOException("exit " + r.code() + " from ip -batch in " + name + ": " + r.output().trim());
        }
    }

    /** Starts {@code main} of the test class path in a small JVM inside namespace {@code name}. */
    public Process java(String name, Class<?> main, String... args) throws IOException {
        return java(name, List.of(), main.getName(), args);
    }

    /**
     * Starts {@code mainClass} of this JVM's class path in a JVM inside namespace {@code name}, with
     * {@code jvmOptions} after the lab's ({@code -Xmx64m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}); its standard
     * error goes to a log file ({@link #log}).
     */
    public Process java(String name, List<String> jvmOptions, String mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(name),
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-Xmx64m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        logDir.mkdirs();
        File log = new File(logDir, name + "-" + mainClass.substring(mainClass.lastIndexOf('.') + 1) + "-"
                + processes.size() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log).start();
        processes.add(p);
        logs.put(p, log);
        return p;
    }

    /** What a process started by {@link #java} wrote to standard error so far. */
    public String log(Process p) {
        File f = logs.get(p);
        try {
            return f == null ? "" : Files.readString(f.toPath(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + f + ": " + e + ")";
        }
    }

    /** The namespaces of this lab that exist now. */
    public List<String> existing() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : exec("ip", "netns", "list").output().split("\n")) {
            String name = line.split(" ")[0].trim();
            if (name.startsWith(prefix)) {
                out.add(name);
            }
        }
        return out;
    }

    private void deleteLeftovers() throws IOException {
        for (String n : existing()) {
            exec("ip", "netns", "del", n);
        }
    }

    /** Kills every process started here, then deletes every namespace. Idempotent. */
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
        for (String n : namespaces) {
            try {
                exec("ip", "netns", "del", n);
            } catch (IOException e) {
                System.err.println("cannot delete network namespace " + n + ": " + e);
            }
        }
        namespaces.clear();
    }

    /** A command's exit status and output (standard output and error). */
    public record Result(int code, String output) {}

    private static Result ok(String... cmd) throws IOException {
        Result r = exec(cmd);
        if (r.code() != 0) {
            throw new IOException("exit " + r.code() + " from " + String.join(" ", cmd) + ": " + r.output().trim());
        }
        return r;
    }

    /** Runs {@code cmd} to completion (30 s at most). */
    public static Result exec(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        return finish(p, List.of(cmd));
    }

    private static Result finish(Process p, List<String> cmd) throws IOException {
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
}
