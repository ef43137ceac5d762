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
 *   <li>An internal node is a {@code long}: a 32-bit version above the 32-bit position. A writer reads the node,
 *       then its two children, and installs the recomputed position with a CAS that also bumps the version. A
 *       writer whose children may have been stale therefore fails against anyone who installed a value after it
 *       read the node, re-reads and recomputes; without the version, a recomputation that found the same
 *       position would not stop a stale one (ABA).</li>
 *   <li>A writer climbs from its leaf q toward the root and stops early only after installing a node whose
 *       position is unchanged and is not q: the parent depends only on that position and its key, neither of
 *       which changed.</li>
 * </ul>
 * Reads ({@link #best}) never lock or allocate; under concurrent writes they may see a
 * slightly stale, but always well-formed, tree.
 */
final class RankedTable {

    static final int NONE = -1;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long POSITION = 0xffffffffL;

    final Destination[] list;
    final int n;
    private final Ranking ranking;
    private final Positions positions;
    private final long[] keys;
    /** Internal nodes 1..size-1 (index 0 unused): version &lt;&lt; 32 | position. */
    private final long[] nodes;
    private final int size;
    /** How many servers have {@code 2 * active < weight} (lblc's and lblcr's "overloaded" rule). */
    private final AtomicInteger underloaded = new AtomicInteger();

    RankedTable(List<Destination> destinations, Ranking ranking) {
        this.list = destinations.toArray(new Destination[0]);
        this.n = list.length;
        this.ranking = ranking;
        this.positions = new Positions(list);
        this.size = Math.max(2, Integer.highestOneBit(Math.max(1, n - 1)) << 1);
        this.keys = new long[n];
        this.nodes = new long[size];
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
            nodes[x] = combine(child(2 * x), child(2 * x + 1)) & POSITION;
        }
        // Published to other threads by the volatile write of the scheduler's reference to this table.
    }

    /** The position of the best eligible server (the kernel's choice), or {@link #NONE}. */
    int best() {
        return (int) (long) LONGS.getAcquire(nodes, 1);
    }

    /** The current key of position {@code i}. */
    long key(int i) {
        return (long) LONGS.getAcquire(keys, i);
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
        return (int) (long) LONGS.getVolatile(nodes, c);
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

    /** The position of {@code d} in this list, or -1. */
    int indexOf(Destination d) {
        return positions.indexOf(d);
    }

    /** Re-reads {@code d}'s live state into its leaf, if {@code d} is in this list. Called on any thread. */
    void refresh(Destination d) {
        int i = positions.indexOf(d);
        if (i >= 0) {
            refresh(i);
        }
    }

    /**
     * Re-reads every server's live state. The scheduler calls this right after publishing the table: a counter
     * change whose thread still saw the previous table happened before this pass reads it.
     */
    void resync() {
        for (int i = 0; i < n; i++) {
            refresh(i);
        }
    }

    private void refresh(int i) {
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
            long cur;
            int p;
            do {
                cur = (long) LONGS.getVolatile(nodes, x);
                p = combine(child(2 * x), child(2 * x + 1));
            } while (!LONGS.compareAndSet(nodes, x, cur, (cur & ~POSITION) + (1L << 32) | (p & POSITION)));
            if (p == (int) cur && p != q) {
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
            if ((int) (long) LONGS.getVolatile(nodes, x) != combine(child(2 * x), child(2 * x + 1))) {
                return false;
            }
        }
        return under == underloaded.get();
    }
}
