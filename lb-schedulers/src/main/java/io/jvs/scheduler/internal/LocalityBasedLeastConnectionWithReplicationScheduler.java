package io.jvs.scheduler.internal;

import io.jvs.api.Destination;

/**
 * {@code lblcr}, locality-based least connection with replication, as IPVS {@code ip_vs_lblcr.c}: a cache maps
 * each virtual (destination) address to a set of servers, newest member first, with the time it last changed.
 *
 * <ol>
 *   <li>Cache hit: {@code lastuse} is refreshed, and {@code dest} = the set's wlc choice (the first member that is
 *       not overloaded, has weight &gt; 0 and is still in the service, then any later such member with a strictly
 *       smaller overhead / weight). If the set has more than one member and has not changed for the expiration
 *       time (sysctl {@code lblcr_expiration}, 24 h by default), its most loaded member (largest overhead /
 *       weight among those with weight &gt; 0, first on ties) is removed. If {@code dest} exists and is not
 *       "overloaded" (more active connections than its weight while some server of the service has fewer than
 *       half its weight), it is the answer. Otherwise the wlc choice over the whole service is, and joins the
 *       set.</li>
 *   <li>No entry: the wlc choice over the whole service, cached as a set of one.</li>
 * </ol>
 * Entries expire as described in {@link LocalityCache}, driven by the context's ticker.
 *
 * <p>The service-wide wlc choice and the "some server under half its weight" test come from a
 * {@link RankedTable} in O(1); the kernel scans the list for each. Sets are copy-on-write arrays, so lookups
 * need no lock; a pick allocates only when it creates an entry or changes a set.
 */
public final class LocalityBasedLeastConnectionWithReplicationScheduler
        extends LocalityScheduler<LocalityBasedLeastConnectionWithReplicationScheduler.Entry> {

    static final class Entry extends LocalityCache.Entry<Entry> {
        volatile Destination[] set;
        volatile long lastModified;

        Entry(int key, Destination first, long now) {
            super(key, now);
            this.set = new Destination[] {first};
            this.lastModified = now;
        }
    }

    LocalityBasedLeastConnectionWithReplicationScheduler(Context context, long expirationNanos) {
        super(context, expirationNanos);
    }

    @Override
    Destination cached(Entry e, RankedTable table, long now) {
        Destination d = leastLoaded(e.set);
        if (e.set.length > 1 && now - (e.lastModified + cache.expiration) > 0 && cache.lock.tryLock()) {
            try {
                Destination[] set = e.set;
                if (set.length > 1) {
                    Destination m = mostLoaded(set);
                    if (m != null) {
                        e.set = without(set, m);
                        e.lastModified = now;
                    }
                }
            } finally {
                cache.lock.unlock();
            }
        }
        return d != null && !LocalityCache.overloaded(d, table) ? d : null;
    }

    @Override
    Entry newEntry(int key, Destination d, long now) {
        return new Entry(key, d, now);
    }

    /** {@code ip_vs_dest_set_insert} with the membership check: a new member goes first. The lock is held. */
    @Override
    void remember(Entry e, Destination d, long now) {
        Destination[] set = e.set;
        for (Destination m : set) {
            if (m == d) {
                return;
            }
        }
        Destination[] next = new Destination[set.length + 1];
        next[0] = d;
        System.arraycopy(set, 0, next, 1, set.length);
        e.set = next;
        e.lastModified = now;
    }

    /** {@code ip_vs_dest_set_erase}: the set without member {@code m}, which is in it (once). */
    private static Destination[] without(Destination[] set, Destination m) {
        Destination[] next = new Destination[set.length - 1];
        int j = 0;
        for (Destination d : set) {
            if (d != m) {
                next[j++] = d;
            }
        }
        return next;
    }

    /** {@code ip_vs_dest_set_min}: the set's wlc choice among members still in the service. */
    static Destination leastLoaded(Destination[] set) {
        int i = 0;
        Destination least = null;
        for (; i < set.length; i++) {
            Destination d = set[i];
            if (!d.isOverloaded() && d.weight() > 0 && d.isAvailable()) {
                least = d;
                break;
            }
        }
        if (least == null) {
            return null;
        }
        long loh = Ranking.overhead(least);
        for (i++; i < set.length; i++) {
            Destination d = set[i];
            if (d.isOverloaded()) {
                continue;
            }
            long doh = Ranking.overhead(d);
            if (loh * d.weight() > doh * least.weight() && d.isAvailable()) {
                least = d;
                loh = doh;
            }
        }
        return least;
    }

    /** {@code ip_vs_dest_set_max}: the most loaded member with weight &gt; 0, first on ties. */
    static Destination mostLoaded(Destination[] set) {
        int i = 0;
        Destination most = null;
        for (; i < set.length; i++) {
            if (set[i].weight() > 0) {
                most = set[i];
                break;
            }
        }
        if (most == null) {
            return null;
        }
        long moh = Ranking.overhead(most);
        for (i++; i < set.length; i++) {
            Destination d = set[i];
            long doh = Ranking.overhead(d);
            if (moh * d.weight() < doh * most.weight() && d.weight() > 0) {
                most = d;
                moh = doh;
            }
        }
        return most;
    }

    /** A factory for {@code lblcr} with {@code lblcr_expiration} = {@code expirationNanos}. */
    public static Factory factory(long expirationNanos) {
        return new NamedFactory("lblcr",
                context -> new LocalityBasedLeastConnectionWithReplicationScheduler(context, expirationNanos));
    }

    /** Registers {@code lblcr}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("lblcr", context -> new LocalityBasedLeastConnectionWithReplicationScheduler(context,
                    LocalityCache.DEFAULT_EXPIRATION));
        }
    }
}
