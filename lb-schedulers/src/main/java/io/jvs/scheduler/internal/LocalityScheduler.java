package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import io.jvs.api.Ticker;
import java.util.List;

/**
 * What {@code lblc} and {@code lblcr} share: look the virtual (destination) address up in the {@link LocalityCache}
 * (refreshing the entry's {@code lastuse}), let the algorithm judge the hit, and otherwise take the wlc choice over
 * the whole service and remember it in the cache. The wlc choice and the count of servers under half their
 * weight come from a {@link RankedTable}, in O(1).
 */
abstract class LocalityScheduler<E extends LocalityCache.Entry<E>> implements Scheduler {

    private final Ticker ticker;
    final LocalityCache<E> cache;
    private volatile RankedTable table = new RankedTable(List.of(), Ranking.LOCALITY);

    LocalityScheduler(Context context, long expirationNanos) {
        this.ticker = context.ticker();
        this.cache = new LocalityCache<>(ticker, expirationNanos);
    }

    /** The answer for a cache hit, or null to fall back to the service-wide wlc choice. */
    abstract Destination cached(E entry, RankedTable table, long now);

    /** A new entry for {@code key} holding {@code d}. */
    abstract E newEntry(int key, Destination d, long now);

    /** Points the existing {@code entry} at the wlc choice {@code d}; the cache lock is held. */
    abstract void remember(E entry, Destination d, long now);

    @Override
    public final void update(List<Destination> destinations) {
        RankedTable next = new RankedTable(destinations, Ranking.LOCALITY);
        table = next;
        next.resync();
    }

    @Override
    public final Destination select(ConnectionKey key) {
        long now = ticker.nanoTime();
        cache.collect(now);
        RankedTable t = table;
        int address = key.virtualAddressFold();
        E e = cache.get(address);
        if (e != null) {
            e.touch(now);
            Destination d = cached(e, t, now);
            if (d != null) {
                return d;
            }
        }
        int p = t.best();
        if (p < 0) {
            return null;
        }
        Destination d = t.list[p];
        if (cache.lock.tryLock()) {
            try {
                E current = cache.get(address);
                if (current == null) {
                    cache.insert(newEntry(address, d, now));
                } else {
                    remember(current, d, now);
                }
            } finally {
                cache.lock.unlock();
            }
        }
        return d;
    }

    @Override
    public final void countersChanged(Destination destination) {
        table.refresh(destination);
    }

    /** The current index (for tests and diagnostics). */
    final RankedTable table() {
        return table;
    }

    /** The number of cached addresses (for tests and diagnostics). */
    final int cacheSize() {
        return cache.size();
    }
}
