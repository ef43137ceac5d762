package io.jvs.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LoadBalancerMetricsTest {

    private static final InetSocketAddress VIP = new InetSocketAddress(InetAddress.getLoopbackAddress(), 8080);
    private static final InetSocketAddress RS1 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9001);
    private static final InetSocketAddress RS2 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9002);

    private Director director;
    private MeterRegistry registry;
    private LoadBalancerMetrics metrics;

    @BeforeEach
    void setUp() {
        director = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(100).build();
        registry = new SimpleMeterRegistry();
        metrics = new LoadBalancerMetrics(director, io.micrometer.core.instrument.Tags.of("lb", "test"),
                Duration.ZERO);
    }

    @AfterEach
    void tearDown() {
        metrics.close();
        director.close();
    }

    @Test
    void metersPerServerAndService() {
        VirtualService vs = VirtualService.tcp(VIP).scheduler("rr").realServer(RealServer.of(RS1))
                .realServer(RealServer.of(RS2)).build();
        director.start(vs).join();
        metrics.bindTo(registry);
        RunningService b = director.runningService(vs.id()).orElseThrow();
        Connection c = open(b, Protocol.TCP, new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000), VIP);
        c.onBackendConnected();
        c.countInbound(100);
        c.countOutbound(300);
        open(b, Protocol.TCP, new InetSocketAddress(InetAddress.getLoopbackAddress(), 40001), VIP).onClosed();
        metrics.refresh(); // a fresh snapshot

        String server = "127.0.0.1:" + c.destination().address().getPort();
        assertEquals(1, registry.get("lb.active.connections").tag("server", server).gauge().value());
        assertEquals(0, registry.get("lb.inactive.connections").tag("server", server).gauge().value());
        assertEquals(1, registry.get("lb.weight").tag("server", server).gauge().value());
        assertEquals(1, registry.get("lb.scheduled.connections").tag("server", server).functionCounter().count());
        assertEquals(100, registry.get("lb.in.bytes").tag("server", server).functionCounter().count());
        assertEquals(300, registry.get("lb.out.bytes").tag("server", server).functionCounter().count());
        assertEquals(1, registry.get("lb.in.packets").tag("server", server).functionCounter().count());
        assertEquals("tcp", registry.get("lb.active.connections").tag("server", server).gauge().getId()
                .getTag("protocol"));
        assertEquals("TCP 127.0.0.1:8080", registry.get("lb.active.connections").tag("server", server).gauge()
                .getId().getTag("service"));
        assertEquals("test", registry.get("lb.active.connections").tag("server", server).gauge().getId()
                .getTag("lb"));
        assertEquals(2, registry.get("lb.service.scheduled.connections").functionCounter().count());
        assertNull(registry.get("lb.service.scheduled.connections").functionCounter().getId().getTag("server"));
        assertEquals(2, registry.get("lb.connection.table.entries").gauge().value());
        assertEquals(100, registry.get("lb.connection.table.capacity.entries").gauge().value());
        assertEquals(0, registry.get("lb.connection.table.refused.connections").functionCounter().count());

        // the table of 100 holds 2 (one of them ended): 98 more fill it; the timer then makes room ahead by expiring
        // the ended connection of port 40001; of 102 more, one fits and 101 are refused
        for (int port = 41000; port < 41098; port++) {
            open(b, Protocol.TCP, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), VIP)
                    .onBackendConnected();
        }
        director.runTimers();
        for (int port = 41098; port < 41200; port++) {
            Connection more = open(b, Protocol.TCP, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), VIP);
            if (more != null) {
                more.onBackendConnected();
            }
        }
        director.estimateRates();
        metrics.refresh();
        assertEquals(101, registry.get("lb.connection.table.refused.connections").functionCounter().count());
        assertEquals(1, registry.get("lb.connection.table.reclaimed.connections").functionCounter().count());
        // 101 connections in one 2-s step: (101 << 9) / 4 = 12928, (12928 + 0x1FF) >> 10 = 13
        assertEquals(13, registry.get("lb.service.scheduled.connections.per.second").gauge().value());
        assertEquals(2, registry.get("lb.scheduled.connections.per.second").gauges().size());
    }

    @Test
    void refreshFollowsTheTable() {
        VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build();
        director.start(vs).join();
        metrics.bindTo(registry);
        assertEquals(1, registry.find("lb.active.connections").gauges().size());
        director.addRealServer(vs.id(), RealServer.of(RS2));
        metrics.refresh();
        assertEquals(2, registry.find("lb.active.connections").gauges().size());
        director.removeRealServer(vs.id(), RS1);
        metrics.refresh();
        assertEquals(1, registry.find("lb.active.connections").gauges().size());
        director.stop(vs.id()).join();
        metrics.refresh();
        assertTrue(registry.find("lb.active.connections").gauges().isEmpty());
        assertTrue(registry.find("lb.service.in.bytes").functionCounters().isEmpty());
        metrics.close();
        assertTrue(registry.getMeters().isEmpty());
    }

    @Test
    void defenceMeters() {
        java.util.concurrent.atomic.AtomicLong left = new java.util.concurrent.atomic.AtomicLong(5000);
        try (Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .memoryThreshold(1000).availableMemory(left::get).build();
                LoadBalancerMetrics m = new LoadBalancerMetrics(d, io.micrometer.core.instrument.Tags.empty(),
                        Duration.ZERO)) {
            VirtualService vs = VirtualService.tcp(VIP).realServer(RealServer.of(RS1))
                    .deny(java.util.List.of(io.jvs.api.Cidr.parse("10.0.0.0/8")))
                    .sourceLimit(io.jvs.api.SourceLimit.maxConnections(1)).build();
            d.start(vs).join();
            m.bindTo(registry);
            RunningService b = d.runningService(vs.id()).orElseThrow();
            open(b, Protocol.TCP, new InetSocketAddress("10.1.1.1", 1), VIP); // denied
            open(b, Protocol.TCP, new InetSocketAddress("192.0.2.1", 1), VIP);
            open(b, Protocol.TCP, new InetSocketAddress("192.0.2.1", 2), VIP); // its second at once
            left.set(0);
            d.runDefences();
            open(b, Protocol.TCP, new InetSocketAddress("192.0.2.2", 1), VIP); // memory
            m.refresh();
            assertEquals(1, registry.get("lb.refused.connections").tag("reason", "access_denied").functionCounter().count());
            assertEquals(1, registry.get("lb.refused.connections").tag("reason", "source_connections").functionCounter()
                    .count());
            assertEquals(0, registry.get("lb.refused.connections").tag("reason", "source_rate").functionCounter().count());
            assertEquals("TCP 127.0.0.1:8080", registry.get("lb.refused.connections").tag("reason", "access_denied")
                    .functionCounter().getId().getTag("service"));
            assertEquals(1, registry.get("lb.tracked.sources").gauge().value());
            assertEquals(1, registry.get("lb.defence.memory.pressure").gauge().value());
            assertEquals(0, registry.get("lb.defence.memory.available").gauge().value());
            assertEquals(1000, registry.get("lb.defence.memory.threshold").gauge().value());
            assertEquals(1, registry.get("lb.defence.memory.refused").functionCounter().count());
            assertEquals(0, registry.get("lb.defence.memory.dropped").functionCounter().count());
        }
    }

    @Test
    void bindTo_twice() {
        metrics.bindTo(registry);
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(new SimpleMeterRegistry()));
    }

    @Test
    void refreshInterval_negative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LoadBalancerMetrics(director, io.micrometer.core.instrument.Tags.empty(),
                        Duration.ofSeconds(-1)));
        assertEquals("refreshInterval: PT-1S (expected: >= PT0S)", e.getMessage());
    }


    /** A new connection as a socket data path asks for it: the connection, or null when refused. */
    private static Connection open(RunningService s, Protocol p, InetSocketAddress client, InetSocketAddress virtual) {
        FlowRequest r = new FlowRequest().set(p, client, virtual);
        return s.open(r).admitted() ? r.connection() : null;
    }
}
