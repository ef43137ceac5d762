package io.jvs.scheduler.internal;

import io.jvs.api.Destination;

/**
 * How one family of IPVS schedulers ranks destinations: which are eligible, and when one beats another. A
 * destination's state is packed into one {@code long} key, so an index can replace it with one compare-and-set:
 *
 * <pre>
 *  63                        18 17            2   1   0
 * +----------------------------+---------------+---+---+
 * | load (46 bits)             | weight (16)   | U | E |
 * +----------------------------+---------------+---+---+
 * </pre>
 *
 * E = eligible for a new connection; U = "underloaded", {@code 2 * active < weight} (the lblc/lblcr rule);
 * load = the ranking's load figure ({@code active * 256 + inactive}, or {@code active + 1}). Counters are
 * non-negative ints, so a load never exceeds 2^40.
 *
 * <p>{@link #better} is a strict order; a scan that keeps the first best element of a list (the kernel's loops,
 * with their strict comparisons) and a tournament tree that keeps the left operand on ties choose the same one.
 */
abstract class Ranking {

    static final long ELIGIBLE = 1L;
    static final long UNDERLOADED = 2L;
    private static final int WEIGHT_SHIFT = 2;
    private static final int LOAD_SHIFT = 18;

    /** The destination's current key. Reads each live value once. */
    abstract long key(Destination d);

    /** Whether {@code a} strictly beats {@code b}; both keys are eligible. */
    abstract boolean better(long a, long b);

    static boolean eligible(long key) {
        return (key & ELIGIBLE) != 0;
    }

    static int weight(long key) {
        return (int) (key >>> WEIGHT_SHIFT) & 0xffff;
    }

    static long load(long key) {
        return key >>> LOAD_SHIFT;
    }

    static long pack(boolean eligible, boolean underloaded, int weight, long load) {
        return (load << LOAD_SHIFT) | ((long) (weight & 0xffff) << WEIGHT_SHIFT)
                | (underloaded ? UNDERLOADED : 0) | (eligible ? ELIGIBLE : 0);
    }

    /** IPVS {@code ip_vs_dest_conn_overhead}: active &times; 256 + inactive, in 64 bits. */
    static long overhead(Destination d) {
        return ((long) Math.max(0, d.activeConnections()) << 8) + Math.max(0, d.inactiveConnections());
    }

    /** Weights are 0-65535; anything else a foreign destination reports is clamped into that range. */
    static int weightOf(Destination d) {
        int w = d.weight();
        return w < 0 ? 0 : Math.min(w, 0xffff);
    }

    /** {@code lc}: the least overhead among servers that are not overloaded and have weight &ne; 0. */
    static final Ranking LEAST_CONNECTION = new Ranking() {
        @Override
        long key(Destination d) {
            int w = weightOf(d);
            return pack(w != 0 && !d.isOverloaded(), false, w, overhead(d));
        }

        @Override
        boolean better(long a, long b) {
            return load(a) < load(b);
        }
    };

    /** The cross-multiplied overhead / weight comparison of wlc, sed and lblc ({@code h1*w2 < h2*w1}). */
    private static boolean lighter(long a, long b) {
        return load(a) * weight(b) < load(b) * weight(a);
    }

    /**
     * {@code wlc}: the least overhead / weight among servers that are not overloaded and have weight &gt; 0. (The
     * kernel lets later weight-0 servers into the comparison, but {@code loh * 0 > doh * w} never holds.)
     * {@code trackUnderloaded} also maintains the U bit for lblc and lblcr.
     */
    static Ranking weightedLeastConnection(boolean trackUnderloaded) {
        return new Ranking() {
            @Override
            long key(Destination d) {
                int w = weightOf(d);
                int active = Math.max(0, d.activeConnections());
                return pack(w > 0 && !d.isOverloaded(), trackUnderloaded && 2L * active < w, w, overhead(d));
            }

            @Override
            boolean better(long a, long b) {
                return lighter(a, b);
            }
        };
    }

    static final Ranking WEIGHTED_LEAST_CONNECTION = weightedLeastConnection(false);

    /** wlc for lblc and lblcr, with the U bit maintained. */
    static final Ranking LOCALITY = weightedLeastConnection(true);

    /** {@code sed}: as wlc with the expected delay {@code (active + 1) / weight}. */
    static final Ranking SHORTEST_EXPECTED_DELAY = new Ranking() {
        @Override
        long key(Destination d) {
            int w = weightOf(d);
            return pack(w > 0 && !d.isOverloaded(), false, w, Math.max(0, d.activeConnections()) + 1L);
        }

        @Override
        boolean better(long a, long b) {
            return lighter(a, b);
        }
    };

    /**
     * {@code nq}: an idle server ({@code active == 0}) beats every busy one and ties with other idle ones (the
     * kernel returns the first idle server it meets); busy servers rank as in sed.
     */
    static final Ranking NEVER_QUEUE = new Ranking() {
        @Override
        long key(Destination d) {
            int w = weightOf(d);
            return pack(w != 0 && !d.isOverloaded(), false, w, Math.max(0, d.activeConnections()) + 1L);
        }

        @Override
        boolean better(long a, long b) {
            boolean idleA = load(a) == 1;
            boolean idleB = load(b) == 1;
            if (idleA || idleB) {
                return idleA && !idleB;
            }
            return lighter(a, b);
        }
    };

    /**
     * {@code fo}: the highest weight among servers that are not overloaded and have weight &gt; 0. Counters are not
     * part of the key, so connection churn never touches this index.
     */
    static final Ranking WEIGHT = new Ranking() {
        @Override
        long key(Destination d) {
            int w = weightOf(d);
            return pack(w > 0 && !d.isOverloaded(), false, w, 0);
        }

        @Override
        boolean better(long a, long b) {
            return weight(a) > weight(b);
        }
    };

    /** {@code ovf}: the highest weight among servers that are not overloaded, have weight &ne; 0 and active &le; weight. */
    static final Ranking OVERFLOW = new Ranking() {
        @Override
        long key(Destination d) {
            int w = weightOf(d);
            return pack(w != 0 && !d.isOverloaded() && d.activeConnections() <= w, false, w, 0);
        }

        @Override
        boolean better(long a, long b) {
            return weight(a) > weight(b);
        }
    };
}
