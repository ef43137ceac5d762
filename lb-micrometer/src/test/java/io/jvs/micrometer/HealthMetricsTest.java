package io.jvs.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthChecker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HealthMetrics over a real HealthChecker on a Director whose predicate checks the test turns up and down. */
class HealthMetricsTest {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();
    private static final InetSocketAddress VIP = new InetSocketAddress(LO, 8080);
    private static final InetSocketAddress RS1 = new InetSocketAddress(LO, 9001);
    private static final InetSocketAddress RS2 = new InetSocketAddress(LO, 9002);

    private final Set<InetSocketAddress> failing = ConcurrentHashMap.newKeySet();
    private Director director;
    private HealthChecker checker;
    private MeterRegistry registry;
    private HealthMetrics metrics;

    @BeforeEach
    void setUp() {
        director = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .build();
        checker = HealthChecker.builder(director).randomSeed(1).build();
        registry = new SimpleMeterRegistry();
        metrics = new HealthMetrics(checker, Tags.of("lb", "test"), Duration.ZERO);
    }

    @AfterEach
    void tearDown() {
        metrics.close();
        checker.close();
        director.close();
    }

    @Test
    void stateResultLatencyAndQuorum_followTheChecks() throws Exception {
        CheckSettings fast = CheckSettings.defaults().withInterval(Duration.ofMillis(20))
                .withTimeout(Duration.ofMillis(500)).withRetries(0).withWarmup(Duration.ZERO).withRise(1).withFall(1);
        HealthCheck probe = HealthCheck.predicate("probe", a -> !failing.contains(a)).withSettings(fast);
        VirtualService vs = VirtualService.tcp(VIP).scheduler("wrr").realServer(RealServer.of(RS1).withWeight(3))
                .realServer(RealServer.of(RS2).withWeight(2)).build();
        checker.start(CheckedService.builder(vs).servers(s -> s.withChecks(probe)).build()).join();
        metrics.bindTo(registry);
        assertThrows(IllegalStateException.class, () -> metrics.bindTo(registry));

        awaitValue(() -> value("lb.health.check.result", RS1) == 1 && value("lb.health.check.result", RS2) == 1);
        assertEquals(1, value("lb.health.state", RS1));
        assertEquals(3, value("lb.health.weight", RS1));
        assertEquals(2, value("lb.health.weight", RS2));
        assertEquals(1, service("lb.health.quorum"));
        assertEquals(5, service("lb.health.live.weight"));
        assertEquals(0, service("lb.health.sorry.server.active"));
        Meter state = registry.get("lb.health.state").tag("server", "127.0.0.1:9001").meter();
        assertEquals("TCP 127.0.0.1:8080", state.getId().getTag("service"));
        assertEquals("tcp", state.getId().getTag("protocol"));
        assertEquals("test", state.getId().getTag("lb"));
        assertEquals("PREDICATE probe", registry.get("lb.health.check.state").tag("server", "127.0.0.1:9002")
                .gauge().getId().getTag("check"));
        double latency = value("lb.health.check.latency", RS1);
        assertTrue(latency >= 0 && latency < 0.5, "latency " + latency);

        // Probe results reach the timer only once it is bound; wait for one healthy probe of RS2 after binding.
        awaitValue(() -> timer(RS2, "healthy") >= 1);
        failing.add(RS2);
        awaitValue(() -> value("lb.health.state", RS2) == 0);
        assertEquals(0, value("lb.health.check.state", RS2));
        assertEquals(0, value("lb.health.check.result", RS2));
        assertEquals(0, value("lb.health.weight", RS2), "removed from the service");
        assertEquals(3, service("lb.health.live.weight"));
        assertEquals(1, value("lb.health.state", RS1));
        // Listeners hear of a probe after the checker's state shows it (they run outside its lock): wait for it.
        awaitValue(() -> timer(RS2, "failed") >= 1);
        assertTrue(timer(RS2, "failed") >= 1);
        assertTrue(timer(RS2, "healthy") >= 1);
        assertEquals(0, timer(RS1, "failed"));

        checker.removeRealServer(vs.id(), RS2);
        metrics.refresh();
        assertNull(registry.find("lb.health.state").tag("server", "127.0.0.1:9002").gauge());
        assertNull(registry.find("lb.health.check.duration").tag("server", "127.0.0.1:9002").timer());
        assertEquals(1, value("lb.health.state", RS1));

        checker.stop(vs.id()).join();
        metrics.refresh();
        assertTrue(registry.find("lb.health.quorum").meters().isEmpty());
        assertTrue(registry.getMeters().isEmpty(), () -> registry.getMeters().toString());
    }

    @Test
    void close_removesEveryMeterAndStopsRecording() {
        HealthCheck probe = HealthCheck.predicate("probe", a -> true).withSettings(CheckSettings.defaults()
                .withInterval(Duration.ofMillis(20)).withWarmup(Duration.ZERO));
        checker.start(CheckedService.builder(VirtualService.tcp(VIP).realServer(RealServer.of(RS1)).build())
                .servers(s -> s.withChecks(probe)).build()).join();
        metrics.bindTo(registry);
        // service: 3 gauges; server: 2 gauges and a counter; check: 3 gauges and 2 timers
        assertEquals(11, registry.getMeters().size(), () -> registry.getMeters().toString());
        metrics.close();
        assertTrue(registry.getMeters().isEmpty());
        metrics.close();
    }

    private double value(String name, InetSocketAddress server) {
        return registry.get(name).tag("server", "127.0.0.1:" + server.getPort()).gauge().value();
    }

    private double service(String name) {
        return registry.get(name).gauge().value();
    }

    private long timer(InetSocketAddress server, String result) {
        return registry.get("lb.health.check.duration").tag("server", "127.0.0.1:" + server.getPort())
                .tag("result", result).timer().count();
    }

    /** Polls (a fresh snapshot each time) until {@code condition} holds, for at most 10 seconds. */
    private void awaitValue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            metrics.refresh();
            if (condition.getAsBoolean()) {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "timed out; meters: " + registry.getMeters());
            Thread.sleep(20);
        }
    }
}
