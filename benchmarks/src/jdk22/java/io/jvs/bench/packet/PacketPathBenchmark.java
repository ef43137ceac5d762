package io.jvs.bench.packet;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.ring.AfPacketPort;
import io.jvs.packet.internal.ring.TxFrames;
import io.jvs.packet.internal.xmit.NeighbourCache;
import io.jvs.packet.internal.xmit.PacketCounters;
import io.jvs.packet.internal.xmit.PacketProcessor;
import io.jvs.packet.internal.xmit.Route;
import io.jvs.packet.internal.xmit.VipSet;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The packet data path's per-packet work on one frame in native memory laid out as the AF_PACKET ring holds it (a
 * client's 64-byte-payload TCP segment to the VIP, as captured in the namespace tests): {@code parse} only, and
 * the whole {@code PacketProcessor.handle} (parse, VIP check, route, neighbour look-up, TTL and MTU checks,
 * rewrite into a TX frame) for direct routing, IPIP and GUE with a checksum, with the checksum complete or left
 * partial by the sender ({@code TP_STATUS_CSUMNOTREADY}). {@code baseline} copies the frame into the TX frame and
 * nothing else: the same-run floor. Run with {@code -prof gc}: every method must show 0 B/op.
 *
 * <p>Needs JDK 22+ (built by the benchmarks module's jdk22+ profile):
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -jar benchmarks/target/benchmarks.jar PacketPathBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PacketPathBenchmark {

    private static final int FRAME = 2048;
    private static final int RX = 0;
    private static final int TX = FRAME;
    private static final long DIRECTOR_MAC = 0x020000000002L;
    private static final long CLIENT_MAC = 0x020000000001L;
    private static final int CLIENT = Bytes.parseIpv4("10.99.0.1");
    private static final int DIRECTOR = Bytes.parseIpv4("10.99.0.2");
    private static final int SERVER = Bytes.parseIpv4("10.99.0.11");
    private static final int VIP = Bytes.parseIpv4("10.99.0.100");
    private static final int PAYLOAD = 64;

    /** The forwarding method. */
    @Param({"dr", "ipip", "gue-csum"})
    public String method;

    /** {@code complete}: the frame's TCP checksum is final; {@code partial}: the sender's offload left it partial. */
    @Param({"complete", "partial"})
    public String checksum;

    private Arena arena;
    private MemorySegment ring;
    private byte[] frame;
    private int length;
    private int status;
    private PacketProcessor processor;
    private final PacketView view = new PacketView();
    private final OneFrame tx = new OneFrame();

    /** A TX ring of one frame that is always free again. */
    static final class OneFrame implements TxFrames {
        int last;

        @Override
        public long nextTx() {
            return TX;
        }

        @Override
        public int txCapacity() {
            return FRAME;
        }

        @Override
        public void commitTx(int n) {
            last = n;
        }
    }

    @Setup
    public void setUp() {
        arena = Arena.ofShared();
        ring = arena.allocate(2 * FRAME, 64);
        frame = tcpSegment(checksum.equals("partial"));
        length = frame.length;
        status = AfPacketPort.TP_STATUS_USER | (checksum.equals("partial") ? AfPacketPort.TP_STATUS_CSUMNOTREADY : 0);
        VipSet vips = new VipSet();
        vips.add(VIP);
        NeighbourCache neighbours = new NeighbourCache("eth0");
        neighbours.learn(SERVER, 0x020000000011L, System.nanoTime());
        Route route = switch (method) {
            case "dr" -> Route.direct(SERVER);
            case "ipip" -> Route.ipip(SERVER, SERVER);
            default -> Route.gue(SERVER, SERVER, 6080, true);
        };
        processor = new PacketProcessor(DIRECTOR_MAC, DIRECTOR, 1500, vips, p -> route, neighbours,
                new PacketCounters(), false, System::nanoTime);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    /** The kernel writes a fresh frame into the RX slot for every packet; so does each invocation. */
    @Setup(Level.Invocation)
    public void receive() {
        MemorySegment.copy(frame, 0, ring, java.lang.foreign.ValueLayout.JAVA_BYTE, RX, length);
    }

    @Benchmark
    public int baseline() {
        MemorySegment.copy(ring, RX, ring, TX, length);
        return length;
    }

    @Benchmark
    public int parse() {
        return view.parse(ring, RX, length);
    }

    @Benchmark
    public int handle() {
        processor.handle(ring, RX, length, status, AfPacketPort.PACKET_HOST, tx);
        return tx.last;
    }

    private static byte[] tcpSegment(boolean partial) {
        int l4Length = 20 + PAYLOAD;
        byte[] b = new byte[14 + 20 + l4Length];
        MemorySegment s = MemorySegment.ofArray(b);
        Bytes.mac(s, 0, DIRECTOR_MAC);
        Bytes.mac(s, 6, CLIENT_MAC);
        Bytes.u16(s, 12, PacketView.ETH_P_IP);
        Bytes.u8(s, 14, 0x45);
        Bytes.u16(s, 16, 20 + l4Length);
        Bytes.u16(s, 18, 0x4d2e);
        Bytes.u16(s, 20, 0x4000);
        Bytes.u8(s, 22, 64);
        Bytes.u8(s, 23, PacketView.TCP);
        Bytes.u32(s, 26, CLIENT);
        Bytes.u32(s, 30, VIP);
        Checksums.setIpv4Header(s, 14, 20);
        Bytes.u16(s, 34, 41000);
        Bytes.u16(s, 36, 80);
        Bytes.u32(s, 38, 0x1c2d3e4f);
        Bytes.u32(s, 42, 0x01020304);
        Bytes.u8(s, 46, 5 << 4);
        Bytes.u8(s, 47, 0x18);
        Bytes.u16(s, 48, 502);
        for (int i = 0; i < PAYLOAD; i++) {
            Bytes.u8(s, 54 + i, 'a' + i % 26);
        }
        if (partial) {
            Bytes.u16(s, 50, Checksums.fold(Checksums.pseudoHeader(CLIENT, VIP, PacketView.TCP, l4Length)));
        } else {
            Checksums.setL4(s, 34, l4Length, 16, CLIENT, VIP, PacketView.TCP);
        }
        return b;
    }
}
