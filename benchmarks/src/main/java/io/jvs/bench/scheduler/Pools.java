package io.jvs.bench.scheduler;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.ManualTicker;
import io.jvs.scheduler.testing.Pool;
import io.jvs.scheduler.testing.ReferenceSchedulers;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/** Benchmark fixtures: pools with a uniform or a skewed load, and pre-generated flows. */
final class Pools {

    /** Flows per benchmark: a power of two, indexed with a mask. */
    static final int FLOWS = 1024;

    private Pools() {}

    /** A context whose random source is the picking thread's {@link ThreadLocalRandom}. */
    static FakeContext context() {
        return new FakeContext(Set.of(), new ManualTicker(), ThreadLocalRandom::current);
    }

    /**
     * {@code servers} servers bound to {@code scheduler} in one update.
     *
     * <ul>
     *   <li>uniform: weights 1-5, active 0-99, inactive 0-999;</li>
     *   <li>skewed: weights mostly 1, some 10 and 100, a few 0; heavy-tailed counters (most servers nearly idle,
     *       a few with thousands of connections); 5% overloaded.</li>
     * </ul>
     */
    static Pool pool(Scheduler scheduler, int servers, String distribution, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Pool pool = new Pool(scheduler);
        boolean skewed = distribution.equals("skewed");
        for (int i = 0; i < servers; i++) {
            int weight;
            int active;
            int inactive;
            if (skewed) {
                int r = random.nextInt(100);
                weight = r < 2 ? 0 : r < 90 ? 1 : r < 99 ? 10 : 100;
                double u = random.nextDouble();
                active = (int) (5000 * Math.pow(u, 8));
                inactive = (int) (20000 * Math.pow(random.nextDouble(), 6));
            } else {
                weight = 1 + random.nextInt(5);
                active = random.nextInt(100);
                inactive = random.nextInt(1000);
            }
            FakeDestination d = FakeDestination.of("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 80,
                    weight);
            pool.stage(d);
            d.setCounts(active, inactive);
            if (skewed && random.nextInt(20) == 0) {
                d.setOverloaded(true);
            }
        }
        pool.bind();
        return pool;
    }

    /**
     * The scheduler under test: {@code factory}'s, bound to a {@link #pool} of {@code servers} servers with
     * seed 42.
     */
    static Scheduler bound(Scheduler.Factory factory, int servers, String distribution) {
        Scheduler s = factory.create(context());
        pool(s, servers, distribution, 42);
        return s;
    }

    /** The production scheduler {@code name}, or its kernel-loop reference. */
    static Scheduler.Factory factory(String name, String implementation) {
        return implementation.equals("indexed") ? Schedulers.byName(name) : ReferenceSchedulers.factory(name);
    }

    /** Flows from random clients to 64 virtual addresses (so lblc and lblcr cache 64 entries). */
    static FakeFlow[] flows(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FakeFlow[] flows = new FakeFlow[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            flows[i] = new FakeFlow().client(random.nextInt(), 1024 + random.nextInt(60000))
                    .virtual(0xc6336400 + random.nextInt(64), 80);
        }
        return flows;
    }
}
