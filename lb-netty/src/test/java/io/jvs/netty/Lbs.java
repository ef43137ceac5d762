package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.internal.Transports;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** Load balancers for tests: every transport that runs here, small and quick to close. */
public final class Lbs {

    private Lbs() {}

    /**
     * The transports to run each suite on: epoll and io_uring where available, and NIO; only those the system property
     * {@code jvs.test.transports} names, if set (a comma-separated list, as the build's run of the relay suites on
     * epoll's channel relay sets it).
     */
    public static Stream<Transport> transports() {
        List<Transport> list = new ArrayList<>();
        if (Transports.isAvailable(Transport.EPOLL)) {
            list.add(Transport.EPOLL);
        }
        list.add(Transport.NIO);
        if (Transports.isAvailable(Transport.IO_URING)) {
            list.add(Transport.IO_URING);
        }
        String only = System.getProperty("jvs.test.transports", "");
        if (!only.isBlank()) {
            List<String> names = List.of(only.toUpperCase(java.util.Locale.ROOT).split("\\s*,\\s*"));
            list.removeIf(t -> !names.contains(t.name()));
        }
        return list.stream();
    }

    /** Two event loops, 2 s connect timeout, 500 ms drain. */
    public static NettyLoadBalancer.Builder builder(Transport t) {
        return NettyLoadBalancer.builder().transport(t).ioThreads(2).connectTimeout(Duration.ofSeconds(2))
                .drainTimeout(Duration.ofMillis(500));
    }

    /** Starts a round-robin service on a free port of 127.0.0.1 in front of {@code backends}; returns the port. */
    public static int startRr(NettyLoadBalancer lb, Backend... backends) throws IOException {
        VirtualService.Builder b = VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler("rr");
        for (Backend be : backends) {
            b.realServer(RealServer.of(be.address()));
        }
        return start(lb, b.build());
    }

    /** Starts {@code service}; returns its port. */
    public static int start(NettyLoadBalancer lb, VirtualService service) {
        try {
            lb.start(service).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("cannot start " + service, e);
        }
        return service.id().address().getPort();
    }

    /**
     * Waits until the data path has no open connection and every entry left in the connection table is in a
     * closing state (entries outlive their sockets, in TIME_WAIT or CLOSE, as in IPVS).
     */
    public static void awaitIdle(NettyLoadBalancer lb) {
        await(() -> lb.stats().openConnections() == 0 && lb.connections().stream()
                        .allMatch(c -> c.template() || c.state().equals("TIME_WAIT") || c.state().equals("CLOSE")),
                Duration.ofSeconds(10), () -> "connections still open: " + lb.stats() + " " + lb.connections());
        assertEquals(0, lb.stats().openConnections());
    }

    public static void await(BooleanSupplier condition, Duration timeout, java.util.function.Supplier<String> what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out after " + timeout + ": " + what.get());
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted");
            }
        }
    }

    /** The live event-loop threads of every load balancer in this JVM now. */
    public static java.util.Set<Thread> ioThreads() {
        return io.jvs.testing.LbThreads.live(io.jvs.testing.LbThreads.IO);
    }

    /**
     * Asserts that the event-loop threads started since {@code before} (this test's own: other tests' load balancers
     * may still be stopping theirs) have all ended, waiting up to 10 s for each.
     */
    public static void assertIoThreadsEnded(java.util.Set<Thread> before) throws InterruptedException {
        io.jvs.testing.LbThreads.assertEnded(before, io.jvs.testing.LbThreads.IO, Duration.ofSeconds(10));
    }

    /** Builds with the lean relay on or off (off: the channel relay, as {@code -Dio.jvs.netty.leanRelay=false}). */
    public static NettyLoadBalancer build(NettyLoadBalancer.Builder b, boolean leanRelay) {
        String key = "io.jvs.netty.leanRelay";
        String before = System.getProperty(key);
        System.setProperty(key, Boolean.toString(leanRelay));
        try {
            return b.build();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
    }
}
