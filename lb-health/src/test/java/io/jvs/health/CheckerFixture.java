package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.netty.NettyLoadBalancer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;

/** A NettyLoadBalancer with a HealthChecker on it, recording events; closed after each test. */
abstract class CheckerFixture {

    final List<HealthEvent> events = Collections.synchronizedList(new ArrayList<>());
    final List<Backend> backends = new ArrayList<>();
    NettyLoadBalancer lb;
    HealthChecker checker;

    void open(int connectAttempts) {
        lb = NettyLoadBalancer.builder().ioThreads(2).connectAttempts(connectAttempts)
                .connectTimeout(Duration.ofSeconds(2)).build();
        checker = HealthChecker.builder(lb).randomSeed(42).build();
        checker.addListener(events::add);
    }

    @AfterEach
    void closeAll() {
        if (checker != null) {
            checker.close();
        }
        if (lb != null) {
            lb.close();
        }
        backends.forEach(Backend::close);
    }

    Backend backend() throws IOException {
        Backend b = new Backend();
        backends.add(b);
        return b;
    }

    /** Fast checks: interval 20 ms, timeout 500 ms, no retries, no warmup. */
    static CheckSettings fast(int rise, int fall) {
        return CheckSettings.defaults().withInterval(Duration.ofMillis(20)).withTimeout(Duration.ofMillis(500))
                .withRetries(0).withRetryDelay(Duration.ofMillis(10)).withWarmup(Duration.ZERO)
                .withRise(rise).withFall(fall);
    }

    static InetSocketAddress vip() throws IOException {
        return new InetSocketAddress(Backend.LOOPBACK, Backend.freePort());
    }

    /** The server's weight in the load balancer, or -1 if the service does not have it. */
    int weight(ServiceId service, InetSocketAddress server) {
        return lb.service(service).orElseThrow().realServers().stream()
                .filter(s -> s.server().address().equals(server)).mapToInt(s -> s.server().weight())
                .findFirst().orElse(-1);
    }

    List<InetSocketAddress> members(ServiceId service) {
        return lb.service(service).orElseThrow().realServers().stream().map(RealServerStatus::server)
                .map(s -> s.address()).collect(Collectors.toList());
    }

    ServerHealth health(ServiceId service, InetSocketAddress server) {
        return checker.health(service).orElseThrow().servers().stream().filter(s -> s.server().equals(server))
                .findFirst().orElseThrow();
    }

    long count(HealthEvent.Type type) {
        synchronized (events) {
            return events.stream().filter(e -> e.type() == type).count();
        }
    }

    List<HealthEvent> events(HealthEvent.Type type) {
        synchronized (events) {
            return events.stream().filter(e -> e.type() == type).collect(Collectors.toList());
        }
    }

    /**
     * Waits until {@code condition} holds, then until the checker has finished what it was doing (the load
     * balancer changes before the event about the change is sent).
     */
    void await(BooleanSupplier condition, Duration max, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                assertTrue(condition.getAsBoolean(), what.get());
                return;
            }
            Thread.sleep(5);
        }
        if (checker != null) {
            checker.health(); // takes each service's lock: the change in progress completes first
        }
    }
}
