package io.jvs.scheduler.internal;

import io.jvs.api.Destination;

/**
 * {@code lblc}, locality-based least connection, as IPVS {@code ip_vs_lblc.c}: a cache maps each virtual
 * (destination) address to one server.
 *
 * <ol>
 *   <li>On a cache hit the entry's {@code lastuse} is refreshed; its server is returned if it is still in the
 *       service, has weight &gt; 0 and is not "overloaded": more active connections than its weight while some
 *       server has fewer than half its weight. (The threshold flag, OVERLOAD, is not checked on this path.)</li>
 *   <li>Otherwise the wlc choice over the whole service (none: no destination); the cache entry is created or
 *       pointed at it.</li>
 * </ol>
 * Entries expire as described in {@link LocalityCache}, driven by the context's ticker.
 *
 * <p>The wlc choice is the root of a {@link RankedTable}, which also counts the servers under half their weight,
 * so a pick is O(1) where the kernel scans the list up to twice. A pick allocates only when it caches an address
 * for the first time. Addresses are keyed by their 32-bit fold
 * ({@link io.jvs.api.ConnectionKey#virtualAddressFold()}): exact for IPv4; two IPv6 addresses with the same fold share
 * an entry.
 */
public final class LocalityBasedLeastConnectionScheduler
        extends LocalityScheduler<LocalityBasedLeastConnectionScheduler.Entry> {

    static final class Entry extends LocalityCache.Entry<Entry> {
        volatile Destination destination;

        Entry(int key, Destination destination, long now) {
            super(key, now);
            this.destination = destination;
        }
    }

    LocalityBasedLeastConnectionScheduler(Context context, long expirationNanos) {
        super(context, expirationNanos);
    }

    @Override
    Destination cached(Entry e, RankedTable table, long now) {
        Destination d = e.destination;
        return d.isAvailable() && d.weight() > 0 && !LocalityCache.overloaded(d, table) ? d : null;
    }

    @Override
    Entry newEntry(int key, Destination d, long now) {
        return new Entry(key, d, now);
    }

    @Override
    void remember(Entry e, Destination d, long now) {
        if (e.destination != d) {
            // The kernel frees the entry and hashes a new one; replacing in place is the same to lookups.
            e.destination = d;
            e.lastUse = now;
        }
    }

    /** A factory for {@code lblc} with {@code lblc_expiration} = {@code expirationNanos}. */
    public static Factory factory(long expirationNanos) {
        return new NamedFactory("lblc", context -> new LocalityBasedLeastConnectionScheduler(context, expirationNanos));
    }

    /** Registers {@code lblc}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("lblc", context -> new LocalityBasedLeastConnectionScheduler(context, LocalityCache.DEFAULT_EXPIRATION));
        }
    }
}
