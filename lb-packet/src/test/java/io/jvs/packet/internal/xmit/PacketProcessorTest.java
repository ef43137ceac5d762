package io.jvs.packet.internal.xmit;

import static io.jvs.packet.internal.xmit.TestFrames.CLIENT;
import static io.jvs.packet.internal.xmit.TestFrames.CLIENT_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.packet.internal.frame.Arp;
import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.ring.AfPacketPort;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The whole per-frame path on byte arrays: what is forwarded, answered, dropped, and counted. */
class PacketProcessorTest {

    private static final int MTU = 1500;
    private static final int RX = 0;
    private static final int TX_BASE = 4096;

    private final MemorySegment ring = MemorySegment.ofArray(new byte[TX_BASE + 4 * 2048]);
    private final TestFrames.ArrayTx tx = new TestFrames.ArrayTx(ring, TX_BASE, 2048, 4);
    private final VipSet vips = new VipSet();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private NeighbourCache neighbours;
    private PacketCounters counters;
    private Route route = Route.direct(SERVER);
    private PacketProcessor processor;

    @BeforeEach
    void setUp() {
        vips.add(VIP);
        neighbours = new NeighbourCache("eth0", java.nio.file.Path.of("/nonexistent"));
        neighbours.learn(SERVER, SERVER_MAC, now.get());
        counters = new PacketCounters();
        processor = processor(true);
    }

    private PacketProcessor processor(boolean answerArp) {
        return new PacketProcessor(DIRECTOR_MAC, DIRECTOR, TestFrames.DIRECTOR6_HI, TestFrames.DIRECTOR6_LO, MTU, vips,
                p -> route, neighbours, counters, answerArp, now::get);
    }

    private void receive(byte[] frame) {
        receive(frame, 0, AfPacketPort.PACKET_HOST);
    }

    private void receive(byte[] frame, int status, int packetType) {
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, ring, RX, frame.length);
        processor.handle(ring, RX, frame.length, status, packetType, tx);
    }

    @Test
    void tcpToTheVip_forwardedByDirectRouting() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true);
        receive(f);
        assertEquals(1, tx.count);
        MemorySegment out = MemorySegment.ofArray(tx.frame(0));
        assertEquals(SERVER_MAC, Bytes.mac(out, 0));
        assertEquals(DIRECTOR_MAC, Bytes.mac(out, 6));
        assertEquals(63, Bytes.u8(out, 22));
        assertEquals(1, counters.get(Counter.FORWARDED));
    }

    @Test
    void partialChecksum_completedAndCounted() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 100, 64, true);
        MemorySegment s = MemorySegment.ofArray(f);
        Bytes.u16(s, 34 + 16, Checksums.fold(Checksums.pseudoHeader(CLIENT, VIP, 6, f.length - 34)));
        receive(f, AfPacketPort.TP_STATUS_USER | AfPacketPort.TP_STATUS_CSUMNOTREADY, AfPacketPort.PACKET_HOST);
        byte[] out = tx.frame(0);
        assertTrue(Checksums.l4Valid(MemorySegment.ofArray(out), 34, out.length - 34, CLIENT, VIP, 6));
        assertEquals(1, counters.get(Counter.CHECKSUM_COMPLETED));
    }

    @Test
    void ttlOne_answeredWithTimeExceeded() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 1, true);
        receive(f);
        assertEquals(1, tx.count);
        MemorySegment out = MemorySegment.ofArray(tx.frame(0));
        assertEquals(CLIENT_MAC, Bytes.mac(out, 0), "back to where it came from");
        assertEquals(PacketView.ICMP, Bytes.u8(out, 23));
        assertEquals(VIP, Bytes.u32(out, 26));
        assertEquals(CLIENT, Bytes.u32(out, 30));
        assertEquals(11, Bytes.u8(out, 34));
        assertEquals(0, Bytes.u8(out, 35));
        assertEquals(0xc0, Bytes.u8(out, 15));
        assertTrue(Checksums.ipv4HeaderValid(out, 14, 20));
        assertEquals(0xffff, Checksums.fold(Checksums.add(out, 34, (int) out.byteSize() - 34, 0)), "ICMP checksum");
        assertEquals(VIP, Bytes.u32(out, 34 + 8 + 16), "quotes the offending header");
        assertEquals(1, counters.get(Counter.TTL_EXPIRED));
        assertEquals(1, counters.get(Counter.ICMP_SENT));
    }

    @Test
    void overMtuWithDf_fragmentationNeededWithTheUsableMtu() {
        route = Route.ipip(SERVER, SERVER);
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 1500 - 40 - 10, 64, true); // 1490 > 1480
        receive(f);
        assertEquals(1, tx.count);
        MemorySegment out = MemorySegment.ofArray(tx.frame(0));
        assertEquals(3, Bytes.u8(out, 34));
        assertEquals(4, Bytes.u8(out, 35));
        assertEquals(1480, Bytes.u16(out, 34 + 6), "tunnel MTU: 1500 - 20");
        assertEquals(576, out.byteSize() - 14, "the error stays within 576 bytes");
        assertEquals(1, counters.get(Counter.FRAG_NEEDED));
        assertEquals(0, counters.get(Counter.FORWARDED));
        tx.clear();
        byte[] fits = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 1480 - 40, 64, true);
        receive(fits);
        assertEquals(1, counters.get(Counter.FORWARDED), "1480 bytes fit the tunnel");
    }

    @Test
    void overMtuWithoutDf_droppedAndCounted() {
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x18, 1500 - 40 + 1, 64, false);
        receive(f);
        assertEquals(0, tx.count);
        assertEquals(1, counters.get(Counter.TOO_BIG));
    }

    @Test
    void arpForTheVip_answeredInModeAOnly() {
        receive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP), 0, AfPacketPort.PACKET_BROADCAST);
        assertEquals(1, tx.count);
        PacketView v = new PacketView();
        byte[] reply = tx.frame(0);
        assertEquals(PacketView.ARP, v.parse(MemorySegment.ofArray(reply), 0, reply.length));
        assertEquals(2, v.arpOperation());
        assertEquals(VIP, v.arpSenderIp());
        assertEquals(DIRECTOR_MAC, v.arpSenderMac());
        assertEquals(CLIENT, v.arpTargetIp());
        assertEquals(CLIENT_MAC, v.dstMac());
        tx.clear();
        processor = processor(false);
        receive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, VIP), 0, AfPacketPort.PACKET_BROADCAST);
        assertEquals(0, tx.count, "mode B: the kernel answers");
        receive(TestFrames.arpRequest(CLIENT_MAC, CLIENT, SERVER), 0, AfPacketPort.PACKET_BROADCAST);
        assertEquals(0, tx.count, "not a VIP");
    }

    @Test
    void unknownNextHop_arpRequestOncePerSecondThenLearnt() {
        int other = Bytes.parseIpv4("10.99.0.12");
        route = Route.direct(other);
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true);
        receive(f);
        receive(f);
        assertEquals(1, tx.count, "one request, however many packets");
        PacketView v = new PacketView();
        byte[] req = tx.frame(0);
        assertEquals(PacketView.ARP, v.parse(MemorySegment.ofArray(req), 0, req.length));
        assertEquals(1, v.arpOperation());
        assertEquals(other, v.arpTargetIp());
        assertEquals(DIRECTOR, v.arpSenderIp());
        assertEquals(2, counters.get(Counter.NO_NEIGHBOUR));
        now.addAndGet(NeighbourCache.REQUEST_INTERVAL_NANOS);
        receive(f);
        assertEquals(2, tx.count, "asked again after a second");
        tx.clear();
        byte[] reply = new byte[Arp.FRAME_LENGTH];
        Arp.writeReply(MemorySegment.ofArray(reply), 0, 0x0200000000_12L, other, DIRECTOR_MAC, DIRECTOR);
        receive(reply);
        assertEquals(0x0200000000_12L, neighbours.lookup(other));
        receive(f);
        assertEquals(1, counters.get(Counter.FORWARDED));
        assertEquals(0x0200000000_12L, Bytes.mac(MemorySegment.ofArray(tx.frame(0)), 0));
    }

    @Test
    void icmpErrorForTheVip_relayedToTheFlowsServer() {
        PacketView[] seen = new PacketView[1];
        int[] flow = new int[5];
        processor = new PacketProcessor(DIRECTOR_MAC, DIRECTOR, MTU, vips, p -> {
            flow[0] = p.flowProtocol();
            flow[1] = p.flowClient();
            flow[2] = p.flowClientPort();
            flow[3] = p.flowVirtual();
            flow[4] = p.flowVirtualPort();
            seen[0] = p;
            return p.isIcmpError() ? route : null;
        }, neighbours, counters, true, now::get);
        byte[] reply = TestFrames.tcp(VIP, 80, CLIENT, 40000, 0x10, 1400, 64, true);
        byte[] f = TestFrames.icmpError(Bytes.parseIpv4("10.99.0.254"), VIP, 3, 4, reply);
        receive(f);
        assertEquals(1, tx.count);
        assertEquals(1, counters.get(Counter.ICMP_RELAYED));
        assertEquals(6, flow[0]);
        assertEquals(CLIENT, flow[1]);
        assertEquals(40000, flow[2]);
        assertEquals(VIP, flow[3]);
        assertEquals(80, flow[4]);
        assertEquals(SERVER_MAC, Bytes.mac(MemorySegment.ofArray(tx.frame(0)), 0));
    }

    @Test
    void framesNotForUs_leftAlone() {
        receive(TestFrames.tcp(CLIENT, 40000, SERVER, 80, 0x02, 0, 64, true));
        receive(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true), 0, AfPacketPort.PACKET_OTHERHOST);
        byte[] ping = TestFrames.ipv4(CLIENT, VIP, PacketView.ICMP, 8, 64, false, 0, (s, l4) -> Bytes.u8(s, l4, 8));
        receive(ping);
        assertEquals(0, tx.count);
        assertEquals(3, counters.get(Counter.NOT_OURS));
        route = null;
        receive(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true));
        assertEquals(1, counters.get(Counter.REFUSED));
    }

    @Test
    void ipv6_directRoutingHopLimitAndPacketTooBig() {
        vips.add(TestFrames.VIP6_HI, TestFrames.VIP6_LO);
        neighbours.learn(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO, SERVER_MAC, now.get());
        route = Route.direct6(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO);
        byte[] f = TestFrames.tcp6(TestFrames.VIP6_HI, TestFrames.VIP6_LO, 40000, 80, 0x02, 10, 64);
        receive(f);
        assertEquals(1, counters.get(Counter.FORWARDED));
        MemorySegment out = MemorySegment.ofArray(tx.frame(0));
        assertEquals(SERVER_MAC, Bytes.mac(out, 0));
        assertEquals(DIRECTOR_MAC, Bytes.mac(out, 6));
        assertEquals(63, Bytes.u8(out, 21), "hop limit decremented");
        assertEquals(TestFrames.VIP6_LO, Bytes.u64(out, 46), "addresses unchanged");
        assertTrue(Checksums.l4Valid6(out, 54, f.length - 54, TestFrames.CLIENT6_HI, TestFrames.CLIENT6_LO,
                TestFrames.VIP6_HI, TestFrames.VIP6_LO, 6));

        tx.clear();
        receive(TestFrames.tcp6(TestFrames.VIP6_HI, TestFrames.VIP6_LO, 40000, 80, 0x02, 0, 1));
        assertEquals(1, counters.get(Counter.TTL_EXPIRED));
        PacketView v = new PacketView();
        byte[] err = tx.frame(0);
        assertEquals(PacketView.IPV6, v.parse(MemorySegment.ofArray(err), 0, err.length), "checksum verified");
        assertEquals(3, v.icmpType());
        assertEquals(TestFrames.CLIENT6_LO, v.dstLo());
        assertEquals(TestFrames.VIP6_LO, v.srcLo());

        tx.clear();
        receive(TestFrames.tcp6(TestFrames.VIP6_HI, TestFrames.VIP6_LO, 40000, 80, 0x18, 1500 - 60 + 1, 64));
        err = tx.frame(0);
        assertEquals(PacketView.IPV6, v.parse(MemorySegment.ofArray(err), 0, err.length));
        assertEquals(2, v.icmpType());
        assertEquals(1500, Bytes.u32(MemorySegment.ofArray(err), 54 + 4), "packet too big carries the MTU");
        assertTrue(err.length - 14 <= 1280, "within the IPv6 minimum MTU");
        assertTrue(v.isIcmpError(), "quotes the packet, so it names its flow");
        assertEquals(40000, v.flowVirtualPort(), "(seen from the quoted packet's reverse)");
    }

    @Test
    void ipv6_neighbourDiscovery() {
        vips.add(TestFrames.VIP6_HI, TestFrames.VIP6_LO);
        receive(TestFrames.solicitation(TestFrames.VIP6_HI, TestFrames.VIP6_LO), 0, AfPacketPort.PACKET_MULTICAST);
        assertEquals(1, counters.get(Counter.ARP_REPLIES));
        PacketView v = new PacketView();
        byte[] na = tx.frame(0);
        assertEquals(PacketView.IPV6, v.parse(MemorySegment.ofArray(na), 0, na.length));
        assertEquals(136, v.icmpType());
        assertEquals(255, v.ttl());
        assertEquals(TestFrames.VIP6_LO, io.jvs.packet.internal.frame.Icmp6.targetLo(v));
        assertEquals(DIRECTOR_MAC, io.jvs.packet.internal.frame.Icmp6.linkAddressOption(v, 2));
        assertEquals(CLIENT_MAC, v.dstMac());

        // an unknown IPv6 server: a solicitation to its solicited-node group; its advertisement is learnt
        tx.clear();
        route = Route.direct6(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO);
        byte[] f = TestFrames.tcp6(TestFrames.VIP6_HI, TestFrames.VIP6_LO, 40000, 80, 0x02, 0, 64);
        receive(f);
        assertEquals(1, counters.get(Counter.NO_NEIGHBOUR));
        byte[] ns = tx.frame(0);
        assertEquals(PacketView.IPV6, v.parse(MemorySegment.ofArray(ns), 0, ns.length));
        assertEquals(135, v.icmpType());
        assertEquals(0x3333ff000011L, v.dstMac());
        assertEquals(TestFrames.DIRECTOR6_LO, v.srcLo());
        byte[] adv = new byte[14 + 40 + 32];
        io.jvs.packet.internal.frame.Icmp6.writeAdvertisement(MemorySegment.ofArray(adv), 0, SERVER_MAC,
                TestFrames.SERVER6_HI, TestFrames.SERVER6_LO, DIRECTOR_MAC, TestFrames.DIRECTOR6_HI, TestFrames.DIRECTOR6_LO);
        receive(adv);
        assertEquals(SERVER_MAC, neighbours.lookup(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO));
        tx.clear();
        receive(f);
        assertEquals(1, counters.get(Counter.FORWARDED));
    }

    @Test
    void txRingFull_countedNotThrown() {
        TestFrames.ArrayTx full = new TestFrames.ArrayTx(ring, TX_BASE, 2048, 0);
        byte[] f = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true);
        MemorySegment.copy(MemorySegment.ofArray(f), 0, ring, RX, f.length);
        processor.handle(ring, RX, f.length, 0, AfPacketPort.PACKET_HOST, full);
        assertEquals(1, counters.get(Counter.TX_RING_FULL));
    }
}
