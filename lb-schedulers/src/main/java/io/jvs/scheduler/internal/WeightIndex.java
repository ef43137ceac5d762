package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;

/**
 * One published destination list with a 16-ary max tree over its eligible weights (the weight of a server that
 * is not overloaded, else 0): the index behind {@code rr} and {@code wrr}'s question "the first position at or
 * after p whose server has weight &ge; cw and is not overloaded".
 *
 * <p>Level 0 holds one {@code int} per position; each node of level k + 1 holds the maximum of 16 consecutive
 * entries of level k; the top level has one node. A search scans at most 16 neighbouring entries per level,
 * climbing until some node qualifies and descending into it, so it reads a few cache lines where a binary tree
 * would chase twice as many scattered nodes: O(1) when the next server qualifies, O(16 log16 n) at worst.
 *
 * <p>Concurrent updates follow {@link RankedTable}'s protocol: a leaf changes by compare-and-set from the value its
 * writer read, repeated until it matches the server's live state; a writer then examines the ancestors, installing
 * a node's new maximum by CAS and re-examining until it reads the node equal to the maximum of its 16 children,
 * and stops climbing at a node it did not have to write (its parent reads only maxima). Once concurrent writers
 * stop, every node is exact. Only weight and OVERLOAD matter here, so connection churn, which
 * changes neither, costs one comparison.
 */
final class WeightIndex extends DestinationIndex {

    static final int NONE = -1;

    private static final int SHIFT = 4;
    private static final int FANOUT = 1 << SHIFT;
    private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);

    private final int[] leaves;
    /** levels[0] summarizes the leaves; the last level has one node. None when there are no servers. */
    private final int[][] levels;

    WeightIndex(List<Destination> destinations) {
        super(destinations);
        leaves = new int[n];
        for (int i = 0; i < n; i++) {
            leaves[i] = eligibleWeight(list[i]);
        }
        int count = 0;
        for (int c = n; c > 1 || c == 1 && count == 0; count++) {
            c = (c + FANOUT - 1) >>> SHIFT;
        }
        levels = new int[count][];
        int below = n;
        for (int k = 0; k < count; k++) {
            int size = (below + FANOUT - 1) >>> SHIFT;
            levels[k] = new int[size];
            for (int j = 0; j < size; j++) {
                levels[k][j] = blockMax(k - 1, j, below);
            }
            below = size;
        }
        // Published to other threads by the volatile write of the scheduler's reference to this index.
    }

    /** A server's entry: its weight if it is not overloaded and the weight is positive, else 0. */
    static int eligibleWeight(Destination d) {
        int w = Ranking.weightOf(d);
        return w > 0 && !d.isOverloaded() ? w : 0;
    }

    private int value(int level, int i) {
        return (int) INTS.getVolatile(level < 0 ? leaves : levels[level], i);
    }

    private int count(int level) {
        return level < 0 ? n : levels[level].length;
    }

    /** The maximum of the 16 entries of level {@code level} under node {@code j} of the level above. */
    private int blockMax(int level, int j, int count) {
        int max = 0;
        for (int i = j << SHIFT, end = Math.min(i + FANOUT, count); i < end; i++) {
            max = Math.max(max, value(level, i));
        }
        return max;
    }

    /** The highest eligible weight, or 0. */
    int max() {
        return levels.length == 0 ? 0 : (int) INTS.getAcquire(levels[levels.length - 1], 0);
    }

    /**
     * The first position at or after {@code from} whose server is not overloaded and has weight &ge;
     * {@code minWeight} (&ge; 1), or {@link #NONE}.
     */
    int findFirst(int from, int minWeight) {
        if (from >= n) {
            return NONE;
        }
        int level = -1;
        int i = from;
        for (;;) {
            int end = Math.min((i | (FANOUT - 1)) + 1, count(level));
            for (; i < end; i++) {
                if (value(level, i) >= minWeight) {
                    return descend(level, i, from, minWeight);
                }
            }
            if (level == levels.length - 1) {
                return NONE;
            }
            i = ((end - 1) >>> SHIFT) + 1; // the parent's right neighbour: the next 16 entries' summary
            level++;
        }
    }

    private int descend(int level, int i, int from, int minWeight) {
        while (level >= 0) {
            level--;
            int start = i << SHIFT;
            int end = Math.min(start + FANOUT, count(level));
            int found = NONE;
            for (int c = start; c < end; c++) {
                if (value(level, c) >= minWeight) {
                    found = c;
                    break;
                }
            }
            if (found < 0) {
                // A concurrent change emptied this block while we climbed: fall back to a plain walk.
                for (int c = from; c < n; c++) {
                    if (value(-1, c) >= minWeight) {
                        return c;
                    }
                }
                return NONE;
            }
            i = found;
        }
        return i;
    }

    @Override
    void refresh(int i) {
        Destination d = list[i];
        for (;;) {
            int old = (int) INTS.getVolatile(leaves, i);
            int v = eligibleWeight(d);
            if (old == v) {
                return;
            }
            if (INTS.compareAndSet(leaves, i, old, v)) {
                propagate(i);
            }
        }
    }

    private void propagate(int i) {
        int below = n;
        for (int k = 0; k < levels.length; k++) {
            int j = i >>> SHIFT;
            int[] level = levels[k];
            boolean wrote = false;
            for (;;) {
                int cur = (int) INTS.getVolatile(level, j);
                int max = blockMax(k - 1, j, below);
                if (max == cur) {
                    break;
                }
                if (INTS.compareAndSet(level, j, cur, max)) {
                    wrote = true;
                }
            }
            if (!wrote) {
                return;
            }
            below = level.length;
            i = j;
        }
    }

    /** Whether every leaf matches its server and every node the maximum of its block (tests, while idle). */
    boolean isExact() {
        for (int i = 0; i < n; i++) {
            if (value(-1, i) != eligibleWeight(list[i])) {
                return false;
            }
        }
        int below = n;
        for (int k = 0; k < levels.length; k++) {
            for (int j = 0; j < levels[k].length; j++) {
                if (value(k, j) != blockMax(k - 1, j, below)) {
                    return false;
                }
            }
            below = levels[k].length;
        }
        return true;
    }
}
