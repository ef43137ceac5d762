package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ForwardingMethod;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per rule of {@link NettyLoadBalancer.Builder}. */
class NettyLoadBalancerBuilderTest {

    @Test
    void defaults_buildAndClose() throws Exception {
        // Only this load balancer's threads count: other tests' may still be stopping (a JVM-wide count flaked).
        java.util.Set<Thread> before = Lbs.ioThreads();
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().ioThreads(1).build()) {
            assertTrue(lb.transport() != Transport.AUTO);
            assertTrue(lb.supportedForwardingMethods().contains(ForwardingMethod.FULLNAT));
            assertEquals(0, lb.stats().openConnections());
            Lbs.start(lb, io.jvs.api.VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(io.jvs.api.RealServer.of("127.0.0.1", 9)).build()); // the loop thread runs now
            java.util.Set<Thread> mine = Lbs.ioThreads();
            mine.removeAll(before);
            assertEquals(1, mine.size(), "its one event loop runs: " + mine);
        }
        Lbs.assertIoThreadsEnded(before);
    }

    @Test
    void nio_hasNoNat() {
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().transport(Transport.NIO).ioThreads(1).build()) {
            assertEquals(java.util.Set.of(ForwardingMethod.FULLNAT), lb.supportedForwardingMethods());
        }
    }

    /** A data path for DR and TUN that records what it is asked. */
    private static final class PacketLike implements io.jvs.core.DataPath {
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public java.util.Set<ForwardingMethod> supportedForwardingMethods() {
            return java.util.EnumSet.of(ForwardingMethod.DR, ForwardingMethod.TUN);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> bind(io.jvs.core.RunningService s,
                io.jvs.api.Endpoint e) {
            events.add("bind " + e);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> unbind(io.jvs.core.RunningService s,
                io.jvs.api.Endpoint e) {
            events.add("unbind " + e);
            return java.util.concurrent.CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {
            events.add("close");
        }
    }

    @Test
    void additionalDataPath_servesPacketServicesBesideSocketOnes() throws Exception {
        PacketLike packet = new PacketLike();
        int port = Net.freePort();
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().transport(Transport.NIO).ioThreads(1)
                .additionalDataPath(packet).build()) {
            assertEquals(java.util.EnumSet.of(ForwardingMethod.FULLNAT, ForwardingMethod.DR, ForwardingMethod.TUN),
                    lb.supportedForwardingMethods());
            lb.start(io.jvs.api.VirtualService.tcp("10.99.7.1", 80).realServer(io.jvs.api.RealServer.of("10.99.7.2",
                    80).withForwardingMethod(ForwardingMethod.DR)).build()).join();
            Lbs.start(lb, io.jvs.api.VirtualService.tcp("127.0.0.1", port).realServer(io.jvs.api.RealServer.of(
                    "127.0.0.1", Net.freePort())).build());
            assertEquals(List.of("bind TCP 10.99.7.1:80"), packet.events);
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                assertTrue(s.isConnected(), "the socket service listens on Netty");
            }
        }
        assertEquals(List.of("bind TCP 10.99.7.1:80", "unbind TCP 10.99.7.1:80", "close"), packet.events);
    }

    @Test
    void additionalDataPath_overlapping() {
        io.jvs.core.DataPath nat = io.jvs.core.DataPath.detached();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().additionalDataPath(nat));
        assertTrue(e.getMessage().startsWith("additionalDataPath: ["), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected: methods other than FULLNAT and NAT)"), e.getMessage());
    }

    @Test
    void transport_twice() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NettyLoadBalancer.builder().transport(Transport.NIO).transport(Transport.EPOLL));
        assertEquals("transport was already set to NIO", e.getMessage());
    }

    @Test
    void transport_null() {
        assertEquals("transport", assertThrows(NullPointerException.class,
                () -> NettyLoadBalancer.builder().transport(null)).getMessage());
    }

    @Test
    void ioThreads_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().ioThreads(0));
        assertEquals("ioThreads: 0 (expected: 1-1024)", e.getMessage());
    }

    @Test
    void connectTimeout_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().connectTimeout(Duration.ZERO));
        assertEquals("connectTimeout: PT0S (expected: PT0.001S-PT1H)", e.getMessage());
    }

    @Test
    void connectAttempts_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().connectAttempts(101));
        assertEquals("connectAttempts: 101 (expected: 1-100)", e.getMessage());
    }

    @Test
    void relayBuffer_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().relayBuffer(1024));
        assertEquals("relayBuffer: 1024 (expected: 4096-67108864)", e.getMessage());
    }

    @Test
    void relayBuffer_twice() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NettyLoadBalancer.builder().relayBuffer(8192).relayBuffer(16384));
        assertEquals("relayBuffer was already set to 8192", e.getMessage());
    }

    @Test
    void sourceAddresses_empty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().sourceAddresses(List.of()));
        assertEquals("sourceAddresses: [] (expected: at least one address)", e.getMessage());
    }

    @Test
    void sourceAddresses_wildcard() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().sourceAddresses(List.of(InetAddress.getByName("0.0.0.0"))));
        assertEquals("sourceAddress: 0.0.0.0 (expected: a unicast address of this host)", e.getMessage());
    }

    @Test
    void sourceAddresses_twice() throws Exception {
        List<InetAddress> one = List.of(InetAddress.getByName("127.0.0.2"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NettyLoadBalancer.builder().sourceAddresses(one).sourceAddresses(one));
        assertEquals("sourceAddresses was already set to [/127.0.0.2]", e.getMessage());
    }

    @Test
    void drainTimeout_negative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().drainTimeout(Duration.ofSeconds(-1)));
        assertEquals("drainTimeout: PT-1S (expected: PT0S-PT1H)", e.getMessage());
    }

    @Test
    void drainTimeout_twice() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NettyLoadBalancer.builder().drainTimeout(Duration.ZERO).drainTimeout(Duration.ZERO));
        assertEquals("drainTimeout was already set to PT0S", e.getMessage());
    }

    @Test
    void allocator_null() {
        assertEquals("allocator", assertThrows(NullPointerException.class,
                () -> NettyLoadBalancer.builder().allocator(null)).getMessage());
    }

    @Test
    void maxDatagramSize_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().maxDatagramSize(65_508));
        assertEquals("maxDatagramSize: 65508 (expected: 512-65507)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> NettyLoadBalancer.builder().maxDatagramSize(511));
        assertEquals("maxDatagramSize: 511 (expected: 512-65507)", e.getMessage());
    }

    @Test
    void maxUdpFlows_outOfRangeAndTwice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NettyLoadBalancer.builder().maxUdpFlows(0));
        assertEquals("maxUdpFlows: 0 (expected: 1-16777216)", e.getMessage());
        IllegalStateException twice = assertThrows(IllegalStateException.class,
                () -> NettyLoadBalancer.builder().maxUdpFlows(10).maxUdpFlows(20));
        assertEquals("maxUdpFlows was already set to 10", twice.getMessage());
    }

    @Test
    void toString_showsOnlyWhatWasSet() {
        assertEquals("NettyLoadBalancer.Builder[transport=NIO, relayBuffer=65536]",
                NettyLoadBalancer.builder().transport(Transport.NIO).relayBuffer(65536).toString());
        assertEquals("NettyLoadBalancer.Builder[maxDatagramSize=1500, maxUdpFlows=100]",
                NettyLoadBalancer.builder().maxDatagramSize(1500).maxUdpFlows(100).toString());
    }
}
