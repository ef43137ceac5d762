package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.Pool;
import org.junit.jupiter.api.Test;

/** lc, wlc, sed, nq, fo and ovf: the spec's examples (§2.3-2.8) and edits between picks. */
class LeastConnectionSchedulersTest {

    private final Picks picks = new Picks();
    private final FakeFlow flow = new FakeFlow();

    /** Adds A then B (list B, A) with the given weights. */
    private Pool twoServers(Scheduler s, int weightA, int weightB) {
        Pool pool = new Pool(s);
        picks.name("A", pool.add(FakeDestination.of("10.0.0.1", 80, weightA)));
        picks.name("B", pool.add(FakeDestination.of("10.0.0.2", 80, weightB)));
        return pool;
    }

    @Test
    void wlc_specExample() {
        WeightedLeastConnectionScheduler s = new WeightedLeastConnectionScheduler();
        twoServers(s, 1, 2);
        assertEquals("B A B B A B B A B", picks.picks(s, 9, true));
    }

    @Test
    void sed_specExample() {
        ShortestExpectedDelayScheduler s = new ShortestExpectedDelayScheduler();
        twoServers(s, 1, 2);
        assertEquals("B B A B B A B B A", picks.picks(s, 9, true));
    }

    @Test
    void wlc_inactiveCountsOneTwoHundredFiftySixth() {
        WeightedLeastConnectionScheduler s = new WeightedLeastConnectionScheduler();
        Pool pool = twoServers(s, 1, 1);
        pool.get(0).setCounts(0, 256); // B: overhead 256
        pool.get(1).setCounts(1, 0); // A: overhead 256: a tie goes to B, the newer
        assertEquals("B", picks.picks(s, 1));
        pool.get(0).setCounts(0, 257);
        assertEquals("A", picks.picks(s, 1));
    }

    @Test
    void wlc_sixtyFourBitProducts() {
        WeightedLeastConnectionScheduler s = new WeightedLeastConnectionScheduler();
        Pool pool = twoServers(s, 65535, 65534);
        pool.get(0).setCounts(8_000_000, 0); // B: overhead 2,048,000,000 (its product overflows 32 bits)
        pool.get(1).setCounts(8_000_100, 0); // A
        // B: 2.048e9 / 65534 = 31251.9; A: 2.0480256e9 / 65535 = 31251.6 -> A is lighter.
        assertEquals("A", picks.picks(s, 1));
    }

    @Test
    void wlc_weightZeroNeverWins_evenWithNoConnections() {
        WeightedLeastConnectionScheduler s = new WeightedLeastConnectionScheduler();
        Pool pool = twoServers(s, 0, 5);
        pool.get(0).setCounts(100, 0);
        assertEquals("B B B", picks.picks(s, 3));
        pool.edit(pool.get(0), 0);
        assertEquals("- -", picks.picks(s, 2));
    }

    @Test
    void wlc_thresholdCrossing() {
        WeightedLeastConnectionScheduler s = new WeightedLeastConnectionScheduler();
        Pool pool = twoServers(s, 1, 1);
        pool.get(0).setOverloaded(true);
        assertEquals("A A", picks.picks(s, 2, true));
        pool.get(0).setOverloaded(false);
        // B (0) < A (512); B (256) < A; B (512) ties with A and the tie goes to B, the newer; then A.
        assertEquals("B B B A", picks.picks(s, 4, true));
    }

    @Test
    void lc_ignoresWeightsButZero() {
        LeastConnectionScheduler s = new LeastConnectionScheduler();
        Pool pool = twoServers(s, 100, 1);
        assertEquals("B A B A", picks.picks(s, 4, true));
        pool.edit(pool.get(0), 0);
        assertEquals("A A", picks.picks(s, 2, true));
    }

    @Test
    void lc_inactiveBreaksTies() {
        LeastConnectionScheduler s = new LeastConnectionScheduler();
        Pool pool = twoServers(s, 1, 1);
        pool.get(0).setCounts(1, 1);
        pool.get(1).setCounts(1, 0);
        assertEquals("A", picks.picks(s, 1));
    }

    @Test
    void nq_idleFirst_thenShortestExpectedDelay() {
        NeverQueueScheduler s = new NeverQueueScheduler();
        Pool pool = new Pool(s);
        FakeDestination a = picks.name("A", pool.add(FakeDestination.of("10.0.0.1", 80, 1)));
        FakeDestination b = picks.name("B", pool.add(FakeDestination.of("10.0.0.2", 80, 4)));
        FakeDestination c = picks.name("C", pool.add(FakeDestination.of("10.0.0.3", 80, 1)));
        // Idle servers first, in list order (C, B, A), whatever their weight.
        assertEquals("C B A", picks.picks(s, 3, true));
        // Then (active + 1) / weight: B 2/4, C 2/1, A 2/1.
        assertEquals("B B B", picks.picks(s, 3, true));
        // B wins while (active + 1) / 4 < 2; at 8/4 it ties with C, and the tie goes to C, earlier in the list.
        assertEquals("B B B C", picks.picks(s, 4, true));
        a.disconnect(true); // A idle again
        assertEquals("A", picks.picks(s, 1, true));
        c.setOverloaded(true);
        b.setOverloaded(true);
        assertEquals("A A", picks.picks(s, 2, true));
    }

    @Test
    void fo_highestWeight_failsOverWhenOverloaded() {
        WeightedFailoverScheduler s = new WeightedFailoverScheduler();
        Pool pool = new Pool(s);
        FakeDestination a = picks.name("A", pool.add(FakeDestination.of("10.0.0.1", 80, 10)));
        FakeDestination b = picks.name("B", pool.add(FakeDestination.of("10.0.0.2", 80, 5)));
        FakeDestination c = picks.name("C", pool.add(FakeDestination.of("10.0.0.3", 80, 10)));
        assertEquals("C C C", picks.picks(s, 3, true)); // tie 10/10: the newer, C
        c.setOverloaded(true);
        assertEquals("A A", picks.picks(s, 2, true));
        a.setOverloaded(true);
        assertEquals("B", picks.picks(s, 1, true));
        pool.edit(b, 0);
        assertNull(s.select(flow));
        c.setOverloaded(false);
        assertEquals("C", picks.picks(s, 1));
    }

    @Test
    void ovf_overflowsWhenActiveExceedsWeight() {
        WeightedOverflowScheduler s = new WeightedOverflowScheduler();
        Pool pool = new Pool(s);
        picks.name("A", pool.add(FakeDestination.of("10.0.0.1", 80, 2)));
        picks.name("B", pool.add(FakeDestination.of("10.0.0.2", 80, 3)));
        // B takes connections while active <= 3 (so four), then A while active <= 2 (three), then none.
        assertEquals("B B B B A A A - -", picks.picks(s, 9, true));
        FakeDestination b = pool.get(0);
        b.disconnect(true);
        assertEquals("B", picks.picks(s, 1, true));
        b.deactivate(); // inactive connections do not count
        assertEquals("B", picks.picks(s, 1, true));
    }
}
