package io.jvs.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scale-out spec's namespace harness (scale-out.md section 4) as a reusable fixture: a router namespace with a
 * resilient ECMP next-hop group over N director namespaces (the VIP on each director's loopback), a client
 * namespace with many source addresses, and a back-end LAN (a bridge) joining the directors and the real servers.
 * Every name carries the prefix {@code jvsk} and this JVM's PID; {@link #close()} kills what it started and deletes
 * every namespace (with them their veths and the bridge), and {@link #create} first deletes leftovers of this PID.
 *
 * <pre>
 * client 10.200.0.2 (+ .10 ...) --c0 / r-c-- router --r-dN / e0-- director N 10.200.N.2 (VIP 10.200.100.1 on lo)
 * director N --e1 (10.201.0.N)-- bridge br0 in "lan" --e0-- real server M (10.201.0.(10+M))
 * </pre>
 */
final class EcmpLab implements AutoCloseable {

    static final String VIP = "10.200.100.1";
    private static final Pattern DEV = Pattern.compile("dev r-d(\\d+)");

    final String prefix = "jvsk" + ProcessHandle.current().pid() + "-";
    final int directors;
    final int realServers;
    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private EcmpLab(int directors, int realServers) {
        this.directors = directors;
        this.realServers = realServers;
    }

    /** Why the lab cannot be built here (not root, no iproute2, no namespaces), or null if it can. */
    static String unavailable() {
        String probe = "jvsk" + ProcessHandle.current().pid() + "-probe";
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
     * Builds the lab. {@code clientAddresses} source addresses (10.200.0.10 and up) are added to the client besides
     * 10.200.0.2. On failure everything made so far is deleted.
     */
    static EcmpLab create(int directors, int realServers, int clientAddresses) throws IOException {
        if (directors < 1 || directors > 9 || realServers < 1 || realServers > 9 || clientAddresses < 0
                || clientAddresses > 200) {
            throw new IllegalArgumentException("directors 1-9, realServers 1-9, clientAddresses 0-200");
        }
        EcmpLab lab = new EcmpLab(directors, realServers);
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
    String ns(String name) {
        return prefix + name;
    }

    /** Director {@code i}'s address on the back-end LAN (where its cluster channels bind). */
    static String directorLanAddress(int i) {
        return "10.201.0." + i;
    }

    /** Real server {@code i}'s address on the back-end LAN. */
    static String realServerAddress(int i) {
        return "10.201.0." + (10 + i);
    }

    /** Client source address {@code k} (0: 10.200.0.2, then 10.200.0.10 and up). */
    static String clientAddress(int k) {
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
            ok("ip", "-n", ns(n), "link", "set", "lo", "up");
        }
        ok("ip", "netns", "exec", ns("r"), "sysctl", "-qw", "net.ipv4.ip_forward=1",
                "net.ipv4.fib_multipath_hash_policy=1");
        ok("ip", "link", "add", "c0", "netns", ns("c"), "type", "veth", "peer", "name", "r-c", "netns", ns("r"));
        ok("ip", "-n", ns("c"), "addr", "add", "10.200.0.2/24", "dev", "c0");
        ok("ip", "-n", ns("c"), "link", "set", "c0", "up");
        ok("ip", "-n", ns("c"), "route", "add", "default", "via", "10.200.0.1");
        ok("ip", "-n", ns("r"), "addr", "add", "10.200.0.1/24", "dev", "r-c");
        ok("ip", "-n", ns("r"), "link", "set", "r-c", "up");
        for (int k = 1; k <= clientAddresses; k++) {
            ok("ip", "-n", ns("c"), "addr", "add", clientAddress(k) + "/24", "dev", "c0");
        }
        ok("ip", "-n", ns("lan"), "link", "add", "br0", "type", "bridge");
        ok("ip", "-n", ns("lan"), "link", "set", "br0", "up");
        for (int i = 1; i <= directors; i++) {
            String d = ns("d" + i);
            ok("ip", "link", "add", "e0", "netns", d, "type", "veth", "peer", "name", "r-d" + i, "netns", ns("r"));
            ok("ip", "-n", d, "addr", "add", "10.200." + i + ".2/24", "dev", "e0");
            ok("ip", "-n", d, "link", "set", "e0", "up");
            ok("ip", "-n", ns("r"), "addr", "add", "10.200." + i + ".1/24", "dev", "r-d" + i);
            ok("ip", "-n", ns("r"), "link", "set", "r-d" + i, "up");
            ok("ip", "-n", d, "addr", "add", VIP + "/32", "dev", "lo");
            ok("ip", "-n", d, "route", "add", "default", "via", "10.200." + i + ".1");
            ok("ip", "link", "add", "e1", "netns", d, "type", "veth", "peer", "name", "d" + i, "netns", ns("lan"));
            ok("ip", "-n", ns("lan"), "link", "set", "d" + i, "master", "br0", "up");
            ok("ip", "-n", d, "addr", "add", directorLanAddress(i) + "/24", "dev", "e1");
            ok("ip", "-n", d, "link", "set", "e1", "up");
            ok("ip", "-n", ns("r"), "nexthop", "add", "id", Integer.toString(i), "via", "10.200." + i + ".2", "dev",
                    "r-d" + i);
        }
        for (int j = 1; j <= realServers; j++) {
            String rs = ns("rs" + j);
            ok("ip", "link", "add", "e0", "netns", rs, "type", "veth", "peer", "name", "rs" + j, "netns", ns("lan"));
            ok("ip", "-n", ns("lan"), "link", "set", "rs" + j, "master", "br0", "up");
            ok("ip", "-n", rs, "addr", "add", realServerAddress(j) + "/24", "dev", "e0");
            ok("ip", "-n", rs, "link", "set", "e0", "up");
        }
        ok("ip", "-n", ns("r"), "nexthop", "add", "id", "100", "group", group(all(directors)), "type", "resilient",
                "buckets", "128", "idle_timer", "60");
        ok("ip", "-n", ns("r"), "route", "add", VIP + "/32", "nhid", "100");
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
    int directorOf(String client, int sport) throws IOException {
        Result r = ok("ip", "-n", ns("r"), "route", "get", VIP, "from", client, "iif", "r-c", "ipproto", "tcp",
                "sport", Integer.toString(sport), "dport", "80");
        Matcher m = DEV.matcher(r.output());
        if (!m.find()) {
            throw new IOException("no director in: " + r.output().trim());
        }
        return Integer.parseInt(m.group(1));
    }

    /**
     * Withdraws director {@code i}'s route, as BGP or BFD would when it dies: the resilient group is replaced by
     * one without it (buckets of the others stay where they are).
     */
    void withdraw(List<Integer> remaining) throws IOException {
        ok("ip", "-n", ns("r"), "nexthop", "replace", "id", "100", "group", group(remaining), "type", "resilient",
                "buckets", "128", "idle_timer", "60");
    }

    /** Runs a command inside namespace {@code name} and returns its output; fails unless it exits 0. */
    String run(String name, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns(name)));
        full.addAll(List.of(cmd));
        return ok(full.toArray(new String[0])).output();
    }

    /** Starts {@code main} of the test class path in a JVM inside namespace {@code name}. */
    Process java(String name, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(name),
                System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-Xmx64m",
                "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(p);
        return p;
    }

    /** The namespaces of this lab that exist now. */
    List<String> existing() throws IOException {
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

    record Result(int code, String output) {}

    private static Result ok(String... cmd) throws IOException {
        Result r = exec(cmd);
        if (r.code() != 0) {
            throw new IOException("exit " + r.code() + " from " + String.join(" ", cmd) + ": " + r.output().trim());
        }
        return r;
    }

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
}
