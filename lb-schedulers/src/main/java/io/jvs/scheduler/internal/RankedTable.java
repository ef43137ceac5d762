package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One published destination list with a tournament tree over it: the index that lets the least-connection
 * family ({@code lc}, {@code wlc}, {@code sed}, {@code nq}, {@code fo}, {@code ovf}, and the service-wide choice of
 * {@code lblc} and {@code lblcr}) answer in O(1) what the kernel finds with an O(n) scan.
 *
 * <h2>Layout</h2>
 * Leaves are list positions 0..n-1 (newest server first, as in IPVS), each with a {@link Ranking} key. Internal
 * node x (1 &le; x &lt; size, children 2x and 2x+1, heap order) holds the position of the best eligible leaf in
 * its range, or -1; on equal rank the left (earlier) one wins, which is exactly the first-best element the
 * kernel's strict-comparison scan keeps. So node 1 is the kernel's choice.
 *
 * <h2>Concurrency</h2>
 * {@link #refresh} runs on data-path threads, several at once, and must leave the tree exact once they stop.
 * <ul>
 *   <li>A leaf key changes only by compare-and-set from the value its writer read; after each successful CAS the
 *       writer re-reads the live counters and repeats until leaf and counters agree. So the last writer of a leaf
 *       has seen the final counters, and every counter change is followed by a check by its own thread.</li>
 *   <li>After changing a leaf q, the writer examines its ancestors from the bottom: it reads the node, then the
 *       node's inputs (its children and their keys), and if the node is not their best it installs the best by
 *       CAS and examines the node again; it leaves only after reading the node equal to the best of inputs read
 *       after it. So the last writer of a node has seen it consistent with later inputs, and any later change to
 *       those inputs is followed by an examination by the thread that made it. No version stamps are needed, and a
 *       node that is already right costs reads only: the common case, where the best server takes one more
 *       connection and stays the best, writes nothing above its leaf.</li>
 *   <li>The writer stops climbing at a node it did not write whose position is not q: the parent reads only that
 *       position and its key, and neither changed. (If another thread changed the node, that thread climbs.)</li>
 * </ul>
 * Reads ({@link #best}) never lock or allocate; under concurrent writes they may see a slightly stale, but always
 * well-formed, tree.
 */
final class RankedTable extends DestinationIndex {

    static final int NONE = -1;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final Ranking ranking;
    private final long[] keys;
    /** Internal nodes 1..size-1 (index 0 unused): the position of the best eligible leaf below, or -1. */
    private final int[] nodes;
    private final int size;
    /** How many servers have {@code 2 * active < weight} (lblc's and lblcr's "overloaded" rule). */
    private final AtomicInteger underloaded = new AtomicInteger();

    RankedTable(List<Destination> destinations, Ranking ranking) {
        super(destinations);
        this.ranking = ranking;
        this.size = Math.max(2, Integer.highestOneBit(Math.max(1, n - 1)) << 1);
        this.keys = new long[n];
        this.nodes = new int[size];
        int under = 0;
        for (int i = 0; i < n; i++) {
            long k = ranking.key(list[i]);
            keys[i] = k;
            if ((k & Ranking.UNDERLOADED) != 0) {
                under++;
            }
        }
        underloaded.set(under);
        for (int x = size - 1; x >= 1; x--) {
            nodes[x] = combine(child(2 * x), child(2 * x + 1));
        }
        // Published to other threads by the volatile write of the scheduler's reference to this table.
    }

    /** The position of the best eligible server (the kernel's choice), or {@link #NONE}. */
    int best() {
        return (int) INTS.getAcquire(nodes, 1);
    }

    /** The current key of position {@code i}. */
    long key(int i) {
        return (long) LONGS.getVolatile(keys, i);
    }

    /** How many servers have {@code 2 * active < weight}. */
    int underloaded() {
        return underloaded.get();
    }

    private int child(int c) {
        if (c >= size) {
            int leaf = c - size;
            return leaf < n && Ranking.eligible(key(leaf)) ? leaf : NONE;
        }
        return (int) INTS.getVolatile(nodes, c);
    }

    private int combine(int left, int right) {
        if (left < 0) {
            return right;
        }
        if (right < 0) {
            return left;
        }
        return ranking.better(key(right), key(left)) ? right : left;
    }

    @Override
    void refresh(int i) {
        Destination d = list[i];
        for (;;) {
            long old = key(i);
            long k = ranking.key(d);
            if (old == k) {
                return;
            }
            if (LONGS.compareAndSet(keys, i, old, k)) {
                if (((old ^ k) & Ranking.UNDERLOADED) != 0) {
                    underloaded.getAndAdd((k & Ranking.UNDERLOADED) != 0 ? 1 : -1);
                }
                propagate(i);
            }
        }
    }

    private void propagate(int q) {
        for (int x = (q + size) >>> 1; x >= 1; x >>>= 1) {
            boolean wrote = false;
            int cur;
            for (;;) {
                cur = (int) INTS.getVolatile(nodes, x);
                int p = combine(child(2 * x), child(2 * x + 1));
                if (p == cur) {
                    break;
                }
                if (INTS.compareAndSet(nodes, x, cur, p)) {
                    wrote = true;
                }
            }
            if (!wrote && cur != q) {
                return;
            }
        }
    }

    /**
     * Whether every node holds the best of its children and the underloaded count matches the keys, and every
     * key matches its server's live state. Only meaningful while nothing changes; for tests and diagnostics.
     */
    boolean isExact() {
        int under = 0;
        for (int i = 0; i < n; i++) {
            long k = key(i);
            if (k != ranking.key(list[i])) {
                return false;
            }
            if ((k & Ranking.UNDERLOADED) != 0) {
                under++;
            }
        }
        for (int x = 1; x < size; x++) {
            if ((int) INTS.getVolatile(nodes, x) != combine(child(2 * x), child(2 * x + 1))) {
                return false;
            }
        }
        return under == underloaded.get();
    }
}
