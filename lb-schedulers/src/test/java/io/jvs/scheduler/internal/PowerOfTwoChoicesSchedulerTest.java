package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import io.jvs.scheduler.testing.ScriptedRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** twos (ipvs-spec §2.9) with scripted draws: A, B, C added with weights 3, 2, 1, so the list is C, B, A. */
class PowerOfTwoChoicesSchedulerTest {

    private final ScriptedRandom random = new ScriptedRandom();
    private final PowerOfTwoChoicesScheduler twos = new PowerOfTwoChoicesScheduler(
            new FakeContext(Set.of(), new ManualTicker(), random));
    private final Pool pool = new Pool(twos);
    private final FakeDestination a = pool.add(FakeDestination.of("10.0.0.1", 80, 3));
    private final FakeDestination b = pool.add(FakeDestination.of("10.0.0.2", 80, 2));
    private final FakeDestination c = pool.add(FakeDestination.of("10.0.0.3", 80, 1));
    private final FakeFlow flow = new FakeFlow();

    @Test
    void drawsInZeroToTotalInclusive_mapToRunningSums() {
        // W = 6, draws in [0, 6]: 0 and 1 -> C; 2, 3 -> B; 4, 5, 6 -> A. No connections: choice1 wins ties.
        long[][] cases = {{0, 6}, {1, 2}, {2, 0}, {3, 4}, {4, 1}, {5, 5}, {6, 3}};
        FakeDestination[] expected = {c, c, b, b, a, a, a};
        for (int i = 0; i < cases.length; i++) {
            random.then(cases[i]);
            assertSame(expected[i], twos.select(flow), "draws " + cases[i][0] + ", " + cases[i][1]);
        }
    }

    @Test
    void lessLoadedOfTheTwo_byOverheadPerWeight() {
        c.setCounts(1, 0); // C: 256 / 1
        a.setCounts(0, 100); // A: 100 / 3
        random.then(0, 4); // C, A: 3 * 256 > 1 * 100 -> A
        assertSame(a, twos.select(flow));
        random.then(4, 0); // A, C: 1 * 100 > 3 * 256? no -> A
        assertSame(a, twos.select(flow));
    }

    @Test
    void overloadedAndQuiescedAreNotDrawn() {
        b.setOverloaded(true);
        pool.edit(c, 0);
        random.then(0, 3); // W = 3: bound 4; only A
        assertSame(a, twos.select(flow));
        a.setOverloaded(true);
        assertNull(twos.select(flow)); // no draw when there is nothing to draw from
        assertThrows(IllegalStateException.class, () -> random.nextLong(1)); // and nothing was consumed
    }

    @Test
    void thirtyTwoBitProducts_wrapAsInTheKernel() {
        // A: overhead 2^30 (active 2^22); B: 0. B * overhead(A) = 2 * 2^30 = 2^31 wraps negative in 32 bits, so
        // the kernel keeps choice1 = A although B is idle.
        a.setCounts(1 << 22, 0);
        random.then(4, 2); // choice1 = A, choice2 = B
        assertSame(a, twos.select(flow));
        a.setCounts(1 << 21, 0); // 2 * 2^29 = 2^30: no wrap, B wins
        random.then(4, 2);
        assertSame(b, twos.select(flow));
    }
}
