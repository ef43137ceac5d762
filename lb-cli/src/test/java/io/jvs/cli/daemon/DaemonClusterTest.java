package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.cli.jvsadm.Jvsadm;
import io.jvs.testing.Ports;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three {@code jvs daemon --cluster} members in this JVM on loopback, driven by jvsadm through their admin sockets:
 * changes made on different members give one table ({@code -S -n} identical everywhere), each member lists both sync
 * roles, two of three still commit, and one alone refuses with the cluster's message.
 */
class DaemonClusterTest {

    @TempDir
    Path dir;

    /** {@code [stdout, stderr, status]} of a jvsadm command against {@code admin}. */
    private static String[] jvsadm(String admin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("JVS_ADMIN", admin);
        int status = Jvsadm.run(List.of(args), env, new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
            Integer.toString(status)};
    }

    private static int portPair() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int p = Ports.tcp();
            try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
                return p;
            } catch (IOException e) {
                // another
            }
        }
        throw new IOException("no free pair of ports");
    }

    @Test
    void parse_clusterOptionsAreCheckedTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DaemonCommand.parse(new String[] {"--cluster", "web"}));
        assertEquals("--cluster: needs --cluster-bind IP:PORT and --cluster-peers IP:PORT,...", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> DaemonCommand.parse(new String[] {"--cluster-bind", "127.0.0.1:7800"}));
        assertTrue(e.getMessage().startsWith("--cluster-bind, --cluster-peers and --cluster-log: only with"));
        e = assertThrows(IllegalArgumentException.class, () -> DaemonCommand.parse(new String[] {"--cluster", "web",
            "--cluster-bind", "127.0.0.1:7800", "--cluster-peers", "127.0.0.1:7810", "--sync-daemon", "all"}));
        assertEquals("--sync-daemon: all (expected: both, master, backup or none)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DaemonCommand.parse(new String[] {"--cluster", "web",
            "--cluster-bind", "127.0.0.1:7800", "--cluster-peers", "127.0.0.1:7810", "--rules", "x"}));
        assertTrue(e.getMessage().startsWith("--cluster: the table comes from the cluster, so --rules is not taken "
                + "with it (a restore at every member's start would add the services again)"), e.getMessage());
        DaemonCommand.Options o = DaemonCommand.parse(new String[] {"--cluster", "web", "--cluster-bind",
            "127.0.0.1:7800", "--cluster-peers", "127.0.0.1:7810", "--config", "keepalived.conf"});
        assertEquals(Path.of("keepalived.conf"), o.config, "--config is taken with --cluster");
    }

    @Test
    void threeMembersOneTable_jvsadmOnAny_twoOfThreeCommit_oneAloneRefuses() throws Exception {
        List<String> binds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            binds.add("127.0.0.1:" + portPair());
        }
        List<CompletableFuture<Daemon>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> peers = new ArrayList<>(binds);
            peers.remove(i);
            String[] args = {"--cluster", "web", "--cluster-bind", binds.get(i), "--cluster-peers",
                String.join(",", peers), "--admin", dir.resolve("admin" + i + ".sock").toString(), "--threads", "1"};
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    DaemonCommand.Options o = DaemonCommand.parse(args);
                    o.sharePorts = true; // three members' listeners on one VIP in one JVM
                    return Daemon.start(o);
                } catch (Daemon.StartException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }));
        }
        List<Daemon> d = new ArrayList<>();
        try {
            for (CompletableFuture<Daemon> f : starting) {
                d.add(f.get(90, TimeUnit.SECONDS));
            }
            String[] admin = new String[3];
            for (int i = 0; i < 3; i++) {
                admin[i] = d.get(i).admin().address();
            }
            String vip = "127.0.0.1:" + Ports.tcp();
            String[] r = jvsadm(admin[0], "-A", "-t", vip, "-s", "mh");
            assertEquals("0", r[2], r[1]);
            assertEquals("-A -t " + vip + " -s mh\n", jvsadm(admin[1], "-S", "-n")[0]);
            r = jvsadm(admin[1], "-a", "-t", vip, "-r", "127.0.0.2:8080", "-m");
            assertEquals("0", r[2], r[1]);
            r = jvsadm(admin[2], "-a", "-t", vip, "-r", "127.0.0.3:8080", "-m", "-w", "3");
            assertEquals("0", r[2], r[1]);
            String table = jvsadm(admin[0], "-S", "-n")[0];
            assertTrue(table.contains("-a -t " + vip + " -r 127.0.0.3:8080 -m -w 3"), table);
            assertEquals(table, jvsadm(admin[1], "-S", "-n")[0], "the next command on another member sees it");
            assertEquals(table, jvsadm(admin[2], "-S", "-n")[0]);
            String daemons = jvsadm(admin[2], "-L", "--daemon")[0];
            assertTrue(daemons.startsWith("master sync daemon (mcast=lo, syncid=0, maxlen=1472, group=224.0.0.81, "
                    + "port=8848, ttl=1)\nbackup sync daemon (mcast=lo, syncid=0, maxlen="), daemons);
            assertTrue(ClusterPart.lines(d.get(1).cluster()).get(1).contains("ready"),
                    ClusterPart.lines(d.get(1).cluster()).toString());

            d.get(1).close();
            r = jvsadm(admin[2], "-e", "-t", vip, "-r", "127.0.0.3:8080", "-m", "-w", "5");
            assertEquals("0", r[2], "two of three commit: " + r[1]);
            assertTrue(jvsadm(admin[0], "-S", "-n")[0].contains("-r 127.0.0.3:8080 -m -w 5"));
            d.get(2).close();
            r = jvsadm(admin[0], "-d", "-t", vip, "-r", "127.0.0.3:8080");
            assertEquals("255", r[2]);
            assertTrue(r[1].contains("no quorum in cluster web: 1 of 3 members reachable"), r[1]);
            assertTrue(d.get(0).cluster().status().faults().isEmpty());
            assertEquals(1, d.get(0).loadBalancer().services().size(), "the data path keeps its table");
        } finally {
            for (Daemon x : d) {
                x.close();
            }
            for (CompletableFuture<Daemon> f : starting) {
                f.thenAccept(Daemon::close);
            }
        }
    }

    /** Starts three members in this JVM, each with {@code extra} arguments; their admin sockets in {@link #dir}. */
    private List<Daemon> startThree(String... extra) throws Exception {
        List<String> binds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            binds.add("127.0.0.1:" + portPair());
        }
        List<CompletableFuture<Daemon>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            List<String> peers = new ArrayList<>(binds);
            peers.remove(i);
            List<String> args = new ArrayList<>(List.of("--cluster", "web", "--cluster-bind", binds.get(i),
                    "--cluster-peers", String.join(",", peers), "--admin", dir.resolve("k" + i + ".sock").toString(),
                    "--threads", "1"));
            args.addAll(List.of(extra));
            starting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    DaemonCommand.Options o = DaemonCommand.parse(args.toArray(new String[0]));
                    o.sharePorts = true;
                    return Daemon.start(o);
                } catch (Daemon.StartException e) {
                    throw new IllegalStateException(e.getMessage(), e);
                }
            }));
        }
        List<Daemon> d = new ArrayList<>();
        try {
            for (CompletableFuture<Daemon> f : starting) {
                d.add(f.get(90, TimeUnit.SECONDS));
            }
            return d;
        } catch (Exception e) {
            d.forEach(Daemon::close);
            starting.forEach(f -> f.thenAccept(Daemon::close));
            throw e;
        }
    }

    private static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + patience().toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Whether every running member's {@code -S -n} has (or lacks) {@code server}. */
    private static boolean everywhere(List<Daemon> d, String server, boolean present) {
        for (Daemon x : d) {
            String[] r = jvsadm(x.admin().address(), "-S", "-n");
            if (!r[2].equals("0") || r[0].contains(" -r " + server + " ") != present) {
                return false;
            }
        }
        return true;
    }

    /**
     * One keepalived.conf on three members: a real server that stops answering is taken out once (one committed
     * change), on every member; back, it is put back everywhere. A server the table has although the checks see it
     * down (added by hand with jvsadm) is taken out by the new leader's checker when the leader changes.
     */
    @Test
    void keepalivedConfOnACluster_leaderVerdictsEverywhere_newLeaderTakesOutWhatItSeesDown() throws Exception {
        EchoServer rs1 = new EchoServer();
        EchoServer rs2 = new EchoServer();
        int vport = Ports.tcp();
        Path conf = dir.resolve("keepalived.conf");
        java.nio.file.Files.writeString(conf, StatusClient.config(vport, new int[] {rs1.port(), rs2.port()},
                new int[] {1, 1}));
        List<Daemon> d = startThree("--config", conf.toString());
        try {
            String rs2Address = rs2.hostPort();
            assertTrue(await(() -> everywhere(d, rs1.hostPort(), true) && everywhere(d, rs2Address, true)),
                    "every member serves the file's two servers: " + jvsadm(d.get(0).admin().address(), "-S", "-n")[0]);
            long before = d.get(0).cluster().configEpoch();
            int rs2Port = rs2.port();
            rs2.close();
            assertTrue(await(() -> everywhere(d, rs2Address, false)), "rs2 stopped answering: taken out on every "
                    + "member: " + jvsadm(d.get(1).admin().address(), "-S", "-n")[0]);
            assertTrue(everywhere(d, rs1.hostPort(), true), "rs1 stays");
            Thread.sleep(1000); // the other members' checkers saw it down too: nothing more may be committed
            for (Daemon x : d) {
                assertEquals(before + 1, x.cluster().configEpoch(), "taken out once (one committed change) on "
                        + x.cluster().status().self());
            }
            rs2 = new EchoServer(rs2Port);
            assertTrue(await(() -> everywhere(d, rs2Address, true)), "rs2 answers again: back on every member");
            Thread.sleep(1000);
            for (Daemon x : d) {
                assertEquals(before + 2, x.cluster().configEpoch(), "put back once on " + x.cluster().status().self());
            }

            rs2.close();
            assertTrue(await(() -> everywhere(d, rs2Address, false)), "rs2 down again: taken out everywhere");
            int leader = -1;
            for (int i = 0; i < 3; i++) {
                if (d.get(i).cluster().isLeader()) {
                    leader = i;
                }
            }
            assertTrue(leader >= 0, "a member leads");
            int other = (leader + 1) % 3;
            String[] r = jvsadm(d.get(other).admin().address(), "-a", "-t", "127.0.0.1:" + vport, "-r", rs2Address,
                    "--fullnat");
            assertEquals("0", r[2], "jvsadm on a member goes straight to the cluster: " + r[1]);
            assertTrue(everywhere(d, rs2Address, true), "the hand-added server is on every member");
            d.get(leader).close();
            List<Daemon> rest = new ArrayList<>(d);
            rest.remove(leader);
            assertTrue(await(() -> rest.stream().anyMatch(x -> x.cluster().isLeader())), "a new leader");
            assertTrue(await(() -> everywhere(rest, rs2Address, false)), "the new leader's checker sees rs2 down and "
                    + "takes it out of the table: " + jvsadm(rest.get(0).admin().address(), "-S", "-n")[0]);
            assertTrue(everywhere(rest, rs1.hostPort(), true), "rs1 stays");
        } finally {
            d.forEach(Daemon::close);
            rs1.close();
            rs2.close();
        }
    }

    @Test
    void reload_reappliesTheFileOnThatMember() throws Exception {
        EchoServer rs1 = new EchoServer();
        EchoServer rs2 = new EchoServer();
        int vport = Ports.tcp();
        Path conf = dir.resolve("keepalived.conf");
        java.nio.file.Files.writeString(conf, StatusClient.config(vport, new int[] {rs1.port()}, new int[] {1}));
        List<Daemon> d = startThree("--config", conf.toString());
        try {
            assertTrue(await(() -> everywhere(d, rs1.hostPort(), true)), "the file's server everywhere");
            java.nio.file.Files.writeString(conf, StatusClient.config(vport, new int[] {rs1.port(), rs2.port()},
                    new int[] {1, 1}));
            for (Daemon x : d) {
                String[] r = jvsadm(x.admin().address(), "--reload");
                assertEquals("0", r[2], "reload on " + x.cluster().status().self() + ": " + r[1]);
            }
            assertTrue(await(() -> everywhere(d, rs2.hostPort(), true)), "the reloaded file's new server everywhere");
        } finally {
            d.forEach(Daemon::close);
            rs1.close();
            rs2.close();
        }
    }

    static Duration patience() {
        return Duration.ofSeconds(60);
    }
}
