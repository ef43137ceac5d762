package io.jvs.packet.internal.xmit;

import static io.jvs.packet.internal.xmit.TestFrames.CLIENT;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR;
import static io.jvs.packet.internal.xmit.TestFrames.DIRECTOR_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER;
import static io.jvs.packet.internal.xmit.TestFrames.SERVER_MAC;
import static io.jvs.packet.internal.xmit.TestFrames.VIP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.RunningService;
import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.path.PacketRouter;
import io.jvs.packet.internal.path.RouteTable;
import io.jvs.packet.internal.path.ServiceMap;
import io.jvs.packet.internal.ring.AfPacketPort;
import io.jvs.testing.Allocations;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The per-frame path on lb-core: frames through a {@link PacketProcessor} whose {@link PacketRouter} asks a real
 * {@link Director} (wrr scheduler, IPVS's input-only TCP table, statistics), as the packet data path does.
 */
class DirectorRoutingTest {

    private static final int SERVER2 = Bytes.parseIpv4("10.99.0.12");
    private static final long SERVER2_MAC = 0x02_00_00_00_00_12L;
    private static final int TX_BASE = 4096;
    private static final InetSocketAddress VIP80 = new InetSocketAddress("10.99.0.100", 80);

    private final MemorySegment ring = MemorySegment.ofArray(new byte[TX_BASE + 4 * 2048]);
    private TestFrames.ArrayTx tx = new TestFrames.ArrayTx(ring, TX_BASE, 2048, 4);
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ServiceMap services = new ServiceMap();
    private Director director;
    private PacketProcessor processor;

    /** Binds services into the map, as PacketDataPath does. */
    private final DataPath path = new DataPath() {
        @Override
        public Set<ForwardingMethod> supportedForwardingMethods() {
            return EnumSet.of(ForwardingMethod.DR, ForwardingMethod.TUN);
        }

        @Override
        public CompletableFuture<Void> bind(RunningService service, Endpoint e) {
            services.put(e.protocol().number(), Bytes.parseIpv4(e.address().getAddress().getHostAddress()),
                    e.address().getPort(), service);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> unbind(RunningService service, Endpoint e) {
            services.remove(e.protocol().number(), Bytes.parseIpv4(e.address().getAddress().getHostAddress()),
                    e.address().getPort(), service);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {}
    };

    @BeforeEach
    void setUp() {
        director = Director.builder().dataPath(path).rateEstimator(false).connectionTimer(false).build();
        VipSet vips = new VipSet();
        vips.add(VIP);
        NeighbourCache neighbours = new NeighbourCache("eth0", java.nio.file.Path.of("/nonexistent"));
        neighbours.learn(SERVER, SERVER_MAC, now.get());
        neighbours.learn(SERVER2, SERVER2_MAC, now.get());
        processor = new PacketProcessor(DIRECTOR_MAC, DIRECTOR, 0, 0, 1500, vips, new VipSet(),
                new PacketRouter(services, new RouteTable(ip -> ip)), neighbours, new PacketCounters(), now::get);
    }

    @AfterEach
    void close() {
        director.close();
    }

    private static RealServer dr(String address) {
        return RealServer.of(address, 80).withForwardingMethod(ForwardingMethod.DR);
    }

    private long send(byte[] frame) {
        tx.count = 0;
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, ring, 0, frame.length);
        processor.handle(ring, 0, frame.length, 0, AfPacketPort.PACKET_HOST, tx);
        return tx.count == 0 ? -1 : Bytes.mac(MemorySegment.ofArray(tx.frame(0)), 0);
    }

    private ServiceStatus status() {
        return director.service(ServiceId.tcp(VIP80)).orElseThrow();
    }

    @Test
    void wrr_alternates_andTheFlowStaysOnItsServer() {
        director.start(VirtualService.tcp(VIP80).scheduler("wrr").realServer(dr("10.99.0.11"))
                .realServer(dr("10.99.0.12")).build()).join();
        long first = send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true));
        long second = send(TestFrames.tcp(CLIENT, 40001, VIP, 80, 0x02, 0, 64, true));
        assertEquals(Set.of(SERVER_MAC, SERVER2_MAC), Set.of(first, second));
        for (int i = 0; i < 3; i++) {
            assertEquals(first, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 100, 64, true)));
        }
        List<ConnectionStatus> c = director.connections();
        assertEquals(2, c.size());
        ConnectionStatus established = c.stream().filter(s -> s.client().getPort() == 40000).findFirst()
                .orElseThrow();
        assertEquals("ESTABLISHED", established.state());
        assertEquals(5, status().stats().inPackets(), "two SYNs and three ACKs");
        assertEquals(2, status().stats().connections());
        assertEquals(0, status().stats().outPackets(), "replies bypass the director");
        assertEquals(2, status().realServers().stream().mapToInt(r -> r.activeConnections()).sum());
    }

    @Test
    void segmentWithoutEntry_refused_andCounted() {
        director.start(VirtualService.tcp(VIP80).realServer(dr("10.99.0.11")).build()).join();
        assertEquals(-1, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 10, 64, true)));
        assertEquals(1, processor.counters().get(Counter.REFUSED));
        assertEquals(1L, director.defences().services().get(0).refusals().get(io.jvs.api.Refusal.NOT_SYN));
    }

    @Test
    void otherPort_notOurs() {
        director.start(VirtualService.tcp(VIP80).realServer(dr("10.99.0.11")).build()).join();
        assertEquals(-1, send(TestFrames.tcp(CLIENT, 40000, VIP, 81, 0x02, 0, 64, true)));
        assertEquals(1, processor.counters().get(Counter.REFUSED));
        assertTrue(director.connections().isEmpty());
    }

    @Test
    void gueServer_tunnelled() {
        director.start(VirtualService.tcp(VIP80).realServer(RealServer.of("10.99.0.11", 80)
                .withForwardingMethod(ForwardingMethod.TUN).withTunnel(TunnelType.GUE, 6080, TunnelChecksum.NONE))
                .build()).join();
        assertEquals(SERVER_MAC, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true)));
        MemorySegment out = MemorySegment.ofArray(tx.frame(0));
        assertEquals(17, Bytes.u8(out, 14 + 9), "outer protocol UDP");
        assertEquals(SERVER, Bytes.u32(out, 14 + 16), "outer destination: the real server");
        assertEquals(6080, Bytes.u16(out, 14 + 20 + 2), "to the tunnel port");
    }

    @Test
    void deletedServer_itsFlowDropped_newFlowsElsewhere() {
        director.start(VirtualService.tcp(VIP80).scheduler("rr").realServer(dr("10.99.0.11")).build()).join();
        assertEquals(SERVER_MAC, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true)));
        director.addRealServer(ServiceId.tcp(VIP80), dr("10.99.0.12"));
        director.removeRealServer(ServiceId.tcp(VIP80), new InetSocketAddress("10.99.0.11", 80));
        assertEquals(-1, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 10, 64, true)),
                "expire_nodest_conn off: dropped until the entry expires, as IPVS");
        assertEquals(SERVER2_MAC, send(TestFrames.tcp(CLIENT, 40001, VIP, 80, 0x02, 0, 64, true)));
    }

    @Test
    void knownFlow_allocatesNothing() {
        director.start(VirtualService.tcp(VIP80).realServer(dr("10.99.0.11")).build()).join();
        byte[] syn = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true);
        byte[] ack = TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 100, 64, true);
        send(syn);
        MemorySegment.copy(MemorySegment.ofArray(ack), 0, ring, 0, ack.length);
        long bytes = Allocations.leastOf(20, () -> {
            for (int i = 0; i < 10_000; i++) {
                tx.count = 0;
                processor.handle(ring, 0, ack.length, 0, AfPacketPort.PACKET_HOST, tx);
            }
        });
        // Less than one byte in ten packets: what is left is the measurement's own noise, not a per-packet object.
        assertTrue(bytes < 1024, "10,000 packets of a known flow allocated " + bytes + " bytes");
    }

    @Test
    void upperThreshold_overloadedServerSkipped() {
        director.start(VirtualService.tcp(VIP80).scheduler("rr").realServer(dr("10.99.0.11").withThresholds(1, 0))
                .realServer(dr("10.99.0.12")).build()).join();
        for (int port = 40000; port < 40004; port++) {
            assertTrue(send(TestFrames.tcp(CLIENT, port, VIP, 80, 0x02, 0, 64, true)) >= 0, "forwarded");
        }
        int onFirst = status().realServers().stream().filter(r -> r.server().address().getPort() == 80
                && r.server().address().getAddress().getHostAddress().equals("10.99.0.11"))
                .mapToInt(r -> r.activeConnections() + r.inactiveConnections()).sum();
        assertEquals(1, onFirst, "-x 1: no second connection for the overloaded server");
    }

    @Test
    void memoryDefence_refusesNewFlows_keepsKnownOnes() {
        director.close();
        director = Director.builder().dataPath(path).rateEstimator(false).connectionTimer(false)
                .memoryThreshold(1 << 20).availableMemory(() -> 0).build();
        director.start(VirtualService.tcp(VIP80).realServer(dr("10.99.0.11")).build()).join();
        assertEquals(SERVER_MAC, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true)));
        director.runDefences(); // no memory left: every new connection refused
        assertEquals(-1, send(TestFrames.tcp(CLIENT, 40001, VIP, 80, 0x02, 0, 64, true)));
        assertEquals(SERVER_MAC, send(TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 10, 64, true)),
                "an established flow goes on");
        assertTrue(director.defences().services().get(0).refusals().get(io.jvs.api.Refusal.MEMORY_SHORT) >= 1);
    }

    /**
     * Malformed, truncated and random frames through the running path (parser, router, director): nothing throws,
     * every frame is counted, nothing written exceeds a TX frame, and the path still forwards afterwards.
     */
    @Test
    void fuzzedFrames_throughTheDirector() {
        director.start(VirtualService.tcp(VIP80).scheduler("rr").realServer(dr("10.99.0.11"))
                .realServer(dr("10.99.0.12")).build()).join();
        director.start(VirtualService.udp(new InetSocketAddress("10.99.0.100", 53)).realServer(
                RealServer.of("10.99.0.11", 53).withForwardingMethod(ForwardingMethod.DR)).build()).join();
        java.util.Random random = new java.util.Random(14);
        byte[][] seeds = {TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x02, 0, 64, true),
            TestFrames.tcp(CLIENT, 40000, VIP, 80, 0x10, 200, 64, false),
            TestFrames.udp(CLIENT, 5353, VIP, 53, 60),
            TestFrames.icmpError(CLIENT, VIP, 3, 4, TestFrames.tcp(VIP, 80, CLIENT, 40000, 0x12, 0, 64, true))};
        int frames = 20_000;
        for (int n = 0; n < frames; n++) {
            byte[] f;
            if (n % 10 == 0) {
                f = new byte[random.nextInt(120)];
                random.nextBytes(f);
            } else {
                byte[] seed = seeds[random.nextInt(seeds.length)];
                f = java.util.Arrays.copyOf(seed, random.nextInt(4) == 0 ? random.nextInt(seed.length + 1) : seed.length);
                for (int flips = random.nextInt(4); flips > 0 && f.length > 0; flips--) {
                    f[random.nextInt(f.length)] = (byte) random.nextInt(256);
                }
            }
            tx.count = 0;
            MemorySegment.copy(MemorySegment.ofArray(f), 0, ring, 0, f.length);
            processor.handle(ring, 0, f.length, 0, AfPacketPort.PACKET_HOST, tx);
            for (int i = 0; i < tx.count; i++) {
                assertTrue(tx.frame(i).length <= 2048, "a written frame fits its TX slot");
            }
        }
        assertEquals(frames, processor.counters().get(Counter.RX_FRAMES));
        assertTrue(director.connections().size() <= frames);
        long mac = send(TestFrames.tcp(CLIENT, 50000, VIP, 80, 0x02, 0, 64, true));
        assertTrue(mac == SERVER_MAC || mac == SERVER2_MAC, "a SYN after the fuzz is still forwarded: " + mac);
    }
}
