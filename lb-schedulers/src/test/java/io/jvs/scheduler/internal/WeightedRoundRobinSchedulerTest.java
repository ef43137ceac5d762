package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.Pool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The wrr sequences of ipvs-spec §2.2: servers named in {@code -a} order (so the kernel's list is reversed),
 * scheduled either as {@code -A} then one {@code -a} at a time (an update per add) or bound once to the full list.
 */
class WeightedRoundRobinSchedulerTest {

    private final Picks picks = new Picks();

    private Pool pool(WeightedRoundRobinScheduler s, String weights, boolean progressive) {
        Pool pool = new Pool(s);
        String[] w = weights.split(",");
        for (int i = 0; i < w.length; i++) {
            FakeDestination d = picks.name(String.valueOf((char) ('A' + i)),
                    FakeDestination.of("10.0.0." + (i + 1), 80, Integer.parseInt(w[i])));
            if (progressive) {
                pool.add(d);
            } else {
                pool.stage(d);
            }
        }
        if (!progressive) {
            pool.bind();
        }
        return pool;
    }

    @ParameterizedTest(name = "weights {0}")
    @CsvSource(delimiter = ';', value = {
        "4,3,2; C B A A B A C B A C B A A B A C B A C B A A B A; A B A C B A C B A A B A C B A C B A",
        "1,1,1; C B A C B A; C B A C B A",
        "4,2; B A A B A A B A A; A B A A B A A B A",
        "5,1,1; C B A A A A A C B A A A A A; A A A A C B A A A A A C B",
        "2,4,6; C B A C C B C B A C C B C B A; C C B C B A C C B C B A",
    })
    void specSequences(String weights, String progressive, String bound) {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        pool(s, weights, true);
        assertEquals(progressive, picks.picks(s, progressive.split(" ").length), "-A then -a");
        WeightedRoundRobinScheduler t = new WeightedRoundRobinScheduler();
        pool(t, weights, false);
        assertEquals(bound, picks.picks(t, bound.split(" ").length), "bound after the servers exist");
    }

    @Test
    void steadyStatePeriod() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        pool(s, "4,3,2", false);
        picks.picks(s, 9);
        assertEquals("A B A C B A C B A A B A C B A C B A", picks.picks(s, 18));
    }

    @Test
    void gcdStepping() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        pool(s, "40,20", false);
        // di = 20, mw = 40 - 19 = 21: passes at cw = 21 (A) and cw = 1 (B, A).
        assertEquals("A B A A B A", picks.picks(s, 6));
    }

    @Test
    void editBetweenPicks_resetsToHeadAndRoundsCw() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        Pool p = pool(s, "4,3,2", false);
        assertEquals("A B A", picks.picks(s, 3)); // cw is now 3, cl at A
        p.edit(p.get(0), 0); // C quiesced: cl = head, di = 1, mw = 4, cw stays 3
        // cw = 3: B A; cw = 2: B A; cw = 1: B A (C has weight 0); cw = 4: A; cw = 3: B A
        assertEquals("B A B A B A A B A", picks.picks(s, 9));
    }

    @Test
    void deleteBetweenPicks() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        Pool p = pool(s, "4,3,2", false);
        assertEquals("A B", picks.picks(s, 2));
        p.remove(p.get(1)); // B
        // cw was 3; list C(2), A(4): di = 2, mw = 3, cw 3 -> kept (3 <= mw, di > 1: 3/2*2+1 = 3)
        assertEquals("A C A A C A", picks.picks(s, 6));
    }

    @Test
    void allOverloaded_noDestinationAndRecovery() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        Pool p = pool(s, "4,3,2", false);
        assertEquals("A B", picks.picks(s, 2));
        for (FakeDestination d : p.servers()) {
            d.setOverloaded(true);
        }
        assertEquals("- -", picks.picks(s, 2));
        p.get(1).setOverloaded(false); // B
        assertEquals("B B B", picks.picks(s, 3));
    }

    @Test
    void allQuiesced_noDestination() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        Pool p = pool(s, "0,0", false);
        assertEquals("- -", picks.picks(s, 2));
        p.edit(p.get(0), 2);
        assertEquals("B B", picks.picks(s, 2));
    }

    @Test
    void largeWeights_skipEmptyPassesInOneStep() {
        WeightedRoundRobinScheduler s = new WeightedRoundRobinScheduler();
        Pool p = pool(s, "65535,1,1", false);
        assertEquals("A", picks.picks(s, 1));
        p.get(2).setOverloaded(true); // A: now every pass from 65534 down to 2 finds nobody
        assertEquals("C B C B", picks.picks(s, 4));
    }
}
