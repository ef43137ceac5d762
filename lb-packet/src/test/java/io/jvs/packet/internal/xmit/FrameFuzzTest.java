package io.jvs.packet.internal.xmit;

import static io.jvs.packet.internal.xmit.TestFrames.CLIENT;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.ring.AfPacketPort;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing the parser and the whole per-frame path with truncated, mutated and random frames: nothing escapes (no
 * exception), nothing crashes, every frame is counted once, and whatever is sent fits its TX frame.
 */
class FrameFuzzTest {

    private static final int TX_BASE = 4096;

    private static final byte[][] SEEDS = {
        TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true),
        TestFrames.tcp(CLIENT, 40001, VIP, 80, 0x18, 200, 1, true),
        TestFrames.udp(CLIENT, 5353, VIP, 80, 30),
        TestFrames.icmpError(SERVER, VIP, 3, 4, TestFrames.tcp(VIP, 80, CLIENT, 40000, 0x10, 10, 64, true)),
        TestFrames.arpRequest(TestFrames.CLIENT_MAC, CLIENT, VIP),
        TestFrames.tcp(CLIENT, 40002, VIP, 80, 0x18, 1460, 64, true),
        TestFrames.tcp6(TestFrames.VIP6_HI, TestFrames.VIP6_LO, 40000, 80, 0x02, 20, 64),
        TestFrames.solicitation(TestFrames.VIP6_HI, TestFrames.VIP6_LO),
    };

    private final MemorySegment ring = MemorySegment.ofArray(new byte[TX_BASE + 4 * 2048]);

    private PacketProcessor processor(PacketCounters counters, int routeKind) {
        VipSet vips = new VipSet();
        vips.add(VIP);
        vips.add(TestFrames.VIP6_HI, TestFrames.VIP6_LO);
        NeighbourCache n = new NeighbourCache("eth0", java.nio.file.Path.of("/nonexistent"));
        n.learn(SERVER, SERVER_MAC, 1);
        n.learn(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO, SERVER_MAC, 1);
        Route r6 = Route.direct6(TestFrames.SERVER6_HI, TestFrames.SERVER6_LO);
        Route r = switch (routeKind) {
            case 0 -> Route.direct(SERVER);
            case 1 -> Route.ipip(SERVER, SERVER);
            default -> Route.gue(SERVER, SERVER, 6080, true);
        };
        return new PacketProcessor(DIRECTOR_MAC, DIRECTOR, TestFrames.DIRECTOR6_HI, TestFrames.DIRECTOR6_LO, 1500, vips,
                p -> p.isIpv6() ? r6 : r, n, counters, true, () -> 5L);
    }

    @Test
    void truncatedAndMutatedFrames() {
        qt().withFixedSeed(1414L).withExamples(20_000).forAll(
                integers().between(0, SEEDS.length - 1),
                integers().between(0, 2048),
                lists().of(integers().between(0, 0xfffff)).ofSizeBetween(0, 6),
                integers().between(0, 3 * 0x200 - 1))
                .checkAssert((seed, cut, mutations, kindAndStatus) -> {
                    int routeKind = kindAndStatus / 0x200;
                    int status = kindAndStatus % 0x200;
                    byte[] f = SEEDS[seed].clone();
                    for (int m : mutations) {
                        f[(m >>> 8) % f.length] = (byte) m;
                    }
                    int length = Math.min(cut, f.length);
                    run(f, length, routeKind, status);
                });
    }

    @Test
    void randomBytes() {
        qt().withFixedSeed(2026L).withExamples(5_000).forAll(
                lists().of(integers().between(0, 255)).ofSizeBetween(0, 200),
                integers().between(0, 2))
                .checkAssert((bytes, routeKind) -> {
                    byte[] f = new byte[bytes.size()];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = (byte) (int) bytes.get(i);
                    }
                    if (f.length > 14) { // steer half of them into the IPv4/ARP parsers
                        int kind = bytes.get(0) % 3;
                        f[12] = (byte) (kind == 2 ? 0x86 : 0x08);
                        f[13] = (byte) (kind == 0 ? 0x00 : kind == 1 ? 0x06 : 0xdd);
                    }
                    run(f, f.length, routeKind, 0);
                });
    }

    private void run(byte[] frame, int length, int routeKind, int status) {
        PacketCounters counters = new PacketCounters();
        PacketProcessor p = processor(counters, routeKind);
        TestFrames.ArrayTx tx = new TestFrames.ArrayTx(ring, TX_BASE, 2048, 4);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, ring, 0, frame.length);
        p.handle(ring, 0, length, status & ~AfPacketPort.TP_STATUS_COPY, AfPacketPort.PACKET_HOST, tx);
        long outcomes = 0;
        for (Counter c : Counter.values()) {
            if (c != Counter.RX_FRAMES && c != Counter.RX_BYTES && c != Counter.CHECKSUM_COMPLETED
                    && c != Counter.ICMP_SENT && c != Counter.ARP_REQUESTS) {
                outcomes += counters.get(c);
            }
        }
        assertEquals(1, counters.get(Counter.RX_FRAMES));
        assertEquals(1, outcomes, () -> "one outcome per frame: " + counters);
        for (int i = 0; i < tx.count; i++) {
            assertTrue(tx.lengths[i] > 0 && tx.lengths[i] <= 2048);
            byte[] out = tx.frame(i);
            // whatever goes out parses as a valid frame (IPIP's outer protocol 4 is OTHER to the parser)
            PacketView v = new PacketView();
            int r = v.parse(MemorySegment.ofArray(out), 0, out.length);
            assertTrue(r == PacketView.IPV4 || r == PacketView.IPV6 || r == PacketView.ARP
                    || r == PacketView.OTHER && v.protocol() == 4,
                    "sent frame parses: " + r);
        }
    }

    @Test
    void seedsAreValid() {
        for (byte[] s : SEEDS) {
            assertTrue(new PacketView().parse(MemorySegment.ofArray(s), 0, s.length) > 0);
        }
    }
}
