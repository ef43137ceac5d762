package io.jvs.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A small lab of network namespaces for tests: creates them with names that carry the test JVM's PID, runs
 * commands and JVMs inside them, and deletes everything it made.
 */
public final class Netns implements AutoCloseable {

    private final List<String> namespaces = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    /** Every name made here starts with jvsc, the prefix of the command tests. */
    final String tag = "jvsc" + ProcessHandle.current().pid();
    private final java.util.Map<Process, File> logs = new java.util.HashMap<>();
    private final File logDir = new File(System.getProperty("jvs.logs", "target/child-logs"), tag);

    /**
     * Why namespaces cannot be made here (not root, no {@code ip}, ...), or null if they can: probes by creating
     * and deleting one.
     */
    static String unavailable() {
        String probe = "jvscprobe" + ProcessHandle.current().pid();
        try {
            Result r = exec("ip", "netns", "add", probe);
            if (r.code != 0) {
                return "'ip netns add' failed (" + r.output.trim() + "); the test needs root and iproute2";
            }
            exec("ip", "netns", "del", probe);
            return null;
        } catch (IOException e) {
            return "cannot run 'ip' (" + e.getMessage() + "); the test needs iproute2";
        }
    }

    /** Creates namespace {@code tag + suffix} with its loopback up; returns its name. */
    String add(String suffix) throws IOException {
        String name = tag + suffix;
        check(exec("ip", "netns", "add", name));
        namespaces.add(name);
        check(exec("ip", "-n", name, "link", "set", "lo", "up"));
        return name;
    }

    /**
     * Joins {@code a} and {@code b} with a veth pair and gives each end its address (CIDR notation); interface
     * names are made from {@code id}.
     */
    void link(String a, String aCidr, String b, String bCidr, String id) throws IOException {
        String ifa = "jc" + tag.substring(4) + id + "a"; // at most 15 characters: jc, a PID of up to 7 digits, id
        String ifb = "jc" + tag.substring(4) + id + "b";
        check(exec("ip", "link", "add", ifa, "netns", a, "type", "veth", "peer", "name", ifb, "netns", b));
        check(exec("ip", "-n", a, "addr", "add", aCidr, "dev", ifa));
        check(exec("ip", "-n", b, "addr", "add", bCidr, "dev", ifb));
        check(exec("ip", "-n", a, "link", "set", ifa, "up"));
        check(exec("ip", "-n", b, "link", "set", ifb, "up"));
    }

    /** Runs {@code cmd} inside {@code ns} and fails unless it exits 0. */
    void run(String ns, String... cmd) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(cmd));
        check(exec(full.toArray(new String[0])));
    }

    /** Starts {@code main} of the test class path in a JVM inside {@code ns} ({@code null}: this namespace). */
    public Process java(String ns, List<String> jvmOptions, Class<?> main, String... args) throws IOException {
        return java(ns, List.of(), jvmOptions, main, args);
    }

    /**
     * Starts {@code main} as {@link #java(String, List, Class, String...)} does, through {@code wrapper} (a command
     * that executes the rest of its arguments, such as {@code nohup}).
     */
    public Process java(String ns, List<String> wrapper, List<String> jvmOptions, Class<?> main, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        if (ns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", ns));
        }
        cmd.addAll(wrapper);
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-Xmx96m");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Dio.netty.machineId=02:00:00:00:00:01");
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        logDir.mkdirs();
        File log = new File(logDir, main.getSimpleName() + "-" + (ns == null ? "host" : ns) + "-" + processes.size()
                + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log).start();
        processes.add(p);
        logs.put(p, log);
        return p;
    }

    /** What {@code p} wrote to stderr so far (its log). */
    public String log(Process p) throws IOException {
        return java.nio.file.Files.readString(logs.get(p).toPath(), StandardCharsets.UTF_8);
    }

    /** The next line {@code p} prints on stdout, within {@code seconds}. */
    public static String readLine(Process p, BufferedReader r, int seconds) throws Exception {
        String line = CompletableFuture.supplyAsync(() -> {
            try {
                return r.readLine();
            } catch (IOException e) {
                return null;
            }
        }).get(seconds, TimeUnit.SECONDS);
        if (line == null) {
            throw new IOException("the process ended (exited: " + p.waitFor(2, TimeUnit.SECONDS) + "); see its log");
        }
        return line;
    }

    public static BufferedReader stdout(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
    }

    /** Kills every process started here and deletes every namespace (and with them their veth pairs). */
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
        for (String ns : namespaces) {
            try {
                exec("ip", "netns", "del", ns);
            } catch (IOException e) {
                System.err.println("cannot delete network namespace " + ns + ": " + e);
            }
        }
        namespaces.clear();
    }

    /** A command's exit status and output. */
    public record Result(int code, String output) {}

    /** Runs {@code cmd} to completion (30 s at most). */
    public static Result exec(String... cmd) throws IOException {
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

    private static void check(Result r) throws IOException {
        if (r.code != 0) {
            throw new IOException("exit " + r.code + ": " + r.output.trim());
        }
    }
}
