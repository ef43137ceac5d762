package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The address cache of {@code lblc} and {@code lblcr} ({@code struct ip_vs_lblc_table}): 1024 buckets chosen by
 * {@code hash_32(address, 10)}, each a chain of entries, newest first, and the kernel's garbage collection.
 *
 * <h2>Garbage collection</h2>
 * The kernel runs a timer every 60 s. A counter starts at 1. When {@code counter % 30 == 0}, a full scan deletes
 * every entry unused for the expiration time (sysctl {@code lblc_expiration}, 24 h by default) and the counter
 * returns to 1. Otherwise, while there are at most 16 &times; 1024 entries, the counter just increases; above
 * that, a partial scan walks the buckets from a rotating index, deleting entries unused for 6 minutes, and stops
 * after the bucket that brings the number deleted to {@code min((entries - 16384) * 4 / 3, 8192)}.
 *
 * <p>Here there is no timer thread: the first pick at or after a due time runs the due ticks, each with its own
 * due time as "now", so the {@link Ticker} alone drives expiry, as jiffies drive the kernel's. (After more than
 * {@value #MAX_CATCH_UP} missed ticks the rest are dropped and the schedule restarts from the present.)
 *
 * <h2>Threads</h2>
 * Lookups walk the chains without locking. Inserts, replacements and collection take a lock with
 * {@code tryLock}: a pick never waits; if another thread holds the lock, the pick skips the cache write, as the
 * kernel does when it cannot allocate an entry.
 */
final class LocalityCache<E extends LocalityCache.Entry<E>> {

    static final int BITS = 10;
    static final int SIZE = 1 << BITS;
    static final int MASK = SIZE - 1;
    static final int MAX_SIZE = SIZE * 16;
    static final int COUNT_FOR_FULL_EXPIRATION = 30;
    static final long CHECK_INTERVAL = TimeUnit.SECONDS.toNanos(60);
    static final long ENTRY_TIMEOUT = TimeUnit.MINUTES.toNanos(6);
    /** The kernel's default {@code lblc_expiration} and {@code lblcr_expiration}: 24 hours. */
    static final long DEFAULT_EXPIRATION = TimeUnit.HOURS.toNanos(24);
    static final int MAX_CATCH_UP = 10_000;

    /** One cached address. */
    abstract static class Entry<E extends Entry<E>> {
        final int key;
        volatile long lastUse;
        volatile E next;

        Entry(int key, long now) {
            this.key = key;
            this.lastUse = now;
        }

        /** {@code lastuse = jiffies}, skipped when unchanged to spare the shared cache line. */
        final void touch(long now) {
            if (lastUse != now) {
                lastUse = now;
            }
        }
    }

    final ReentrantLock lock = new ReentrantLock();
    final long expiration;
    private final AtomicReferenceArray<E> buckets = new AtomicReferenceArray<>(SIZE);
    private volatile long nextCheck;
    // Guarded by lock.
    private int entries;
    private int rover;
    private int counter = 1;

    LocalityCache(Ticker ticker, long expiration) {
        this.expiration = expiration;
        this.nextCheck = ticker.nanoTime() + CHECK_INTERVAL;
    }

    static int bucket(int key) {
        return Hashing.hash32(key, BITS);
    }

    /** The entry for {@code key}, or null. Lock-free. */
    final E get(int key) {
        for (E e = buckets.get(bucket(key)); e != null; e = e.next) {
            if (e.key == key) {
                return e;
            }
        }
        return null;
    }

    /** The number of cached addresses. */
    final int size() {
        lock.lock();
        try {
            return entries;
        } finally {
            lock.unlock();
        }
    }

    /** Adds {@code e} at the head of its chain. The lock must be held and {@code e.key} absent. */
    final void insert(E e) {
        int b = bucket(e.key);
        e.next = buckets.get(b);
        buckets.set(b, e);
        entries++;
    }

    /** Runs the collection ticks that are due at {@code now}, unless another thread is busy with the cache. */
    final void collect(long now) {
        if (now - nextCheck < 0 || !lock.tryLock()) {
            return;
        }
        try {
            long due = nextCheck;
            for (int ticks = 0; now - due >= 0; ticks++) {
                if (ticks == MAX_CATCH_UP) {
                    due = now + CHECK_INTERVAL;
                    break;
                }
                tick(due);
                due += CHECK_INTERVAL;
            }
            nextCheck = due;
        } finally {
            lock.unlock();
        }
    }

    /** One run of the kernel's {@code ip_vs_lblc_check_expire}. */
    private void tick(long now) {
        if (counter % COUNT_FOR_FULL_EXPIRATION == 0) {
            int j = rover;
            for (int i = 0; i < SIZE; i++) {
                j = (j + 1) & MASK;
                sweep(j, now, expiration);
            }
            rover = j;
            counter = 1;
            return;
        }
        if (entries <= MAX_SIZE) {
            counter++;
            return;
        }
        int goal = Math.min((entries - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
        int j = rover;
        for (int i = 0; i < SIZE; i++) {
            j = (j + 1) & MASK;
            goal -= sweep(j, now, ENTRY_TIMEOUT);
            if (goal <= 0) {
                break;
            }
        }
        rover = j;
    }

    /** Deletes the entries of bucket {@code b} unused for {@code idle} or longer; returns how many. */
    private int sweep(int b, long now, long idle) {
        int deleted = 0;
        E prev = null;
        for (E e = buckets.get(b); e != null; e = e.next) {
            if (now - e.lastUse >= idle) {
                if (prev == null) {
                    buckets.set(b, e.next);
                } else {
                    prev.next = e.next;
                }
                entries--;
                deleted++;
            } else {
                prev = e;
            }
        }
        return deleted;
    }

    /**
     * lblc's and lblcr's "overloaded": more active connections than weight while some server of the service has
     * fewer than half its weight.
     */
    static boolean overloaded(Destination d, RankedTable table) {
        return d.activeConnections() > d.weight() && table.underloaded() > 0;
    }
}
