package io.jvs.scheduler.internal;

import io.jvs.api.Destination;

/**
 * Where each destination sits in one list: an immutable open-addressing identity map, so that
 * {@code countersChanged(destination)} finds its leaf in O(1) without allocating (no boxing, no iterator).
 */
final class Positions {

    private final Object[] keys;
    private final int[] values;
    private final int mask;

    Positions(Destination[] list) {
        int capacity = Integer.highestOneBit(Math.max(2, list.length) * 2 - 1) << 1;
        keys = new Object[capacity];
        values = new int[capacity];
        mask = capacity - 1;
        for (int i = 0; i < list.length; i++) {
            int h = slot(list[i]);
            while (keys[h] != null && keys[h] != list[i]) {
                h = (h + 1) & mask;
            }
            if (keys[h] == null) { // the first occurrence wins (the core never lists a server twice)
                keys[h] = list[i];
                values[h] = i;
            }
        }
    }

    private int slot(Object o) {
        return (System.identityHashCode(o) * Hashing.GOLDEN_RATIO_32) >>> 1 & mask;
    }

    /** The position of {@code d} in the list, or -1 if it is not in it. */
    int indexOf(Object d) {
        for (int h = slot(d);; h = (h + 1) & mask) {
            Object k = keys[h];
            if (k == d) {
                return values[h];
            }
            if (k == null) {
                return -1;
            }
        }
    }
}
