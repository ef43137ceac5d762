package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property: for random pools and random sequences of picks, connection events, overload changes, edits, adds,
 * deletes and clock jumps, each indexed scheduler returns exactly the server the kernel-loop reference returns.
 * QuickTheories runs with a fixed seed and reports the falsifying (seed, size) pair, which {@link Scenario#run}
 * replays.
 */
class IndexedMatchesReferenceTest {

    static final long SEED = 0x5eed_1b5L;

    @ParameterizedTest
    @ValueSource(strings = {"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr"})
    void smallPools(String name) {
        AtomicLong picked = new AtomicLong();
        qt().withFixedSeed(SEED).withExamples(150)
                .forAll(longs().all(), integers().between(0, 40))
                .checkAssert((seed, size) -> picked.addAndGet(Scenario.run(name, seed, size, 600)));
        assertTrue(picked.get() > 10_000, "picks that found a server: " + picked);
    }

    @ParameterizedTest
    @ValueSource(strings = {"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr"})
    void largePools(String name) {
        AtomicLong picked = new AtomicLong();
        qt().withFixedSeed(SEED).withExamples(6)
                .forAll(longs().all(), integers().between(500, 3000))
                .checkAssert((seed, size) -> picked.addAndGet(Scenario.run(name, seed, size, 3000)));
        assertTrue(picked.get() > 3_000, "picks that found a server: " + picked);
    }
}
