package io.jvs.core.internal;

import static io.jvs.core.internal.ConnectionTable.UDP_TIMEOUT;
import static io.jvs.core.internal.ConnectionTable.WHEEL_MASK;
import static io.jvs.core.internal.ConnectionTable.WHEEL_SLOTS;

import io.jvs.core.internal.ConnectionTable.Stripe;
import java.util.concurrent.atomic.LongAdder;

/**
 * Expiring entries of a {@link ConnectionTable} before their time, to make room, in expiry order (soonest due first)
 * along the stripes' timer wheels:
 * <ul>
 *   <li>a full table's reclaim: entries that only remember a TCP connection that ended (TIME_WAIT, CLOSE) yield to a
 *       new connection, at once in the inserting stripe and ahead of time by the timer when the table is nearly full;
 *   <li>IPVS's {@code drop_entry} for the memory defence: entries that hold no open connection.
 * </ul>
 * Live connections are never taken by either.
 */
final class EarlyExpiry {

    /** How many ended connections a full stripe expires at once to make room, and how many entries it looks at. */
    static final int RECLAIM_BATCH = 64;
    static final int RECLAIM_VISITS = 1024;

    private final ConnectionTable table;
    private final LongAdder reclaimed = new LongAdder();

    EarlyExpiry(ConnectionTable table) {
        this.table = table;
    }

    long reclaimed() {
        return reclaimed.sum();
    }

    /**
     * Expires up to {@value #RECLAIM_BATCH} entries of ended TCP connections of stripe {@code s} (its lock held), in
     * expiry order, looking at no more than {@value #RECLAIM_VISITS} entries, so a table full of live connections
     * costs a refused client only a bounded walk.
     *
     * @return the number expired
     */
    int reclaimLocked(Stripe s) {
        long now = table.now();
        int visited = 0;
        int expired = 0;
        for (long t = s.processedTick + 1; t <= s.processedTick + WHEEL_SLOTS; t++) {
            for (ConnectionEntry e = s.wheel[(int) t & WHEEL_MASK]; e != null; ) {
                ConnectionEntry after = e.timerNext;
                if (e.ended() && table.expireLocked(s, e, now, true)) {
                    reclaimed.increment();
                    if (++expired == RECLAIM_BATCH) {
                        return expired;
                    }
                }
                if (++visited == RECLAIM_VISITS) {
                    return expired;
                }
                e = after;
            }
        }
        return expired;
    }

    /**
     * A table within 1/64 of its capacity expires ended TCP connections early until it is 1/32 below it (or has none
     * left to expire), so that new clients find room: {@link ConnectionTable#reserve} makes room only in its own
     * stripe. Called by the timer.
     */
    void reclaimNearlyFull() {
        int capacity = table.capacity;
        int margin = Math.max(1, capacity >>> 6);
        if (table.size.get() <= capacity - margin) {
            return;
        }
        for (Stripe s : table.stripes) {
            if (table.size.get() <= capacity - 2 * margin) {
                return;
            }
            synchronized (s) {
                reclaimLocked(s);
            }
        }
    }

    /**
     * IPVS {@code drop_entry} for a short memory: drops up to {@code budget} entries that hold no open connection
     * ({@link ConnectionEntry#droppable}), those due to expire first first. Entries are visited in expiry order one
     * turn of the timer wheel at a time (an entry's slot may lag behind a later expiry, so each pass takes only
     * entries due within its horizon); a UDP flow dropped here has its socket released through its closer.
     *
     * @return the number of entries dropped
     */
    int dropIdle(int budget) {
        synchronized (table) { // the timer's monitor: processedTick stays put
            long now = table.now();
            long udpTimeout = table.timeoutNanos[UDP_TIMEOUT];
            long turn = WHEEL_SLOTS * ConnectionTable.TICK_NANOS;
            int dropped = 0;
            long horizon = now + turn;
            for (int pass = 0; dropped < budget; pass++) {
                long next = Long.MAX_VALUE; // the earliest expiry beyond this pass's horizon
                for (long t = table.processedTick + 1; t <= table.processedTick + WHEEL_SLOTS && dropped < budget;
                        t++) {
                    int i = (int) t & WHEEL_MASK;
                    for (Stripe s : table.stripes) {
                        if (s.wheel[i] == null) {
                            continue; // (a racy peek: an entry slotted meanwhile waits for the next sweep)
                        }
                        synchronized (s) {
                            for (ConnectionEntry e = s.wheel[i]; e != null && dropped < budget; ) {
                                ConnectionEntry after = e.timerNext;
                                long at = e.expiresAt();
                                if (horizon != Long.MAX_VALUE && at - horizon > 0) {
                                    next = Math.min(next, at);
                                } else if (e.droppable(now, udpTimeout) && table.expireLocked(s, e, now, true)) {
                                    dropped++;
                                }
                                e = after;
                            }
                        }
                        if (!s.closers.isEmpty()) {
                            table.closeCollected(s);
                        }
                    }
                }
                if (next == Long.MAX_VALUE || horizon == Long.MAX_VALUE) {
                    break;
                }
                // The next pass reaches the next entry due; after a few passes, everything (long persistence).
                horizon = pass >= 6 ? Long.MAX_VALUE : next + turn;
            }
            return dropped;
        }
    }
}
