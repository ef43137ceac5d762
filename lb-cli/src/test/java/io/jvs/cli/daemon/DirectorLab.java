package io.jvs.cli.daemon;

import io.jvs.cli.Jvs;
import io.jvs.cli.jvsadm.Jvsadm;
import io.jvs.testing.EcmpLab;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link EcmpLab} with real {@code jvs daemon --cluster} processes as its directors (the launcher's main class, run
 * with {@code ip netns exec ... java}), two {@link LabPeer} real servers and a {@link LabPeer} client, and the
 * operator's tools: jvsadm on each director's admin socket and its {@code /status.json}.
 */
final class DirectorLab implements AutoCloseable {

    static final String VIP = EcmpLab.VIP;
    static final String CLUSTER = "lab";
    private static final Pattern LOST = Pattern.compile("lost (\\d+) messages");
    private static final Pattern RECEIVED = Pattern.compile("received (\\d+) in");
    private static final Pattern REACHABLE = Pattern.compile("cluster " + CLUSTER + ": member \\S+, (\\d+) of");

    final EcmpLab lab;
    private final Path dir;
    private final Process[] directors;
    private Process client;
    /** What every director's command and JVM get besides the cluster's options (the packet data path's). */
    private final List<String> moreArgs = new ArrayList<>();
    private final List<String> moreJvmOptions = new ArrayList<>();
    private BufferedReader clientOut;
    private PrintWriter clientIn;

    DirectorLab(EcmpLab lab, Path dir) {
        this.lab = lab;
        this.dir = dir;
        this.directors = new Process[lab.directors() + 1];
    }

    /** Every director also serves direct routing on {@code iface} ({@code --interface}), from the next start. */
    void packetPath(String iface) {
        moreArgs.addAll(List.of("--interface", iface));
        moreJvmOptions.add("--enable-native-access=ALL-UNNAMED");
    }

    /** Starts the real servers {@code rs1}, {@code rs2} (port 80) and the client. */
    void startPeers(int realServers) throws Exception {
        startPeers(realServers, false);
    }

    /**
     * Starts the real servers {@code rs1}, {@code rs2} (port 80; {@code anyAddress}: on every address, the VIP on
     * their loopback too, as direct routing needs) and the client.
     */
    void startPeers(int realServers, boolean anyAddress) throws Exception {
        for (int j = 1; j <= realServers; j++) {
            Process p = lab.java("rs" + j, LabPeer.class, "server", "rs" + j,
                    anyAddress ? "0.0.0.0" : EcmpLab.realServerAddress(j), "80");
            String line = Lines.readLine(p, 60);
            if (!line.equals("ready")) {
                throw new IOException("rs" + j + ": " + line);
            }
        }
        client = lab.java("c", LabPeer.class, "client");
        clientOut = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
        clientIn = new PrintWriter(client.getOutputStream(), true, StandardCharsets.US_ASCII);
    }

    /** The client's answer to one command ({@link LabPeer}), split at spaces. */
    List<String> client(String command) throws Exception {
        clientIn.println(command);
        return List.of(Lines.readLine(client, clientOut, 120).split(" "));
    }

    /** {@code jvs daemon --cluster} for director {@code i}: the same command at every (re)start. */
    private String[] command(int i) {
        List<String> peers = new ArrayList<>();
        for (int j = 1; j <= lab.directors(); j++) {
            if (j != i) {
                peers.add(EcmpLab.directorLanAddress(j) + ":7800");
            }
        }
        List<String> cmd = new ArrayList<>(List.of("daemon", "--cluster", CLUSTER, "--cluster-bind",
                EcmpLab.directorLanAddress(i) + ":7800", "--cluster-peers", String.join(",", peers), "--cluster-log",
                dir.resolve("raft-d" + i).toString(), "--admin", admin(i), "--http", "127.0.0.1:8080", "--threads",
                "1"));
        cmd.addAll(moreArgs);
        return cmd.toArray(new String[0]);
    }

    String admin(int i) {
        return dir.resolve("d" + i + ".sock").toString();
    }

    /** Starts directors {@code ids} at once and waits (bounded) until each has opened its admin socket. */
    void start(int... ids) throws Exception {
        for (int i : ids) {
            List<String> jvm = new ArrayList<>(List.of("-Xmx128m"));
            jvm.addAll(moreJvmOptions);
            directors[i] = lab.java("d" + i, jvm, Jvs.class.getName(), command(i));
        }
        for (int i : ids) {
            String banner;
            try {
                banner = Lines.readLine(directors[i], 150);
            } catch (Exception e) {
                throw new IOException("d" + i + " did not start: " + e + "\n" + lab.log(directors[i]), e);
            }
            if (!banner.startsWith("jvs daemon: admin socket ")) {
                throw new IOException("d" + i + ": " + banner + "\n" + lab.log(directors[i]));
            }
        }
    }

    /** kill -9 of director {@code i}'s JVM (no goodbye to the cluster), waited for. */
    void kill(int i) throws InterruptedException {
        directors[i].destroyForcibly().waitFor(20, TimeUnit.SECONDS);
    }

    /** {@code [stdout, stderr, status]} of jvsadm on director {@code i}'s admin socket. */
    String[] jvsadm(int i, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("JVS_ADMIN", admin(i));
        int status = Jvsadm.run(List.of(args), env, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            Integer.toString(status)};
    }

    /** jvsadm that must succeed: its standard output. */
    String ok(int i, String... args) {
        String[] r = jvsadm(i, args);
        if (!r[2].equals("0")) {
            throw new AssertionError("jvsadm " + String.join(" ", args) + " on d" + i + " exited " + r[2] + ": " + r[1]);
        }
        return r[0];
    }

    /** Director {@code i}'s {@code /status.json}, fetched inside its namespace. */
    String status(int i) throws IOException {
        return lab.run("d" + i, "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080; printf 'GET /status.json HTTP/1.0"
                + "\\r\\nHost: localhost\\r\\n\\r\\n' >&3; cat <&3");
    }

    /** The members director {@code i} reaches, from its status page. */
    int reachable(int i) throws IOException {
        return number(REACHABLE, status(i), "reachable", i);
    }

    /** Messages director {@code i}'s stream counted as lost. */
    long lost(int i) throws IOException {
        return number(LOST, status(i), "lost", i);
    }

    /** Entries director {@code i}'s stream received from the others. */
    long received(int i) throws IOException {
        return number(RECEIVED, status(i), "received", i);
    }

    private static int number(Pattern p, String status, String what, int i) throws IOException {
        Matcher m = p.matcher(status);
        if (!m.find()) {
            throw new IOException("no '" + what + "' in d" + i + "'s status: " + status);
        }
        return Integer.parseInt(m.group(1));
    }

    /** Waits until {@code condition} holds, polling every 200 ms; false after {@code limit}. */
    static boolean await(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException | AssertionError e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(200);
        }
    }

    /** Director {@code i}'s log so far (standard error of its JVM). */
    String log(int i) {
        return directors[i] == null ? "" : lab.log(directors[i]);
    }

    /** Kills every process and deletes every namespace. */
    @Override
    public void close() {
        lab.close();
    }

    /** The next line a process prints, with a bound. */
    static final class Lines {
        private Lines() {}

        static String readLine(Process p, int seconds) throws Exception {
            return readLine(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII)),
                    seconds);
        }

        static String readLine(Process p, BufferedReader r, int seconds) throws Exception {
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return r.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).get(seconds, TimeUnit.SECONDS);
            if (line == null) {
                throw new IOException("the process ended (alive: " + p.isAlive() + ")");
            }
            return line;
        }
    }
}
