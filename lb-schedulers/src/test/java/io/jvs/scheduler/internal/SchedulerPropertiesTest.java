package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Invariants over random pools (QuickTheories, fixed seed; failures report the falsifying values). */
class SchedulerPropertiesTest {

    private static final long SEED = 0x1b5_5eedL;

    private static FakeContext context(Set<SchedulerFlag> flags) {
        return new FakeContext(flags, new ManualTicker(), new SplittableRandom(3));
    }

    /** wrr: over every full cycle of sum(w)/gcd picks each server gets exactly w/gcd of them. */
    @Test
    void wrr_fullCycleCountsAreProportionalToWeights() {
        qt().withFixedSeed(SEED).withExamples(300)
                .forAll(longs().all(), integers().between(1, 30))
                .checkAssert((seed, size) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    Scheduler s = Schedulers.wrr().create(context(Set.of()));
                    Pool pool = new Pool(s);
                    int factor = 1 + random.nextInt(4);
                    for (int i = 0; i < size; i++) {
                        pool.stage(FakeDestination.of("10.0." + (i / 200) + "." + (i % 200 + 1), 80,
                                factor * (1 + random.nextInt(random.nextBoolean() ? 5 : 40))));
                    }
                    pool.bind();
                    int g = 0;
                    long total = 0;
                    for (FakeDestination d : pool.servers()) {
                        g = WeightedRoundRobinScheduler.gcd(d.weight(), g);
                        total += d.weight();
                    }
                    for (int cycle = 0; cycle < 3; cycle++) {
                        Map<Destination, Integer> counts = new IdentityHashMap<>();
                        for (long i = 0; i < total / g; i++) {
                            counts.merge(s.select(null), 1, Integer::sum);
                        }
                        for (FakeDestination d : pool.servers()) {
                            assertEquals(d.weight() / g, counts.getOrDefault(d, 0), "seed " + seed + " cycle " + cycle
                                    + " server " + d);
                        }
                    }
                });
    }

    private static void sameAddressSameServer(Scheduler.Factory factory, Set<SchedulerFlag> flags, boolean byClient) {
        qt().withFixedSeed(SEED).withExamples(100)
                .forAll(longs().all(), integers().between(1, 300))
                .checkAssert((seed, size) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    Scheduler s = factory.create(context(flags));
                    Pool pool = new Pool(s);
                    for (int i = 0; i < size; i++) {
                        pool.add(FakeDestination.of("10.1." + (i / 200) + "." + (i % 200 + 1), 80,
                                1 + random.nextInt(5)));
                    }
                    int[] addresses = random.ints(200).toArray();
                    Destination[] first = new Destination[addresses.length];
                    for (int round = 0; round < 3; round++) {
                        for (int i = 0; i < addresses.length; i++) {
                            FakeFlow f = byClient ? new FakeFlow().client(addresses[i], random.nextInt(65536))
                                    : new FakeFlow().client(random.nextInt(), 1).virtual(addresses[i], 80);
                            Destination d = s.select(f);
                            if (d != null) {
                                FakeDestination fake = (FakeDestination) d;
                                fake.connect(); // counters move; the mapping must not
                                if (random.nextBoolean()) {
                                    fake.activate();
                                }
                            }
                            if (round == 0) {
                                first[i] = d;
                            } else {
                                assertSame(first[i], d, "seed " + seed + " address " + addresses[i]);
                            }
                        }
                    }
                });
    }

    @Test
    void sh_sameClientAddressSameServerWhileThePoolIsUnchanged() {
        sameAddressSameServer(Schedulers.sh(), Set.of(), true);
    }

    @Test
    void dh_sameVirtualAddressSameServerWhileThePoolIsUnchanged() {
        sameAddressSameServer(Schedulers.dh(), Set.of(), false);
    }

    @Test
    void mh_sameClientAddressSameServerWhileThePoolIsUnchanged() {
        sameAddressSameServer(Schedulers.mh(), EnumSet.of(SchedulerFlag.FLAG_1), true);
    }

    /**
     * mh: removing one of N servers moves every flow that was on it, and few others. Maglev's table is built
     * greedily in rounds, so the other servers' slots shift a little when one leaves (the Maglev paper's
     * "minimal disruption" is approximate); the kernel's algorithm, reproduced here, does the same. The property
     * checked is the one that holds: flows of the removed server all move, at most 15% of the others' flows move
     * for any one pool, and under 5% over all pools.
     */
    @Test
    void mh_removingOneServerMovesItsFlowsAndFewOthers() {
        int[] stats = new int[2]; // [flows on survivors, of which moved]
        qt().withFixedSeed(SEED).withExamples(60)
                .forAll(longs().all(), integers().between(2, 60))
                .checkAssert((seed, size) -> {
                    SplittableRandom random = new SplittableRandom(seed);
                    Scheduler s = Schedulers.mh().create(context(Set.of()));
                    Pool pool = new Pool(s);
                    for (int i = 0; i < size; i++) {
                        pool.add(FakeDestination.of("10.2." + (i / 200) + "." + (i % 200 + 1), 80, 1));
                    }
                    int[] clients = random.ints(3000).toArray();
                    Destination[] before = new Destination[clients.length];
                    for (int i = 0; i < clients.length; i++) {
                        before[i] = s.select(new FakeFlow().client(clients[i], 0));
                    }
                    FakeDestination gone = pool.get(random.nextInt(size));
                    pool.remove(gone);
                    int survivors = 0;
                    int moved = 0;
                    for (int i = 0; i < clients.length; i++) {
                        Destination after = s.select(new FakeFlow().client(clients[i], 0));
                        assertTrue(after != gone, "seed " + seed);
                        if (before[i] != gone) {
                            survivors++;
                            moved += after != before[i] ? 1 : 0;
                        }
                    }
                    assertTrue(moved * 100 <= survivors * 15,
                            "seed " + seed + ": " + moved + " of " + survivors + " flows of other servers moved");
                    stats[0] += survivors;
                    stats[1] += moved;
                });
        // Measured with this seed: 3.5% overall, at most 9.7% for one pool (16 servers).
        assertTrue(stats[1] * 100 < stats[0] * 5, stats[1] + " of " + stats[0] + " moved overall");
    }
}
