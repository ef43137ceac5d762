package io.jvs.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.cli.ArgumentVectors;
import io.jvs.testing.LbThreads;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code jvs proxy}'s command line, random and mutated: parsing and building the service and the load balancer's
 * options either succeed or refuse with one clear line (the usage follows it, exit 2), never another exception; a
 * refused command line starts nothing. Seeds are fixed ({@code -Djvs.qt.seed=N} replays another run).
 */
class ProxyArgumentsPropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x50524f58L);
    private static final int EXAMPLES = 5000;
    private static final List<String> OPTIONS = List.of("--listen", "--backend", "--scheduler", "--persistence",
            "--transport", "--threads", "--connect-timeout", "--connect-attempts", "--forward", "--source",
            "--send-proxy", "--accept-proxy", "--max-connections", "--upper-threshold", "--relay-buffer",
            "--drain-timeout", "--allow", "--deny", "--source-connections", "--source-rate", "--source-prefix",
            "--await-data", "--table-size", "--memory-threshold");
    private static final List<String> VALID = List.of("--listen", "127.0.0.1:8080", "--backend", "127.0.0.1:9001@3",
            "--backend", "[::1]:9002", "--scheduler", "wrr", "--persistence", "60", "--threads", "2",
            "--allow", "127.0.0.0/8,::1", "--deny", "127.0.0.3", "--source-connections", "50", "--source-rate",
            "20:40", "--source-prefix", "24,64", "--await-data", "5000", "--table-size", "4096",
            "--memory-threshold", "64m", "--accept-proxy", "10.0.0.0/8", "--source", "127.0.0.1");

    @Test
    void validCommandLine_parses() {
        ProxyOptions o = ProxyCommand.parse(VALID.toArray(new String[0]));
        assertEquals(50, o.service().defences().sourceLimit().maxConnections());
        assertNotNull(o.loadBalancer());
    }

    @Test
    void randomAndMutatedCommandLines() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            List<String> args = r.nextInt(3) == 0 ? ArgumentVectors.random(OPTIONS, r)
                    : ArgumentVectors.mutate(VALID, OPTIONS, r);
            cases.incrementAndGet();
            try {
                ProxyOptions o = ProxyCommand.parse(args.toArray(new String[0]));
                o.service();
                o.loadBalancer();
            } catch (RuntimeException e) {
                refused.incrementAndGet();
                ArgumentVectors.assertClearMessage(args, e);
            }
        });
        System.out.printf("ProxyArgumentsPropertyTest: %d command lines (seed %d), %d refused%n", cases.get(), SEED,
                refused.get());
        assertTrue(cases.get() >= EXAMPLES * 99 / 100, cases + " cases ran");
    }

    @Test
    void refusedCommandLine_exits2WithOneLineAndTheUsage_startingNothing() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Set<Thread> before = LbThreads.live(LbThreads.ALL);
        int status = ProxyCommand.run(new String[] {"--listen", "127.0.0.1:8080", "--backend", "127.0.0.1:9001",
                "--source-rate", "0"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("jvs proxy: --source-rate: 0 (expected: 1-1000000)\nusage: jvs proxy"), e);
        assertEquals(Set.of(), LbThreads.startedSince(before, LbThreads.ALL), "no event loop or other thread started");
    }
}
