package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import io.jvs.testing.EcmpLab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scale-out spec's harness (scale-out.md section 4) with the product itself: three {@code jvs daemon --cluster}
 * processes, each in its director namespace behind the simulated ECMP router (a resilient next-hop group, the route
 * withdrawn by the test when a director dies), two real servers on the back-end LAN that answer their name and the
 * director they see (full NAT), a client with 30 source addresses, jvsadm on each director's admin socket. One
 * scenario, each step its own assertion:
 * <ol>
 *   <li>changes made on different members give one configuration ({@code -S -n} identical);</li>
 *   <li>every source, pinned through each director in turn, gets the same real server, the kernel's {@code mh}
 *       choice;</li>
 *   <li>{@code -p} templates made through one director are honoured through the others;</li>
 *   <li>killing a director (kill -9, route withdrawn) breaks no stream held by the others, ends its own, and its
 *       {@code -p} clients come back to their server through the survivors;</li>
 *   <li>with one of three down changes apply; with two down they are refused (exit 255, the cluster's message)
 *       and the survivor serves its last configuration;</li>
 *   <li>the killed directors, restarted with the same command, catch up by themselves: configuration, templates
 *       and entries;</li>
 *   <li>a director cut off the LAN and reconnected ends with the majority's configuration, and the stream lost
 *       nothing (reliable mode).</li>
 * </ol>
 * A second lab shows the packet data path's side: DR connections of a killed director continue through the others
 * ({@link #drFlowsOfAKilledDirectorContinueThroughTheOthers}).
 *
 * <p>Needs root and iproute2 (CI runs as root); skipped with a message otherwise. Every wait is bounded; the lab and
 * its processes are removed also on failure.
 */
class ClusterHarnessTest {

    private static final Duration PATIENCE = Duration.ofSeconds(40);
    private static final int SOURCES = 30;
    private static final String MH = DirectorLab.VIP + ":80";
    private static final String PERSISTENT = DirectorLab.VIP + ":81";
    private static final String STREAMS = DirectorLab.VIP + ":82";
    private static final String LATER = DirectorLab.VIP + ":83";
    /** The DR service (the second lab's): the real servers' port is the service's, as direct routing needs. */
    private static final String DR = DirectorLab.VIP + ":80";
    private static final String ROUTER_LAN = "10.201.0.254";
    private static final String RS1 = EcmpLab.realServerAddress(1) + ":80";
    private static final String RS2 = EcmpLab.realServerAddress(2) + ":80";
    /** A line of {@code -L -n -c}: a template has client port 0. */
    private static final Pattern TEMPLATE = Pattern.compile("(?m)^TCP\\s+\\S+\\s+\\S+\\s+\\S+:0\\s");
    private static final Pattern ENTRY = Pattern.compile("(?m)^TCP\\s+\\S+\\s+\\S+\\s+\\S+:[1-9]\\d*\\s");

    @TempDir
    Path dir;

    @Test
    void threeDaemonsBehindEcmp() throws Exception {
        String why = EcmpLab.unavailable("jvsx");
        assumeTrue(why == null, () -> "cluster harness skipped: " + why);
        EcmpLab ecmp = EcmpLab.create("jvsx", 3, 2, SOURCES);
        DirectorLab lab = new DirectorLab(ecmp, dir);
        try {
            lab.startPeers(2);
            lab.start(1, 2, 3);
            oneConfiguration(lab);
            sameMhChoiceThroughEveryDirector(lab);
            Map<String, String> persistent = templatesHonouredThroughOthers(lab);
            killedDirectorBreaksNoOtherStream(lab, persistent);
            String table = oneDownApplies_twoDownRefused(lab);
            restartedDirectorsCatchUp(lab, table);
            partitionHeals(lab);
        } catch (AssertionError | Exception e) {
            for (int d = 1; d <= 3; d++) {
                String log = lab.log(d);
                e.addSuppressed(new Exception("d" + d + "'s log (the end):\n"
                        + log.substring(Math.max(0, log.length() - 4000))));
            }
            throw e;
        } finally {
            lab.close();
        }
        assertEquals(List.of(), ecmp.existing(), "every namespace of the lab deleted");
    }

    /**
     * Direct routing on a cluster: the router also joins the back-end LAN, and its resilient ECMP group for the VIP
     * is over the directors' LAN addresses; each director runs {@code jvs daemon --cluster --interface e1} (the VIP on
     * its loopback: the packet path's mode B); the real servers have the VIP on lo with {@code arp_ignore=1},
     * {@code arp_announce=2} and answer the client through the router, not a director. 24 long-lived streams, each
     * client source pinned to a director by a policy rule on the router (so that the test knows which director
     * carries which stream: {@code ip route get} with ports does not tell the group's real choice for forwarded
     * packets); once every survivor knows every flow from the sync stream, d2 is killed (kill -9) and withdrawn: its
     * pins are deleted and the group replaced by the survivors, so its streams go to them, which forward them to the
     * same real server, and no stream breaks. (Without connection sync a third of the streams break here: the
     * survivors drop packets of flows they do not know, as IPVS does.)
     */
    @Test
    void drFlowsOfAKilledDirectorContinueThroughTheOthers() throws Exception {
        String why = EcmpLab.unavailable("jvsx");
        assumeTrue(why == null, () -> "DR cluster harness skipped: " + why);
        String noPackets = PacketPath.unavailable();
        assumeTrue(noPackets == null, () -> "DR cluster harness skipped: " + noPackets);
        for (String tool : List.of("nft", "ethtool")) {
            try {
                EcmpLab.exec(tool, "--version");
            } catch (java.io.IOException e) {
                assumeTrue(false, "DR cluster harness skipped: " + tool + " is not installed");
            }
        }
        EcmpLab ecmp = EcmpLab.create("jvsx", 3, 2, 6);
        DirectorLab lab = new DirectorLab(ecmp, dir);
        try {
            directRoutingLab(ecmp);
            lab.packetPath("e1");
            lab.startPeers(2, true);
            lab.start(1, 2, 3);
            lab.ok(1, "-A", "-t", DR, "-s", "rr");
            lab.ok(2, "-a", "-t", DR, "-r", RS1, "-g");
            lab.ok(3, "-a", "-t", DR, "-r", RS2, "-g");
            String table = lab.ok(1, "-S", "-n");
            assertTrue(table.contains("-a -t " + DR + " -r " + RS2 + " -g"), "the DR service on d1: " + table);
            for (int d = 2; d <= 3; d++) {
                assertEquals(table, lab.ok(d, "-S", "-n"), "d" + d + " has the DR service");
            }

            List<String> from = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                from.addAll(sources(1, 6));
            }
            for (int k = 1; k <= 6; k++) {
                drPin(ecmp, "add", EcmpLab.clientAddress(k), drDirector(k));
            }
            String[] hp = DR.split(":");
            List<String> opened = lab.client("open " + hp[0] + " " + hp[1] + " " + String.join(" ", from));
            for (String g : opened) {
                assertTrue(g.matches("rs[12]@10\\.200\\.0\\.\\d+"), "every DR stream opened, and its server sees "
                        + "the client's own address: " + opened);
            }
            List<String> ports = lab.client("ports");
            int victim = 2;
            List<Integer> survivors = List.of(1, 3);
            for (int d : survivors) {
                assertTrue(DirectorLab.await(PATIENCE, () -> {
                    String conns = lab.ok(d, "-L", "-n", "-c");
                    for (int k = 0; k < from.size(); k++) {
                        if (!conns.contains(from.get(k) + ":" + ports.get(k) + " ")) {
                            return false;
                        }
                    }
                    return true;
                }), "the survivor d" + d + " knows every stream's flow (connection sync): "
                        + lab.ok(d, "-L", "-n", "-c"));
            }
            Thread.sleep(1000);
            List<String> before = lab.client("report");
            lab.kill(victim);
            for (int k = 1; k <= 6; k++) {
                if (drDirector(k) == victim) {
                    drPin(ecmp, "del", EcmpLab.clientAddress(k), victim);
                }
            }
            drWithdraw(ecmp, survivors);
            Thread.sleep(3000);
            List<String> after = lab.client("report");
            assertEquals("closed", lab.client("close").get(0));
            for (int k = 0; k < after.size(); k++) {
                int d = drDirector(k % 6 + 1);
                String how = d == victim ? "a DR stream of the killed d" + d + " continues through a survivor"
                        : "a DR stream through d" + d + " survives the kill of d" + victim;
                String[] b = before.get(k).split(":");
                String[] a = after.get(k).split(":");
                assertEquals("ok", a[2], how + ": " + after.get(k));
                assertTrue(Integer.parseInt(a[1]) > Integer.parseInt(b[1]) + 5, how + " and kept echoing: "
                        + before.get(k) + " then " + after.get(k));
            }
        } catch (AssertionError | Exception e) {
            for (int d = 1; d <= 3; d++) {
                String log = lab.log(d);
                e.addSuppressed(new Exception("d" + d + "'s log (the end):\n"
                        + log.substring(Math.max(0, log.length() - 4000))));
            }
            throw e;
        } finally {
            lab.close();
        }
        assertEquals(List.of(), ecmp.existing(), "every namespace of the DR lab deleted");
    }

    /** The router's leg on the LAN, its DR group over the directors' LAN addresses, the real servers as lvs_rs.sh. */
    private static void directRoutingLab(EcmpLab ecmp) throws Exception {
        ecmp.batch(null, List.of("link add r-lan netns " + ecmp.ns("r") + " type veth peer name rt netns "
                + ecmp.ns("lan")));
        ecmp.batch("lan", List.of("link set rt master br0 up"));
        List<String> r = new ArrayList<>(List.of("addr add " + ROUTER_LAN + "/24 dev r-lan", "link set r-lan up"));
        for (int d = 1; d <= 3; d++) {
            r.add("nexthop add id " + (20 + d) + " via " + EcmpLab.directorLanAddress(d) + " dev r-lan");
        }
        r.add("nexthop add id 200 group 21/22/23 type resilient buckets 128 idle_timer 60");
        for (int d = 1; d <= 3; d++) {
            r.add("route add " + DirectorLab.VIP + "/32 via " + EcmpLab.directorLanAddress(d) + " dev r-lan table "
                    + (200 + d));
        }
        r.add("route replace " + DirectorLab.VIP + "/32 nhid 200");
        ecmp.batch("r", r);
        for (int j = 1; j <= 2; j++) {
            ecmp.batch("rs" + j, List.of("addr add " + DirectorLab.VIP + "/32 dev lo", "route add default via "
                    + ROUTER_LAN));
            ecmp.run("rs" + j, "sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.lo.arp_ignore=1",
                    "net.ipv4.conf.all.arp_announce=2", "net.ipv4.conf.lo.arp_announce=2");
            ecmp.run("rs" + j, "ethtool", "-K", "e0", "tso", "off", "gso", "off");
        }
        ecmp.run("c", "ethtool", "-K", "c0", "tso", "off", "gso", "off");
        for (int d = 1; d <= 3; d++) {
            ecmp.run("d" + d, "ethtool", "-K", "e1", "gro", "off");
        }
    }

    /** Withdraws the dead director from the DR group (its buckets go to the survivors, the others' stay). */
    private static void drWithdraw(EcmpLab ecmp, List<Integer> survivors) throws Exception {
        StringBuilder g = new StringBuilder();
        for (int d : survivors) {
            g.append(g.length() == 0 ? "" : "/").append(20 + d);
        }
        ecmp.batch("r", List.of("nexthop replace id 200 group " + g + " type resilient buckets 128 idle_timer 60"));
    }

    /** The director client source {@code k} (1-6) is pinned to in the DR lab: 1, 2, 3, 1, 2, 3. */
    private static int drDirector(int k) {
        return (k - 1) % 3 + 1;
    }

    /** Adds or deletes the router's rule that sends {@code source}'s flows to the VIP through director {@code d}. */
    private static void drPin(EcmpLab ecmp, String op, String source, int d) throws Exception {
        ecmp.batch("r", List.of("rule " + op + " from " + source + " iif r-c lookup " + (200 + d) + " pref "
                + (2000 + d)));
    }

    private static List<String> sources(int from, int to) {
        List<String> l = new ArrayList<>();
        for (int k = from; k <= to; k++) {
            l.add(EcmpLab.clientAddress(k));
        }
        return l;
    }

    private static List<String> ask(DirectorLab lab, String service, List<String> sources) throws Exception {
        String[] hp = service.split(":");
        return lab.client("ask " + hp[0] + " " + hp[1] + " " + String.join(" ", sources));
    }

    private static void oneConfiguration(DirectorLab lab) {
        lab.ok(1, "-A", "-t", MH, "-s", "mh");
        lab.ok(2, "-a", "-t", MH, "-r", RS1, "--fullnat");
        lab.ok(3, "-a", "-t", MH, "-r", RS2, "--fullnat");
        lab.ok(2, "-A", "-t", PERSISTENT, "-s", "rr", "-p", "600");
        lab.ok(3, "-a", "-t", PERSISTENT, "-r", RS1, "--fullnat");
        lab.ok(1, "-a", "-t", PERSISTENT, "-r", RS2, "--fullnat");
        lab.ok(3, "-A", "-t", STREAMS, "-s", "rr");
        lab.ok(1, "-a", "-t", STREAMS, "-r", RS1, "--fullnat");
        lab.ok(2, "-a", "-t", STREAMS, "-r", RS2, "--fullnat");
        String table = lab.ok(1, "-S", "-n");
        assertTrue(table.contains("-a -t " + STREAMS + " -r " + RS2), "d1 shows the change made on d2: " + table);
        assertEquals(table, lab.ok(2, "-S", "-n"), "d2's -S -n is d1's after changes made on all three");
        assertEquals(table, lab.ok(3, "-S", "-n"), "d3's -S -n is d1's after changes made on all three");
    }

    /** The kernel's mh (lb-schedulers' kernel-exact one) over rs1 then rs2 added, as the table was built. */
    private static Map<String, String> mhReference(List<String> sources) {
        Scheduler mh = Schedulers.mh().create(new FakeContext(Set.of(), new ManualTicker(), new Random(1)));
        Pool pool = new Pool(mh);
        pool.add(FakeDestination.of(EcmpLab.realServerAddress(1), 80, 1));
        pool.add(FakeDestination.of(EcmpLab.realServerAddress(2), 80, 1));
        Map<String, String> expected = new HashMap<>();
        for (String s : sources) {
            Destination d = mh.select(FakeFlow.of(s, 0, DirectorLab.VIP));
            expected.put(s, d.address().getAddress().getHostAddress().equals(EcmpLab.realServerAddress(1)) ? "rs1"
                    : "rs2");
        }
        return expected;
    }

    private static void sameMhChoiceThroughEveryDirector(DirectorLab lab) throws Exception {
        List<String> all = sources(1, SOURCES);
        Map<String, String> expected = mhReference(all);
        assertEquals(Set.of("rs1", "rs2"), Set.copyOf(expected.values()), "30 sources use both servers in mh");
        for (int round = 0; round < 3; round++) {
            Map<String, Integer> pins = new LinkedHashMap<>();
            for (int k = 0; k < all.size(); k++) {
                pins.put(all.get(k), (k + round) % 3 + 1);
            }
            lab.lab.pin(pins);
            List<String> answers = ask(lab, MH, all);
            for (int k = 0; k < all.size(); k++) {
                String source = all.get(k);
                int d = pins.get(source);
                String want = expected.get(source) + "@" + EcmpLab.directorLanAddress(d);
                assertEquals(want, answers.get(k), "source " + source + " pinned through d" + d + " (round " + round
                        + "): the kernel's mh picks " + expected.get(source) + " (answer: server@director)");
            }
        }
    }

    /** Returns the server of each persistent source, templates made through d2. */
    private static Map<String, String> templatesHonouredThroughOthers(DirectorLab lab) throws Exception {
        List<String> clients = sources(1, 12);
        Map<String, Integer> pins = new LinkedHashMap<>();
        clients.forEach(s -> pins.put(s, 2));
        lab.lab.pin(pins);
        List<String> first = ask(lab, PERSISTENT, clients);
        Map<String, String> server = new HashMap<>();
        for (int k = 0; k < clients.size(); k++) {
            assertTrue(first.get(k).endsWith("@" + EcmpLab.directorLanAddress(2)), "through d2: " + first);
            server.put(clients.get(k), first.get(k).split("@")[0]);
        }
        assertEquals(Set.of("rs1", "rs2"), Set.copyOf(server.values()), "rr on d2 used both servers: " + first);
        for (int d : new int[] {1, 3}) {
            assertTrue(DirectorLab.await(PATIENCE, () -> templates(lab, d, PERSISTENT) == clients.size()),
                    "d" + d + " got the 12 templates made on d2: " + lab.ok(d, "-L", "-n", "-c"));
        }
        for (int d : new int[] {1, 3}) {
            clients.forEach(s -> pins.put(s, d));
            lab.lab.pin(pins);
            List<String> again = ask(lab, PERSISTENT, clients);
            for (int k = 0; k < clients.size(); k++) {
                assertEquals(server.get(clients.get(k)) + "@" + EcmpLab.directorLanAddress(d), again.get(k),
                        "the template made through d2 for " + clients.get(k) + " is honoured through d" + d);
            }
        }
        lab.lab.unpin();
        return server;
    }

    private static int count(Pattern p, String listing) {
        Matcher m = p.matcher(listing);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static int templates(DirectorLab lab, int d, String service) {
        int n = 0;
        for (String line : lab.ok(d, "-L", "-n", "-c").split("\n")) {
            if (TEMPLATE.matcher(line).find() && line.contains(" " + service + " ")) {
                n++;
            }
        }
        return n;
    }

    private static void killedDirectorBreaksNoOtherStream(DirectorLab lab, Map<String, String> persistent)
            throws Exception {
        List<String> from = new ArrayList<>(sources(1, SOURCES));
        from.addAll(sources(1, 18));
        String[] hp = STREAMS.split(":");
        List<String> opened = lab.client("open " + hp[0] + " " + hp[1] + " " + String.join(" ", from));
        Map<Integer, Integer> perDirector = new HashMap<>();
        for (String g : opened) {
            assertTrue(g.contains("@"), "every stream opened: " + opened);
            perDirector.merge(director(g), 1, Integer::sum);
        }
        assertEquals(Set.of(1, 2, 3), perDirector.keySet(), "the router spread 48 streams over the three directors: "
                + perDirector);
        Thread.sleep(1500);
        List<String> before = lab.client("report");
        lab.kill(2);
        lab.lab.withdraw(List.of(1, 3));
        Thread.sleep(3000);
        List<String> after = lab.client("report");
        assertEquals("closed", lab.client("close").get(0));
        for (int k = 0; k < after.size(); k++) {
            String[] b = before.get(k).split(":");
            String[] a = after.get(k).split(":");
            int d = director(a[0]);
            if (d == 2) {
                assertTrue(a[2].startsWith("broken"), "a stream through the killed d2 ends (full NAT: its sockets "
                        + "died with it): " + after.get(k));
            } else {
                assertEquals("ok", a[2], "a stream through d" + d + " survives the kill of d2: " + after.get(k));
                assertTrue(Integer.parseInt(a[1]) > Integer.parseInt(b[1]) + 5, "a stream through d" + d
                        + " kept echoing after the kill: " + before.get(k) + " then " + after.get(k));
            }
        }
        List<String> clients = new ArrayList<>(persistent.keySet());
        List<String> back = ask(lab, PERSISTENT, clients);
        for (int k = 0; k < clients.size(); k++) {
            assertTrue(back.get(k).startsWith(persistent.get(clients.get(k)) + "@"), "the -p client "
                    + clients.get(k) + " comes back to " + persistent.get(clients.get(k)) + " through a survivor: "
                    + back.get(k));
            assertTrue(director(back.get(k)) != 2, "the withdrawn d2 gets no flow: " + back.get(k));
        }
    }

    /** The director a greeting {@code NAME@10.201.0.N} came through. */
    private static int director(String greeting) {
        return Integer.parseInt(greeting.substring(greeting.lastIndexOf('.') + 1));
    }

    /** Returns the table d1 serves alone. */
    private static String oneDownApplies_twoDownRefused(DirectorLab lab) throws Exception {
        assertTrue(DirectorLab.await(PATIENCE, () -> reachable(lab, 1) == 2), "d1 sees d2 gone");
        lab.ok(1, "-A", "-t", LATER, "-s", "wlc");
        lab.ok(3, "-a", "-t", LATER, "-r", RS1, "--fullnat");
        String table = lab.ok(1, "-S", "-n");
        assertTrue(table.contains("-a -t " + LATER + " -r " + RS1), "with one of three down a change applies: " + table);
        assertEquals(table, lab.ok(3, "-S", "-n"), "d3 has the change made with d2 down");

        lab.kill(3);
        lab.lab.withdraw(List.of(1));
        assertTrue(DirectorLab.await(PATIENCE, () -> reachable(lab, 1) == 1), "d1 sees d3 gone");
        String[] r = lab.jvsadm(1, "-a", "-t", LATER, "-r", RS2, "--fullnat");
        assertEquals("255", r[2], "with two of three down a change is refused with exit 255: " + r[1]);
        assertTrue(r[1].contains("no quorum in cluster lab: 1 of 3 members reachable"), "the cluster's message: "
                + r[1]);
        List<String> served = ask(lab, LATER, sources(1, 6));
        for (String s : served) {
            assertEquals("rs1@" + EcmpLab.directorLanAddress(1), s, "the survivor serves its last configuration");
        }
        Map<String, String> expected = mhReference(sources(1, 6));
        List<String> mh = ask(lab, MH, sources(1, 6));
        for (int k = 0; k < 6; k++) {
            assertEquals(expected.get(EcmpLab.clientAddress(k + 1)) + "@" + EcmpLab.directorLanAddress(1), mh.get(k),
                    "the survivor's mh still agrees with the kernel's");
        }
        String[] listing = lab.jvsadm(1, "-S", "-n");
        assertEquals("255", listing[2], "a member without a majority refuses a linearizable read too: " + listing[1]);
        assertTrue(listing[1].startsWith("no quorum in cluster lab"), listing[1]);
        return table;
    }

    private static int reachable(DirectorLab lab, int d) {
        try {
            return lab.reachable(d);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void restartedDirectorsCatchUp(DirectorLab lab, String table) throws Exception {
        lab.start(2, 3);
        lab.lab.withdraw(List.of(1, 2, 3));
        // Nothing but listings on d2 and d3 from here: they catch up by themselves.
        assertEquals(table, lab.ok(1, "-S", "-n"), "d1 kept its configuration");
        assertEquals(table, lab.ok(2, "-S", "-n"), "the restarted d2 has the configuration changed while it was down");
        assertEquals(table, lab.ok(3, "-S", "-n"), "the restarted d3 has the configuration");
        int templates = templates(lab, 1, PERSISTENT);
        assertEquals(12, templates, "d1 keeps the 12 templates: " + lab.ok(1, "-L", "-n", "-c"));
        for (int d : new int[] {2, 3}) {
            assertEquals(templates, templates(lab, d, PERSISTENT), "the restarted d" + d + " has d1's templates "
                    + "(state transfer): " + lab.ok(d, "-L", "-n", "-c"));
            assertEquals(persistConn(lab.ok(1, "-L", "-n", "--persistent-conn")),
                    persistConn(lab.ok(d, "-L", "-n", "--persistent-conn")),
                    "the restarted d" + d + "'s PersistConn per server is d1's");
            int peer = d;
            assertTrue(DirectorLab.await(PATIENCE, () -> count(ENTRY, lab.ok(1, "-L", "-n", "-c"))
                    == count(ENTRY, lab.ok(peer, "-L", "-n", "-c"))), "the restarted d" + d + " has d1's connection "
                    + "entries: d1 " + lab.ok(1, "-L", "-n", "-c") + "\nd" + d + " " + lab.ok(d, "-L", "-n", "-c"));
        }
    }

    /** The PersistConn column of {@code -L -n --persistent-conn}, server by server. */
    private static List<String> persistConn(String listing) {
        List<String> l = new ArrayList<>();
        for (String line : listing.split("\n")) {
            if (line.startsWith("  -> ") && !line.contains("RemoteAddress")) {
                String[] w = line.trim().split("\\s+");
                l.add(w[1] + " " + w[3]);
            }
        }
        return l;
    }

    private static void partitionHeals(DirectorLab lab) throws Exception {
        lab.lab.lanLink(3, false);
        assertTrue(DirectorLab.await(PATIENCE, () -> reachable(lab, 1) == 2), "d1 sees d3 cut off");
        long receivedBefore = lab.received(3);
        lab.ok(1, "-D", "-t", LATER);
        lab.ok(2, "-e", "-t", MH, "-r", RS2, "--fullnat", "-w", "2");
        String majority = lab.ok(1, "-S", "-n");
        assertEquals(majority, lab.ok(2, "-S", "-n"), "the majority agrees while d3 is cut off");
        lab.lab.lanLink(3, true);
        assertTrue(DirectorLab.await(Duration.ofSeconds(60), () -> majority.equals(lab.ok(3, "-S", "-n"))),
                "d3 ends with the majority's configuration after the partition heals: " + lab.jvsadm(3, "-S", "-n")[0]
                        + lab.jvsadm(3, "-S", "-n")[1]);
        assertTrue(DirectorLab.await(PATIENCE, () -> reachable(lab, 3) == 3), "d3 sees all three again");
        List<String> traffic = ask(lab, STREAMS, sources(1, SOURCES));
        traffic.forEach(t -> assertTrue(t.contains("@"), "served after the heal: " + traffic));
        assertTrue(DirectorLab.await(PATIENCE, () -> received(lab, 3) > receivedBefore),
                "d3 receives the others' entries again after the heal");
        for (int d = 1; d <= 3; d++) {
            assertEquals(0, lab.lost(d), "reliable mode: d" + d + "'s stream lost no message: " + lab.status(d));
        }
    }

    private static long received(DirectorLab lab, int d) {
        try {
            return lab.received(d);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
