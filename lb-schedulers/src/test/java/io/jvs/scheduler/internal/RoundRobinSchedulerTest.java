package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.Pool;
import org.junit.jupiter.api.Test;

/** The rr sequences of ipvs-spec §2.1. Servers are added A, B, C, so the kernel's list is C, B, A. */
class RoundRobinSchedulerTest {

    private final Picks picks = new Picks();
    private final RoundRobinScheduler rr = new RoundRobinScheduler();
    private final Pool pool = new Pool(rr);
    private final FakeDestination a = picks.name("A", pool.add(FakeDestination.of("10.0.0.1", 80, 1)));
    private final FakeDestination b = picks.name("B", pool.add(FakeDestination.of("10.0.0.2", 80, 1)));
    private final FakeDestination c = picks.name("C", pool.add(FakeDestination.of("10.0.0.3", 80, 1)));

    @Test
    void equalWeights_newestFirst() {
        assertEquals("C B A C B A C B A", picks.picks(rr, 9));
    }

    @Test
    void quiescedAfterFirstPick_isSkipped() {
        assertEquals("C", picks.picks(rr, 1));
        pool.edit(b, 0);
        assertEquals("A C A C A", picks.picks(rr, 5));
    }

    @Test
    void addKeepsCursor() {
        assertEquals("C B", picks.picks(rr, 2));
        picks.name("D", pool.add(FakeDestination.of("10.0.0.4", 80, 1)));
        assertEquals("A D C B A D", picks.picks(rr, 6));
    }

    @Test
    void deleteUnderCursor_movesCursorToPredecessor() {
        assertEquals("C B", picks.picks(rr, 2));
        pool.remove(b);
        assertEquals("A C A C", picks.picks(rr, 4));
    }

    @Test
    void deleteFirstUnderCursor_restartsFromHead() {
        assertEquals("C", picks.picks(rr, 1));
        pool.remove(c);
        assertEquals("B A B A", picks.picks(rr, 4));
    }

    @Test
    void weightsDoNotMatter_onlyZero() {
        pool.edit(a, 100);
        assertEquals("C B A C B A", picks.picks(rr, 6));
    }

    @Test
    void overloaded_isSkippedUntilCleared() {
        assertEquals("C", picks.picks(rr, 1));
        b.setOverloaded(true);
        assertEquals("A C A", picks.picks(rr, 3));
        b.setOverloaded(false);
        assertEquals("C B A C", picks.picks(rr, 4));
    }

    @Test
    void singleEligible_isReturnedAgainAndAgain() {
        a.setOverloaded(true);
        pool.edit(c, 0);
        assertEquals("B B B", picks.picks(rr, 3));
        b.setOverloaded(true);
        assertEquals("- -", picks.picks(rr, 2));
        a.setOverloaded(false);
        assertEquals("A A", picks.picks(rr, 2));
    }

    @Test
    void manyQuiescedInARow_areJumped() {
        RoundRobinScheduler s = new RoundRobinScheduler();
        Pool big = new Pool(s);
        for (int i = 0; i < 5000; i++) {
            big.add(i % 1000 == 0 ? 1 : 0);
        }
        // Eligible: positions 999, 1999, 2999, 3999, 4999 of the newest-first list.
        for (int round = 0; round < 3; round++) {
            for (int k = 0; k < 5; k++) {
                assertEquals(big.get(999 + 1000 * k), s.select(null));
            }
        }
    }
}
