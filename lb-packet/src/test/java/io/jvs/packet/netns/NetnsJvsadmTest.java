package io.jvs.packet.netns;

import static io.jvs.packet.netns.PacketLab.CLIENT;
import static io.jvs.packet.netns.PacketLab.R1;
import static io.jvs.packet.netns.PacketLab.R2;
import static io.jvs.packet.netns.PacketLab.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The packet data path as users drive it: a {@code PacketLoadBalancer} (lb-core's schedulers, connection table and
 * statistics) given ipvsadm commands by jvsadm's engine, in the namespaces of {@link PacketLab} (names
 * {@code jvsq<pid>...}): TUN with IPIP and GUE through {@code -i --tun-type ...} to user-space decapsulators, and a
 * server deleted under live flows with {@code expire_nodest_conn}. Needs root, iproute2, ethtool, nftables and
 * curl; skipped with a message otherwise.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NetnsJvsadmTest {

    private static PacketLab lab;
    private static int nextPort = 45000;

    @BeforeAll
    static void setUp() throws Exception {
        PacketLab.assumeAvailable();
        lab = new PacketLab("jvsq");
        lab.startWebServers();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    /** A running JvsadmDirectorMain. */
    private record Director(Process process, BufferedReader out, OutputStream in) {
        /** Runs one command; its output without the status line, which must be {@code -- 0}. */
        String ok(String command) throws Exception {
            in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            StringBuilder sb = new StringBuilder();
            for (String line; !(line = PacketLab.readLine(process, out, 15)).startsWith("-- "); ) {
                sb.append(line).append('\n');
            }
            return sb.toString();
        }

        String line(String command) throws Exception {
            in.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            return PacketLab.readLine(process, out, 15);
        }

        void stop() throws Exception {
            in.write("stop\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
            assertEquals("stopped", PacketLab.readLine(process, out, 15));
            assertTrue(process.waitFor(15, TimeUnit.SECONDS));
        }
    }

    private static Director director(String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("eth0"));
        args.addAll(List.of(options));
        Process p = lab.java(lab.director, JvsadmDirectorMain.class, args.toArray(new String[0]));
        BufferedReader out = PacketLab.stdout(p);
        assertEquals("ready", PacketLab.readLine(p, out, 40), lab.logs());
        return new Director(p, out, p.getOutputStream());
    }

    /** Four GETs: two servers, each twice, in turn (rr), each seeing the client's address. */
    private static void requestsAlternate(String what) throws IOException {
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(lab.get(nextPort++));
        }
        assertTrue(seen.stream().allMatch(s -> s.endsWith(" " + CLIENT)), what + ": " + seen + "\n" + lab.logs());
        assertFalse(seen.get(0).equals(seen.get(1)), what + ": " + seen);
        assertEquals(seen.get(0), seen.get(2), what + ": " + seen);
        assertEquals(seen.get(1), seen.get(3), what + ": " + seen);
    }

    @Test
    void tunnels_ipipThenGue_throughJvsadm() throws Exception {
        List<Process> ipip = lab.decapsulators("jtunq0", "ipip");
        List<Process> gue = lab.decapsulators("jtunq1", "gue", "6080");
        try {
            Director d = director();
            d.ok("-A -t " + VIP + ":80 -s rr");
            d.ok("-a -t " + VIP + ":80 -r " + R1 + " -i");
            d.ok("-a -t " + VIP + ":80 -r " + R2 + " -i --tun-type ipip");
            assertEquals("", d.ok("neighbours"));
            requestsAlternate("IPIP");
            String info = d.ok("-L -n --tun-info");
            assertTrue(info.contains("  -> 10.99.0.11:80                Tunnel  ipip          1      "), info);

            d.ok("-e -t " + VIP + ":80 -r " + R1 + " -i --tun-type gue --tun-port 6080 --tun-nocsum");
            d.ok("-e -t " + VIP + ":80 -r " + R2 + " -i --tun-type gue --tun-port 6080 --tun-csum");
            requestsAlternate("GUE");
            info = d.ok("-L -n --tun-info");
            assertTrue(info.contains("  -> 10.99.0.11:80                Tunnel  gue:6080:-c   1      "), info);
            assertTrue(info.contains("  -> 10.99.0.12:80                Tunnel  gue:6080:+c   1      "), info);
            assertEquals("-A -t 10.99.0.100:80 -s rr\n"
                    + "-a -t 10.99.0.100:80 -r 10.99.0.11:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n"
                    + "-a -t 10.99.0.100:80 -r 10.99.0.12:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum\n",
                    d.ok("-S -n"));
            String stats = d.ok("-L -n --stats");
            assertTrue(stats.lines().anyMatch(l -> l.matches("TCP  10\\.99\\.0\\.100:80 +8 +\\d+ +0 +\\d+ +0")),
                    "8 connections, packets in only: " + stats);
            assertTrue(d.line("counters").contains("forwarded="), "counters");
            d.stop();
        } finally {
            PacketLab.stopAll(ipip);
            PacketLab.stopAll(gue);
        }
    }

    @Test
    void weightZero_quiesces_andDeletedServerWithExpireNodestConn_movesItsClients() throws Exception {
        Director d = director("expire");
        d.ok("-A -t " + VIP + ":80 -s rr");
        d.ok("-a -t " + VIP + ":80 -r " + R1 + " -g");
        d.ok("-a -t " + VIP + ":80 -r " + R2 + " -g");
        assertEquals("", d.ok("neighbours"));
        requestsAlternate("DR");
        d.ok("-e -t " + VIP + ":80 -r " + R2 + " -g -w 0");
        for (int i = 0; i < 3; i++) {
            assertEquals("r1 " + CLIENT, lab.get(nextPort++), "weight 0: no new connection to r2");
        }
        d.ok("-e -t " + VIP + ":80 -r " + R2 + " -g -w 1");
        d.ok("-d -t " + VIP + ":80 -r " + R1);
        for (int i = 0; i < 3; i++) {
            assertEquals("r2 " + CLIENT, lab.get(nextPort++), "r1 deleted: everything to r2");
        }
        String conns = d.ok("-L -n -c");
        assertFalse(conns.contains(R1 + ":80"), "expire_nodest_conn: the deleted server's entries went: " + conns);
        d.stop();
    }

}
