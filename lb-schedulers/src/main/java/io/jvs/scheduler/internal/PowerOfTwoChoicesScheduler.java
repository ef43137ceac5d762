package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * {@code twos}, power of two choices, as IPVS {@code ip_vs_twos.c} (Linux 6.7+).
 *
 * <ol>
 *   <li>W = the sum of the weights of the servers that are not overloaded and have weight &gt; 0; none if there
 *       is no such server.</li>
 *   <li>Two independent uniform draws r1, r2 in [0, W] from {@link Context#random()}.</li>
 *   <li>choice<i>k</i> = the first eligible server, in list order, at which the running sum of eligible weights
 *       reaches r<i>k</i> (so the first eligible server also takes r = 0).</li>
 *   <li>choice2 if {@code w2 * overhead1 > w1 * overhead2}, else choice1. As in the kernel, these products and
 *       the overheads are 32-bit ints that may wrap.</li>
 * </ol>
 *
 * <p>The kernel walks the list twice per pick. Here a Fenwick tree over eligible weights, kept exact under
 * concurrent counter changes by compare-and-set on each server's slot and atomic adds of the difference, finds
 * both choices in O(log n); W is a running total.
 */
public final class PowerOfTwoChoicesScheduler implements Scheduler {

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final Context context;
    private volatile Table table = new Table(List.of());

    PowerOfTwoChoicesScheduler(Context context) {
        this.context = context;
    }

    /** One published list with its weight index. */
    private static final class Table extends DestinationIndex {
        /** Each server's eligible weight: its weight if not overloaded, else 0. */
        final long[] slots;
        /** 1-based Fenwick tree over {@link #slots}. */
        final long[] sums;
        final AtomicLong total = new AtomicLong();
        final int topBit;

        Table(List<Destination> destinations) {
            super(destinations);
            slots = new long[n];
            sums = new long[n + 1];
            long sum = 0;
            for (int i = 0; i < n; i++) {
                long v = WeightIndex.eligibleWeight(list[i]);
                slots[i] = v;
                sum += v;
                int j = i + 1;
                sums[j] += v;
                int parent = j + (j & -j);
                if (parent <= n) {
                    sums[parent] += sums[j];
                }
            }
            total.set(sum);
            topBit = n == 0 ? 0 : Integer.highestOneBit(n);
        }

        @Override
        void refresh(int i) {
            Destination d = list[i];
            for (;;) {
                long old = (long) LONGS.getVolatile(slots, i);
                long v = WeightIndex.eligibleWeight(d);
                if (old == v) {
                    return;
                }
                if (LONGS.compareAndSet(slots, i, old, v)) {
                    long delta = v - old;
                    for (int j = i + 1; j <= n; j += j & -j) {
                        LONGS.getAndAdd(sums, j, delta);
                    }
                    total.getAndAdd(delta);
                }
            }
        }

        /** Whether slots, sums and total match the servers' live state (for tests, while nothing changes). */
        boolean isExact() {
            long sum = 0;
            for (int i = 0; i < n; i++) {
                if (slots[i] != WeightIndex.eligibleWeight(list[i])) {
                    return false;
                }
                sum += slots[i];
                long prefix = 0;
                for (int j = i + 1; j > 0; j -= j & -j) {
                    prefix += sums[j];
                }
                if (prefix != sum) {
                    return false;
                }
            }
            return sum == total.get();
        }

        /** The first position whose running sum of eligible weights reaches {@code target} (&ge; 1). */
        int find(long target) {
            int pos = 0;
            long rest = target;
            for (int step = topBit; step > 0; step >>>= 1) {
                int next = pos + step;
                if (next <= n) {
                    long s = (long) LONGS.getVolatile(sums, next);
                    if (s < rest) {
                        pos = next;
                        rest -= s;
                    }
                }
            }
            return Math.min(pos, n - 1); // n only if counters moved under us
        }
    }

    @Override
    public void update(List<Destination> destinations) {
        Table next = new Table(destinations);
        table = next;
        next.resync();
    }

    @Override
    public Destination select(ConnectionKey key) {
        Table t = table;
        long w = t.total.get();
        if (w <= 0) {
            return null;
        }
        RandomGenerator random = context.random();
        long r1 = random.nextLong(w + 1);
        long r2 = random.nextLong(w + 1);
        Destination c1 = t.list[t.find(Math.max(r1, 1))];
        Destination c2 = t.list[t.find(Math.max(r2, 1))];
        return choose(c1, c2);
    }

    /** Step 4, with the kernel's 32-bit arithmetic. */
    static Destination choose(Destination c1, Destination c2) {
        int w1 = c1.weight();
        int oh1 = (c1.activeConnections() << 8) + c1.inactiveConnections();
        int w2 = c2.weight();
        int oh2 = (c2.activeConnections() << 8) + c2.inactiveConnections();
        return w2 * oh1 > w1 * oh2 ? c2 : c1;
    }

    @Override
    public void countersChanged(Destination destination) {
        table.refresh(destination);
    }

    /** Whether the weight index is exact (for tests and diagnostics, while nothing changes). */
    boolean isExact() {
        return table.isExact();
    }

    /** Registers {@code twos}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("twos", PowerOfTwoChoicesScheduler::new);
        }
    }
}
