package io.jvs.packet.internal.xmit;

import static io.jvs.packet.internal.xmit.TestFrames.CLIENT;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.VIP;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The per-packet functions on byte arrays: parsing, checksums, DR rewrite, IPIP and GUE encapsulation. */
class FrameFunctionsTest {

    private static final int TCP_SYN = 0x02;

    private static MemorySegment seg(byte[] b) {
        return MemorySegment.ofArray(b);
    }

    @Test
    void checksum_rfc1071Example() {
        // RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), checksum 220d.
        byte[] b = {0x00, 0x01, (byte) 0xf2, 0x03, (byte) 0xf4, (byte) 0xf5, (byte) 0xf6, (byte) 0xf7};
        assertEquals(0xddf2, Checksums.fold(Checksums.add(seg(b), 0, 8, 0)));
        assertEquals(0x220d, Checksums.checksum(seg(b), 0, 8));
        // an odd length pads the last byte with zero
        assertEquals(Checksums.checksum(seg(new byte[] {1, 2, 3, 0}), 0, 4), Checksums.checksum(seg(new byte[] {1, 2, 3}), 0, 3));
    }

    @Test
    void checksum_incrementalUpdateEqualsRecomputation() {
        qt().withFixedSeed(14L).forAll(integers().between(1, 255), integers().between(0, 255), integers().between(0, 65535))
                .checkAssert((ttl, tos, id) -> {
                    byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, TCP_SYN, 0, ttl, true);
                    MemorySegment s = seg(f);
                    Bytes.u8(s, 15, tos);
                    Bytes.u16(s, 18, id);
                    Checksums.setIpv4Header(s, 14, 20);
                    if (ttl > 1) {
                        io.jvs.packet.internal.xmit.DirectRoute.decrementTtl(s, 14);
                        assertTrue(Checksums.ipv4HeaderValid(s, 14, 20));
                        int incremental = Bytes.u16(s, 24);
                        Checksums.setIpv4Header(s, 14, 20);
                        // RFC 1624: the incremental result equals the recomputed one (0x0000 never appears for IP)
                        assertEquals(Bytes.u16(s, 24), incremental);
                        assertEquals(ttl - 1, Bytes.u8(s, 22));
                    }
                });
    }

    @Test
    void parse_tcpSyn() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, TCP_SYN, 10, 64, true);
        PacketView v = new PacketView();
        assertEquals(PacketView.IPV4, v.parse(seg(f), 0, f.length));
        assertEquals(PacketView.TCP, v.protocol());
        assertEquals(CLIENT, v.src());
        assertEquals(VIP, v.dst());
        assertEquals(40000, v.srcPort());
        assertEquals(80, v.dstPort());
        assertEquals(TCP_SYN, v.tcpFlags());
        assertEquals(64, v.ttl());
        assertTrue(v.dontFragment());
        assertEquals(50, v.ipLength());
        assertFalse(v.isIcmpError());
        assertEquals(CLIENT, v.flowClient());
        assertEquals(VIP, v.flowVirtual());
    }

    @Test
    void parse_paddingAfterThePacketIsIgnored() {
        byte[] f = Arrays.copyOf(TestFrames.udp(CLIENT, 5353, VIP, 53, 1), 60);
        PacketView v = new PacketView();
        assertEquals(PacketView.IPV4, v.parse(seg(f), 0, f.length));
        assertEquals(29, v.ipLength());
    }

    @Test
    void parse_icmpErrorNamesTheQuotedFlowReversed() {
        // the server's reply VIP:80 -> client:40000 did not fit a router's MTU; the router tells the VIP
        byte[] reply = TestFrames.tcp(VIP, 80, CLIENT, 40000, 0x10, 100, 64, true);
        byte[] f = TestFrames.icmpError(Bytes.parseIpv4("10.99.0.254"), VIP, 3, 4, reply);
        PacketView v = new PacketView();
        assertEquals(PacketView.IPV4, v.parse(seg(f), 0, f.length));
        assertTrue(v.isIcmpError());
        assertEquals(PacketView.TCP, v.flowProtocol());
        assertEquals(CLIENT, v.flowClient());
        assertEquals(40000, v.flowClientPort());
        assertEquals(VIP, v.flowVirtual());
        assertEquals(80, v.flowVirtualPort());
    }

    @Test
    void parse_rejectsBadFrames() {
        PacketView v = new PacketView();
        byte[] good = TestFrames.tcp(CLIENT, 40000, VIP, 80, TCP_SYN, 0, 64, true);
        for (int n = 0; n < good.length; n++) {
            int r = v.parse(seg(good), 0, n);
            assertTrue(r == PacketView.TRUNCATED, "cut to " + n + ": " + r);
        }
        byte[] badVersion = good.clone();
        badVersion[14] = 0x55;
        assertEquals(PacketView.MALFORMED, v.parse(seg(badVersion), 0, badVersion.length));
        byte[] badChecksum = good.clone();
        badChecksum[24] ^= 1;
        assertEquals(PacketView.BAD_CHECKSUM, v.parse(seg(badChecksum), 0, badChecksum.length));
        byte[] fragment = good.clone();
        MemorySegment s = seg(fragment);
        Bytes.u16(s, 20, 0x2000); // MF
        Checksums.setIpv4Header(s, 14, 20);
        assertEquals(PacketView.FRAGMENT, v.parse(s, 0, fragment.length));
        byte[] shortTotal = good.clone();
        s = seg(shortTotal);
        Bytes.u16(s, 16, 19);
        Checksums.setIpv4Header(s, 14, 20);
        assertEquals(PacketView.MALFORMED, v.parse(s, 0, shortTotal.length));
        byte[] tcpOffset = good.clone();
        tcpOffset[14 + 20 + 12] = 0x40; // data offset 16 bytes
        assertEquals(PacketView.MALFORMED, v.parse(seg(tcpOffset), 0, tcpOffset.length));
        assertEquals(PacketView.TRUNCATED, v.parse(seg(good), good.length - 10, 20), "beyond the segment");
    }

    @Test
    void directRoute_changesOnlyTheMacsAndTtl() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 300, 64, true);
        PacketView v = new PacketView();
        v.parse(seg(f), 0, f.length);
        byte[] out = new byte[2048];
        int n = DirectRoute.write(v, seg(out), 0, out.length, DIRECTOR_MAC, SERVER_MAC, false);
        assertEquals(f.length, n);
        MemorySegment o = seg(out);
        assertEquals(SERVER_MAC, Bytes.mac(o, 0));
        assertEquals(DIRECTOR_MAC, Bytes.mac(o, 6));
        assertEquals(63, Bytes.u8(o, 22));
        assertTrue(Checksums.ipv4HeaderValid(o, 14, 20));
        assertEquals(VIP, Bytes.u32(o, 30), "the IP addresses stay unchanged");
        assertEquals(CLIENT, Bytes.u32(o, 26));
        assertArrayEquals(Arrays.copyOfRange(f, 34, f.length), Arrays.copyOfRange(out, 34, n), "L4 untouched");
        assertTrue(Checksums.l4Valid(o, 34, n - 34, CLIENT, VIP, PacketView.TCP));
        assertEquals(0, DirectRoute.write(v, seg(out), 0, f.length - 1, DIRECTOR_MAC, SERVER_MAC, false), "too small");
    }

    @Test
    void directRoute_completesPartialChecksums() {
        for (int protocol : new int[] {PacketView.TCP, PacketView.UDP}) {
            byte[] f = protocol == PacketView.TCP ? TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 77, 64, true)
                    : TestFrames.udp(CLIENT, 40000, VIP, 53, 77);
            MemorySegment s = seg(f);
            int field = protocol == PacketView.TCP ? 16 : 6;
            int l4Length = f.length - 34;
            // what veth hands over with TX offload: the folded pseudo-header sum, not complemented
            Bytes.u16(s, 34 + field, Checksums.fold(Checksums.pseudoHeader(CLIENT, VIP, protocol, l4Length)));
            assertFalse(Checksums.l4Valid(s, 34, l4Length, CLIENT, VIP, protocol));
            PacketView v = new PacketView();
            v.parse(s, 0, f.length);
            byte[] out = new byte[2048];
            int n = DirectRoute.write(v, seg(out), 0, out.length, DIRECTOR_MAC, SERVER_MAC, true);
            assertTrue(Checksums.l4Valid(seg(out), 34, n - 34, CLIENT, VIP, protocol), "protocol " + protocol);
        }
    }

    @Test
    void ipip_outerHeaderAsTheKernelWritesIt() {
        byte[] f = TestFrames.withTos(TestFrames.tcp(CLIENT, 40000, VIP, 80, TCP_SYN, 20, 64, true), 0xb8 | 3);
        PacketView v = new PacketView();
        v.parse(seg(f), 0, f.length);
        byte[] out = new byte[2048];
        Route r = Route.ipip(SERVER, SERVER);
        int n = Tunnel.write(v, seg(out), 0, out.length, DIRECTOR_MAC, SERVER_MAC, DIRECTOR, r, false);
        MemorySegment o = seg(out);
        assertEquals(f.length + 20, n);
        assertEquals(SERVER_MAC, Bytes.mac(o, 0));
        assertEquals(0x45, Bytes.u8(o, 14));
        assertEquals(0xb8 | 2, Bytes.u8(o, 15), "DSCP copied, CE encapsulated as ECT(0)");
        assertEquals(n - 14, Bytes.u16(o, 16));
        assertEquals(0, Bytes.u16(o, 18), "id 0 with DF");
        assertEquals(0x4000, Bytes.u16(o, 20), "DF copied");
        assertEquals(63, Bytes.u8(o, 22), "outer TTL = inner TTL after the decrement");
        assertEquals(4, Bytes.u8(o, 23));
        assertEquals(DIRECTOR, Bytes.u32(o, 26));
        assertEquals(SERVER, Bytes.u32(o, 30));
        assertTrue(Checksums.ipv4HeaderValid(o, 14, 20));
        assertEquals(63, Bytes.u8(o, 34 + 8), "inner TTL decremented");
        assertTrue(Checksums.ipv4HeaderValid(o, 34, 20));
        assertEquals(VIP, Bytes.u32(o, 34 + 16));

        byte[] noDf = TestFrames.tcp(CLIENT, 40000, VIP, 80, TCP_SYN, 20, 64, false);
        v.parse(seg(noDf), 0, noDf.length);
        Tunnel.write(v, o, 0, out.length, DIRECTOR_MAC, SERVER_MAC, DIRECTOR, r, false);
        int id1 = Bytes.u16(o, 18);
        assertEquals(0, Bytes.u16(o, 20), "no DF");
        Tunnel.write(v, o, 0, out.length, DIRECTOR_MAC, SERVER_MAC, DIRECTOR, r, false);
        assertEquals((id1 + 1) & 0xffff, Bytes.u16(o, 18), "ids count up per destination");
        assertEquals(1, Tunnel.ecnEncapsulate(1));
        assertEquals(2, Tunnel.ecnEncapsulate(2));
        assertEquals(0x10, Tunnel.ecnEncapsulate(0x10));
    }

    @Test
    void gue_udpAndGueHeaders() {
        byte[] f = TestFrames.udp(CLIENT, 40000, VIP, 53, 40);
        PacketView v = new PacketView();
        v.parse(seg(f), 0, f.length);
        for (boolean csum : new boolean[] {false, true}) {
            byte[] out = new byte[2048];
            Route r = Route.gue(SERVER, SERVER, 6080, csum);
            int n = Tunnel.write(v, seg(out), 0, out.length, DIRECTOR_MAC, SERVER_MAC, DIRECTOR, r, false);
            MemorySegment o = seg(out);
            assertEquals(f.length + 32, n);
            assertEquals(17, Bytes.u8(o, 23));
            int sport = Bytes.u16(o, 34);
            assertTrue(sport >= 32768 && sport <= 60999, "sport " + sport);
            assertEquals(6080, Bytes.u16(o, 36));
            assertEquals(n - 34, Bytes.u16(o, 38));
            if (csum) {
                assertTrue(Checksums.l4Valid(o, 34, n - 34, DIRECTOR, SERVER, 17), "--tun-csum");
            } else {
                assertEquals(0, Bytes.u16(o, 40), "--tun-nocsum");
            }
            assertEquals(0, Bytes.u8(o, 42));
            assertEquals(4, Bytes.u8(o, 43));
            assertEquals(0, Bytes.u16(o, 44));
            assertEquals(0x45, Bytes.u8(o, 46), "the inner IPv4 header follows");
            assertEquals(Tunnel.sourcePort(v), sport, "the same flow, the same port");
        }
        byte[] other = TestFrames.udp(CLIENT, 40001, VIP, 53, 40);
        PacketView w = new PacketView();
        w.parse(seg(other), 0, other.length);
        int differ = 0;
        for (int p = 40001; p < 40017; p++) {
            byte[] g = TestFrames.udp(CLIENT, p, VIP, 53, 1);
            w.parse(seg(g), 0, g.length);
            differ += Tunnel.sourcePort(w) != Tunnel.sourcePort(v) ? 1 : 0;
        }
        assertTrue(differ >= 14, "flows spread over source ports: " + differ + "/16");
    }

    @Test
    void route_rejectsBadTunnelSettings() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Route.gue(SERVER, SERVER, 70000, false));
        assertEquals("tun-port: 70000 (expected: 1-65535)", e.getMessage());
        assertEquals("Tunnel 10.99.0.11 gue:6080:-c", Route.gue(SERVER, SERVER, 6080, false).toString());
        assertEquals(32, Route.gue(SERVER, SERVER, 6080, false).overhead());
        assertEquals(20, Route.ipip(SERVER, SERVER).overhead());
        assertEquals(0, Route.direct(SERVER).overhead());
    }

    static byte[] bytes(MemorySegment s, long off, int n) {
        return s.asSlice(off, n).toArray(ValueLayout.JAVA_BYTE);
    }
}
