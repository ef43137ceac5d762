package io.jvs.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthChecker;
import io.jvs.health.ServiceHealth;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17: a keepalived.conf with 100,000 real servers did not start within 60 s. Reading it and starting its
 * checks must be linear: at 100,000 servers that is seconds on a loaded 2-core machine, against minutes for the
 * quadratic reading it replaced (about 330 s to parse this file). The bound is about nine times the longest run
 * seen here (27 s with one core kept busy), so it fails only on a return of quadratic work. The checks never probe: their timers wait behind a task the test
 * holds, so the test sends no packet. It prints what each phase took, for the record.
 */
class LargeFileTest {

    private static final int SERVERS = 100_000;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void hundredThousandRealServers_loadAndStartInLinearTime(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder(SERVERS * 100);
        sb.append("virtual_server 127.0.0.1 18080 {\n    protocol TCP\n    lb_algo wrr\n    lb_kind NAT\n"
                + "    delay_loop 60\n");
        for (int i = 1; i <= SERVERS; i++) {
            sb.append("    real_server 127.").append((i >> 16) & 255).append('.').append((i >> 8) & 255).append('.')
                    .append(i & 255).append(" 8080 {\n        weight ").append(1 + i % 5)
                    .append("\n        TCP_CHECK {\n            connect_timeout 1\n        }\n    }\n");
        }
        sb.append("}\n");
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, sb);

        long t0 = System.nanoTime();
        KeepalivedConfig config = KeepalivedConfig.parser().forwardingMethods(EnumSet.of(ForwardingMethod.NAT))
                .parse(file);
        long parsed = System.nanoTime() - t0;
        assertEquals(1, config.services().size());
        CheckedService service = config.services().get(0);
        assertEquals(SERVERS, service.servers().size());
        assertEquals(RealServer.of(new InetSocketAddress("127.0.1.134", 8080)).withWeight(1 + 390 % 5)
                .withForwardingMethod(ForwardingMethod.NAT), service.servers().get(389).server());
        assertEquals(1, service.servers().get(SERVERS - 1).checks().size());

        CountDownLatch release = new CountDownLatch(1);
        ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1);
        timers.execute(() -> {
            try {
                release.await(); // every check timer waits behind this task: no probe runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try (Director director = Director.builder().dataPath(DataPath.detached()).rateEstimator(false)
                .connectionTimer(false).build();
             HealthChecker checker = HealthChecker.builder(director).timers(timers).randomSeed(1).build()) {
            long t1 = System.nanoTime();
            checker.start(service).get(120, TimeUnit.SECONDS);
            long started = System.nanoTime() - t1;
            ServiceId id = service.id();
            assertEquals(SERVERS, director.service(id).orElseThrow().realServers().size());
            ServiceHealth health = checker.health(id).orElseThrow();
            assertEquals(SERVERS, health.servers().size());
            assertTrue(health.quorumUp());
            assertEquals(SERVERS, timers.getQueue().size(), "one timer per check, no more");
            System.out.printf("keepalived.conf with %,d real servers: read in %d ms, started with checks in %d ms%n",
                    SERVERS, parsed / 1_000_000, started / 1_000_000);
        } finally {
            release.countDown();
            timers.shutdownNow();
        }
    }
}
