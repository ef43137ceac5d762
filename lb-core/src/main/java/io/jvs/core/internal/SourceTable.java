package io.jvs.core.internal;

import io.jvs.api.SourceLimit;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The per-source counters of one service ({@link SourceLimit}): for each client source (address under a prefix) the
 * connections it has open and a token bucket on its new connections, in a table of fixed size allocated once.
 *
 * <h2>Layout</h2>
 *
 * A set-associative table: a source hashes to one set of {@value #WAYS} slots and lives in one of them. Slots are
 * parallel primitive arrays (key words, open count, bucket state), about 30 bytes per source and nothing per
 * connection. The bucket is kept as GCRA's "theoretical arrival time": one {@code long} per source; the bucket is
 * full again once that time has passed. A slot is free when its source has nothing open and a full bucket: such a
 * source is indistinguishable from one never seen, so it can go at any time. When a new source finds no free slot in
 * its set it takes the one whose bucket was refilled earliest among those with nothing open (forgetting at most part
 * of one burst of that source); when every slot of the set holds open connections it is refused.
 *
 * <h2>Threads</h2>
 *
 * Every operation holds the lock of the set's stripe (up to 64 stripes), so data-path threads rarely meet.
 */
final class SourceTable {

    static final int WAYS = 16;
    private static final int MAX_STRIPES = 64;

    /** Results of {@link #acquire}. */
    static final int ADMITTED = 0;
    static final int TOO_MANY_CONNECTIONS = 1;
    static final int RATE_EXCEEDED = 2;
    static final int TABLE_FULL = 3;

    private static final byte EMPTY = 0;
    private static final byte V4 = 1;
    private static final byte V6 = 2;

    private final int prefixV4;
    private final int prefixV6;
    private final int maxSources;
    private final long maskV4;
    private final long maskV6Hi;
    private final long maskV6Lo;
    private final int setMask;
    private final int seed;
    private final Object[] locks;
    private final int lockMask;
    private final byte[] kind;
    private final long[] keyHi;
    private final long[] keyLo;
    private final long[] arrival;
    private final int[] open;

    SourceTable(SourceLimit limit) {
        this.prefixV4 = limit.ipv4PrefixLength();
        this.prefixV6 = limit.ipv6PrefixLength();
        this.maxSources = limit.maxSources();
        this.maskV4 = AddressWords.maskV4(prefixV4);
        this.maskV6Hi = AddressWords.maskHi(prefixV6);
        this.maskV6Lo = AddressWords.maskLo(prefixV6);
        int slots = Math.max(WAYS, Integer.highestOneBit(maxSources - 1) << 1);
        int sets = slots / WAYS;
        this.setMask = sets - 1;
        this.seed = ThreadLocalRandom.current().nextInt() | 1;
        int stripes = Math.min(MAX_STRIPES, sets);
        this.locks = new Object[stripes];
        for (int i = 0; i < stripes; i++) {
            locks[i] = new Object();
        }
        this.lockMask = stripes - 1;
        this.kind = new byte[slots];
        this.keyHi = new long[slots];
        this.keyLo = new long[slots];
        this.arrival = new long[slots];
        this.open = new int[slots];
    }

    /** Whether this table can serve {@code limit} (same grouping and size), so an edited service keeps it. */
    boolean fits(SourceLimit limit) {
        return limit.ipv4PrefixLength() == prefixV4 && limit.ipv6PrefixLength() == prefixV6
                && limit.maxSources() == maxSources;
    }

    private int set(byte k, long hi, long lo) {
        long h = seed ^ k;
        h = (h ^ hi) * 0x9E3779B97F4A7C15L;
        h = (h ^ (h >>> 29) ^ lo) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 32;
        return (int) h & setMask;
    }

    /**
     * Admits one new connection of the client at ({@code hi}, {@code lo}) if its source is under both limits:
     * counts it as open (when {@code count}) and takes a token.
     *
     * @param maxOpen the most connections a source may have open, 0 for no limit
     * @param interval nanoseconds per token (0: no rate limit)
     * @param tolerance how far ahead of now the bucket's arrival time may run: (burst - 1) × interval
     * @param count whether the connection stays open (false for a one-packet datagram: only the rate applies)
     * @return {@link #ADMITTED}, {@link #TOO_MANY_CONNECTIONS}, {@link #RATE_EXCEEDED} or {@link #TABLE_FULL}
     */
    int acquire(boolean v6, long hi, long lo, long now, int maxOpen, long interval, long tolerance, boolean count) {
        byte k = v6 ? V6 : V4;
        long h = v6 ? hi & maskV6Hi : 0;
        long l = v6 ? lo & maskV6Lo : lo & maskV4;
        int base = set(k, h, l) * WAYS;
        synchronized (locks[(base / WAYS) & lockMask]) {
            int slot = slot(k, h, l, base, now);
            if (slot < 0) {
                return TABLE_FULL;
            }
            long at = arrival[slot] - now > 0 ? arrival[slot] : now;
            if (maxOpen > 0 && count && open[slot] >= maxOpen) {
                return TOO_MANY_CONNECTIONS;
            }
            if (interval > 0) {
                if (at - now > tolerance) {
                    return RATE_EXCEEDED;
                }
                arrival[slot] = at + interval;
            }
            if (count) {
                open[slot]++;
            }
            return ADMITTED;
        }
    }

    /**
     * The slot of a source in its set (the set's lock held): its own; else a free one, or the one whose bucket was
     * refilled earliest among those with nothing open, taken for it (nothing open, a full bucket); -1 when every slot
     * of the set holds open connections of other sources.
     */
    private int slot(byte k, long h, long l, int base, long now) {
        int free = -1;
        int oldest = -1;
        for (int i = base; i < base + WAYS; i++) {
            byte ki = kind[i];
            if (ki == k && keyHi[i] == h && keyLo[i] == l) {
                return i;
            }
            if (free < 0) {
                if (ki == EMPTY || (open[i] == 0 && arrival[i] - now <= 0)) {
                    free = i;
                } else if (open[i] == 0 && (oldest < 0 || arrival[i] - arrival[oldest] < 0)) {
                    oldest = i;
                }
            }
        }
        int slot = free >= 0 ? free : oldest;
        if (slot >= 0) {
            kind[slot] = k;
            keyHi[slot] = h;
            keyLo[slot] = l;
            open[slot] = 0;
            arrival[slot] = now;
        }
        return slot;
    }

    /**
     * Counts one connection that this director took over from another (connection sync) as open, whatever the limit:
     * it is not refused, it lives, and new connections of its source meet the limit it pushed up. Takes no token (it
     * is not a new connection).
     *
     * @return {@link #ADMITTED} (counted, within {@code maxOpen}), {@link #TOO_MANY_CONNECTIONS} (counted, over it),
     *     or {@link #TABLE_FULL} (not counted: every slot of its set holds another source's open connections)
     */
    int adopt(boolean v6, long hi, long lo, long now, int maxOpen) {
        byte k = v6 ? V6 : V4;
        long h = v6 ? hi & maskV6Hi : 0;
        long l = v6 ? lo & maskV6Lo : lo & maskV4;
        int base = set(k, h, l) * WAYS;
        synchronized (locks[(base / WAYS) & lockMask]) {
            int slot = slot(k, h, l, base, now);
            if (slot < 0) {
                return TABLE_FULL;
            }
            open[slot]++;
            return maxOpen > 0 && open[slot] > maxOpen ? TOO_MANY_CONNECTIONS : ADMITTED;
        }
    }

    /** A connection counted by {@link #acquire} ended. */
    void release(boolean v6, long hi, long lo) {
        byte k = v6 ? V6 : V4;
        long h = v6 ? hi & maskV6Hi : 0;
        long l = v6 ? lo & maskV6Lo : lo & maskV4;
        int base = set(k, h, l) * WAYS;
        synchronized (locks[(base / WAYS) & lockMask]) {
            for (int i = base; i < base + WAYS; i++) {
                if (kind[i] == k && keyHi[i] == h && keyLo[i] == l) {
                    if (open[i] > 0) {
                        open[i]--;
                    }
                    return;
                }
            }
        }
    }

    /** Sources held now: with connections open, or a bucket not yet full again. O(size); for status listings. */
    int tracked(long now) {
        int n = 0;
        for (int s = 0; s <= setMask; s++) {
            synchronized (locks[s & lockMask]) {
                for (int i = s * WAYS; i < (s + 1) * WAYS; i++) {
                    if (kind[i] != EMPTY && (open[i] > 0 || arrival[i] - now > 0)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** The connections open from the source of ({@code hi}, {@code lo}); for tests. */
    int openFrom(boolean v6, long hi, long lo) {
        byte k = v6 ? V6 : V4;
        long h = v6 ? hi & maskV6Hi : 0;
        long l = v6 ? lo & maskV6Lo : lo & maskV4;
        int base = set(k, h, l) * WAYS;
        synchronized (locks[(base / WAYS) & lockMask]) {
            for (int i = base; i < base + WAYS; i++) {
                if (kind[i] == k && keyHi[i] == h && keyLo[i] == l) {
                    return open[i];
                }
            }
        }
        return 0;
    }
}
