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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packet data path for real, in network namespaces the test makes (see {@link PacketLab}): the AF_PACKET
 * engine forwards a client's TCP connections to two real servers chosen by a fixed test rule (even client port: r1,
 * odd: r2) by direct routing in both VIP modes, and through IPIP and GUE tunnels to user-space decapsulators. The
 * servers see the client's own address and answer it directly; the director holds no TCP socket. Needs root,
 * iproute2, ethtool, nftables and curl; skipped with a message where they are missing.
 */
class NetnsPacketPathTest {

    private static PacketLab lab;
    private static int nextPort = 41000;

    @BeforeAll
    static void setUp() throws Exception {
        PacketLab.assumeAvailable();
        lab = new PacketLab();
        lab.startWebServers();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close();
        }
    }

    /** A running director JVM. */
    private record Director(Process process, BufferedReader out, OutputStream in) {
        Map<String, Long> counters() throws Exception {
            String line = command("counters");
            Map<String, Long> m = new HashMap<>();
            for (String kv : line.split(" ")) {
                String[] p = kv.split("=");
                m.put(p[0], Long.parseLong(p[1]));
            }
            return m;
        }

        String command(String c) throws Exception {
            in.write((c + "\n").getBytes(StandardCharsets.US_ASCII));
            in.flush();
            return PacketLab.readLine(process, out, 10);
        }

        void stop() throws Exception {
            assertEquals("stopped", command("stop"));
            assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the director exits after stop");
        }
    }

    private static Director director(String mode, String method, String... extra) throws Exception {
        String[] args = new String[6 + extra.length];
        String[] base = {"eth0", mode, method, VIP + ":80", R1, R2};
        System.arraycopy(base, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        Process p = lab.java(lab.director, DirectorMain.class, args);
        BufferedReader out = PacketLab.stdout(p);
        String ready;
        try {
            ready = PacketLab.readLine(p, out, 40);
        } catch (Exception e) {
            throw new AssertionError("the director did not start: " + e + "\n" + lab.logs(), e);
        }
        assertEquals("ready", ready, lab.logs());
        return new Director(p, out, p.getOutputStream());
    }

    /** Four GETs from consecutive client ports: they must alternate r1, r2 and show the client's address. */
    private static void requestsAlternate(String what) throws IOException {
        for (int i = 0; i < 4; i++) {
            int port = nextPort++;
            String expected = ((port & 1) == 0 ? "r1" : "r2") + " " + CLIENT;
            String got = lab.get(port);
            assertEquals(expected, got, what + ", request " + i + " from port " + port + "\n" + lab.logs());
        }
    }

    private static void noTcpSocketOnTheDirector() throws IOException {
        String sockets = lab.run(lab.director, "ss", "-Htan");
        assertFalse(sockets.contains(VIP) || sockets.contains(PacketLab.VIP6),
                "the director holds no TCP socket for the VIP: " + sockets);
    }

    @Test
    void directRouting_modeA_directorAnswersArp() throws Exception {
        assertEquals("0", lab.run(lab.director, "sysctl", "-n", "net.ipv4.ip_forward").trim());
        Director d = director("A", "dr");
        requestsAlternate("DR mode A");
        Map<String, Long> c = d.counters();
        assertTrue(c.get("FORWARDED") >= 4 * 5, "a GET is at least five client->server packets: " + c);
        assertTrue(c.get("ARP_REPLIES") >= 1, "the client learnt the VIP from the director: " + c);
        assertTrue(c.get("CHECKSUM_COMPLETED") > 0, "the client's veth left partial checksums: " + c);
        assertEquals(0, c.get("MALFORMED") + c.get("BAD_CHECKSUM") + c.get("TRUNCATED"), c.toString());
        noTcpSocketOnTheDirector();
        d.stop();
    }

    @Test
    void directRouting_modeB_vipOnTheDirector_guardInstalledAndRemoved() throws Exception {
        lab.run(lab.director, "ip", "addr", "add", VIP + "/32", "dev", "eth0");
        lab.run(lab.director, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        try {
            Director d = director("B", "dr");
            requestsAlternate("DR mode B");
            long dropped = Long.parseLong(d.command("guard"));
            assertTrue(dropped >= 4 * 5, "the kernel was kept off the VIP's packets: " + dropped);
            assertEquals(0, counter(lab.run(lab.director, "nstat", "-asz", "TcpOutRsts"), "TcpOutRsts"),
                    "the director's kernel sent no RST");
            noTcpSocketOnTheDirector();
            d.stop();
            assertFalse(tables().contains("jvs_eth0"), "the guard is removed on stop");

            // a crash leaves the table; the next start replaces it and serves; its stop removes it
            Director crashed = director("B", "dr");
            crashed.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            assertTrue(tables().contains("jvs_eth0"), "a killed director leaves its table");
            Director again = director("B", "dr");
            requestsAlternate("DR mode B after a crash");
            again.stop();
            assertFalse(tables().contains("jvs_eth0"), "nothing is left after a crash and restart");
        } finally {
            lab.run(lab.director, "sysctl", "-qw", "net.ipv4.ip_forward=0");
            lab.tryRun(lab.director, "ip", "addr", "del", VIP + "/32", "dev", "eth0");
        }
    }

    @Test
    void ipv6DirectRouting_modeA_and_modeB() throws Exception {
        for (String mode : List.of("A", "B")) {
            if (mode.equals("B")) {
                lab.run(lab.director, "ip", "addr", "add", PacketLab.VIP6 + "/128", "dev", "eth0", "nodad");
            }
            try {
                Process p = lab.java(lab.director, DirectorMain.class, "eth0", mode, "dr", PacketLab.VIP6 + ":80",
                        PacketLab.R1_6, PacketLab.R2_6);
                BufferedReader out = PacketLab.stdout(p);
                assertEquals("ready", PacketLab.readLine(p, out, 40), lab.logs());
                Director d = new Director(p, out, p.getOutputStream());
                String client = java.net.InetAddress.getByName(PacketLab.CLIENT6).getHostAddress();
                for (int i = 0; i < 4; i++) {
                    int port = nextPort++;
                    assertEquals(((port & 1) == 0 ? "r1" : "r2") + " " + client, lab.get(PacketLab.VIP6, port),
                            "IPv6 DR mode " + mode + ", request " + i + "\n" + lab.logs());
                }
                Map<String, Long> c = d.counters();
                assertTrue(c.get("FORWARDED") >= 20, c.toString());
                if (mode.equals("A")) {
                    assertTrue(c.get("ARP_REPLIES") >= 1, "the client learnt the VIP by neighbour discovery: " + c);
                } else {
                    assertTrue(Long.parseLong(d.command("guard")) >= 20, "the kernel was kept off the VIP");
                }
                noTcpSocketOnTheDirector();
                d.stop();
                assertFalse(tables().contains("jvs_eth0"));
            } finally {
                if (mode.equals("B")) {
                    lab.tryRun(lab.director, "ip", "addr", "del", PacketLab.VIP6 + "/128", "dev", "eth0");
                }
            }
        }
    }

    @Test
    void ttlOne_answeredWithTimeExceeded() throws Exception {
        Director d = director("A", "dr");
        lab.run(lab.client, "sysctl", "-qw", "net.ipv4.ip_default_ttl=1");
        try {
            String before = lab.run(lab.client, "nstat", "-asz", "IcmpInTimeExcds");
            String got = lab.get(nextPort++);
            assertTrue(got.startsWith("fail"), "a TTL of 1 does not get through the director: " + got);
            Map<String, Long> c = d.counters();
            assertTrue(c.get("TTL_EXPIRED") >= 1 && c.get("ICMP_SENT") >= 1, c.toString());
            assertEquals(0, c.get("FORWARDED"), c.toString());
            assertTrue(counter(lab.run(lab.client, "nstat", "-asz", "IcmpInTimeExcds"), "IcmpInTimeExcds")
                    > counter(before, "IcmpInTimeExcds"), "the client received ICMP time exceeded");
        } finally {
            lab.run(lab.client, "sysctl", "-qw", "net.ipv4.ip_default_ttl=64");
        }
        requestsAlternate("DR after the TTL test");
        d.stop();
    }

    private static long counter(String nstat, String name) {
        for (String line : nstat.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(name)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    @Test
    void modeA_refusedWhileTheKernelForwards() throws Exception {
        lab.run(lab.director, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        try {
            Process p = lab.java(lab.director, DirectorMain.class, "eth0", "A", "dr", VIP + ":80", R1, R2);
            assertTrue(p.waitFor(40, TimeUnit.SECONDS), "the director exits");
            assertTrue(p.exitValue() != 0);
            assertTrue(lab.logs().contains("net.ipv4.conf.eth0.forwarding: 1 (expected: 0 when the director answers"
                    + " ARP for the VIP itself"), lab.logs());
        } finally {
            lab.run(lab.director, "sysctl", "-qw", "net.ipv4.ip_forward=0");
        }
    }

    private static String tables() throws IOException {
        return lab.run(lab.director, "nft", "list", "tables");
    }

    @Test
    void tunnel_ipip() throws Exception {
        List<Process> decaps = lab.decapsulators("jtun0", "ipip");
        try {
            Director d = director("A", "ipip");
            requestsAlternate("IPIP");
            assertTrue(d.counters().get("FORWARDED") >= 20);
            // 1500-byte segments do not fit the tunnel (1480): the director answers "fragmentation needed" with
            // 1480, the client lowers its path MTU to the VIP, and the upload gets through
            int port = nextPort++;
            String expected = ((port & 1) == 0 ? "r1" : "r2") + " " + CLIENT + " 200000";
            assertEquals(expected, lab.post(port, 200_000), lab.logs());
            Map<String, Long> c = d.counters();
            assertTrue(c.get("FRAG_NEEDED") >= 1, "the director told the client the tunnel MTU: " + c);
            assertTrue(lab.run(lab.client, "ip", "route", "get", VIP).contains("mtu 1480"),
                    "the client learnt the path MTU: " + lab.run(lab.client, "ip", "route", "get", VIP));
            d.stop();
        } finally {
            PacketLab.stopAll(decaps);
        }
    }

    @Test
    void tunnel_gue_withAndWithoutChecksum() throws Exception {
        List<Process> decaps = lab.decapsulators("jtun1", "gue", "6080");
        try {
            for (String method : List.of("gue", "gue-csum")) {
                Director d = director("A", method, "6080");
                requestsAlternate(method);
                assertTrue(d.counters().get("FORWARDED") >= 20);
                d.stop();
            }
        } finally {
            PacketLab.stopAll(decaps);
        }
    }

}
