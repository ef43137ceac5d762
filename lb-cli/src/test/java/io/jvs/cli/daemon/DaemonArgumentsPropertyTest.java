package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.cli.ArgumentVectors;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code jvs daemon}'s command line, random and mutated: it parses or is refused with one clear line, never another
 * exception. Seeds are fixed ({@code -Djvs.qt.seed=N} replays another run).
 */
class DaemonArgumentsPropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x4441454dL);
    private static final int EXAMPLES = 5000;
    private static final List<String> OPTIONS = List.of("--config", "--rules", "--admin", "--admin-token-file", "--http",
            "--transport", "--threads");
    private static final List<String> VALID = List.of("--config", "/etc/jvs/keepalived.conf", "--admin", "127.0.0.1:9901",
            "--admin-token-file", "/run/jvs/admin.token", "--http", "9100", "--transport", "nio", "--threads", "2");

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
                DaemonCommand.parse(args.toArray(new String[0]));
            } catch (RuntimeException e) {
                refused.incrementAndGet();
                ArgumentVectors.assertClearMessage(args, e);
            }
        });
        System.out.printf("DaemonArgumentsPropertyTest: %d command lines (seed %d), %d refused%n", cases.get(), SEED,
                refused.get());
        assertTrue(cases.get() >= EXAMPLES * 99 / 100, cases + " cases ran");
    }
}
