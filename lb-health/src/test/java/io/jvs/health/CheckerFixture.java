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

    /** The checks' time: it moves only when a test calls {@link FakeClock#forward}. */
    final FakeClock clock = new FakeClock();

    /**
     * A load balancer and a checker whose timers run on {@link #clock} and whose commands and predicates run on
     * the thread that moves the clock: a predicate check's whole life happens inside {@code clock.forward}.
     * Network checks still do real I/O on the checker's event loop; tests wait for their results, never for time.
     */
    void open(int connectAttempts) {
        lb = NettyLoadBalancer.builder().ioThreads(2).connectAttempts(connectAttempts)
                .connectTimeout(Duration.ofSeconds(2)).build();
        checker = HealthChecker.builder(lb).randomSeed(42).timers(clock.scheduler()).ticker(clock.ticker())
                .commandExecutor(new FakeClock.Direct()).build();
        checker.addListener(events::add);
    }

    /**
     * A load balancer and a checker on real time, for tests whose point is the data path under change (no
     * assertion of theirs depends on how soon a check runs).
     */
    void openRealTime(int connectAttempts) {
        lb = NettyLoadBalancer.builder().ioThreads(2).connectAttempts(connectAttempts)
                .connectTimeout(Duration.ofSeconds(2)).build();
        checker = HealthChecker.builder(lb).randomSeed(42).build();
        checker.addListener(events::add);
    }

    /** Moves the checks' time forward {@code times} steps of {@code step}, each step's due probes run. */
    void forward(Duration step, int times) {
        for (int i = 0; i < times; i++) {
            clock.forward(step);
        }
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
     * Waits for real I/O (a network probe's answer, the data path's report) until {@code condition} holds. The
     * bound only keeps a broken test from hanging; no assertion depends on how soon the condition holds.
     */
    void await(BooleanSupplier condition, Duration max, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                assertTrue(condition.getAsBoolean(), () -> what.get() + "\nthreads:\n" + threads());
                return;
            }
            Thread.sleep(5);
        }
        if (checker != null) {
            checker.health(); // takes each service's lock: the change in progress completes first
        }
    }

    /** Waits until the listeners have seen {@code n} events of {@code type} (delivery follows the change). */
    void awaitEvents(HealthEvent.Type type, long n) throws InterruptedException {
        await(() -> count(type) >= n, WAIT_IO, () -> n + " " + type + " events: " + events);
    }

    /** Every thread's stack, for a wait that did not end: what was everyone doing? */
    private static String threads() {
        StringBuilder sb = new StringBuilder();
        Thread.getAllStackTraces().forEach((t, stack) -> {
            sb.append(t.getName()).append(' ').append(t.getState()).append('\n');
            for (StackTraceElement e : stack) {
                sb.append("    at ").append(e).append('\n');
            }
        });
        return sb.toString();
    }

    /** The probes the check {@code index} of {@code server} has run so far. */
    long probes(ServiceId service, InetSocketAddress server, int index) {
        return health(service, server).checks().get(index).probes();
    }

    /**
     * Moves time one {@code step} and waits until the network check {@code index} of {@code server} has one more
     * result: one probe, however long its real I/O takes.
     */
    void probeOnce(ServiceId service, InetSocketAddress server, int index, Duration step) throws InterruptedException {
        long before = probes(service, server, index);
        clock.forward(step);
        await(() -> probes(service, server, index) > before, WAIT_IO, () -> "a probe of " + server + " ran");
        clock.runDue(); // the result may have scheduled a retry or a slow-start step due now
    }

    /** The bound on real I/O waits (a probe on 127.0.0.1 takes milliseconds; a loaded CI box, more). */
    static final Duration WAIT_IO = Duration.ofSeconds(20);
}
