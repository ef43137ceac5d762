package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code rr}, round robin, as IPVS {@code ip_vs_rr.c}: a cursor walks the list (newest first), returning the
 * next server that has weight &gt; 0 and is not overloaded; the server under the cursor is looked at last. When a
 * server under the cursor is deleted the cursor moves to its predecessor, so the pick after it is the server
 * that followed the deleted one. Adds and edits leave the cursor where it is.
 *
 * <p>"The next eligible server after the cursor" comes from a {@link WeightIndex} of weights, so a pick costs
 * O(1) when the next server is eligible and O(log n) when many in a row are quiesced or overloaded, where the
 * kernel walks them one by one. The cursor lives with the published table and moves by compare-and-set, so picks
 * neither lock nor allocate. An update retires the old cursor with {@code getAndSet} after the new table is
 * built, so no pick's move is lost in the switch and picks wait only for the cursor to be carried over.
 */
public final class RoundRobinScheduler implements Scheduler {

    /** The cursor before the first element: IPVS's list head. */
    static final int HEAD = -1;
    /** A retired table's cursor: its replacement is about to be published. */
    private static final int RETIRED = Integer.MIN_VALUE;

    private static final class Cursor {
        final WeightIndex table;
        final AtomicInteger position;

        Cursor(WeightIndex table, int position) {
            this.table = table;
            this.position = new AtomicInteger(position);
        }
    }

    private volatile Cursor cursor = new Cursor(new WeightIndex(List.of()), HEAD);

    RoundRobinScheduler() {}

    @Override
    public void update(List<Destination> destinations) {
        WeightIndex next = new WeightIndex(destinations);
        Cursor old = cursor;
        int p = old.position.getAndSet(RETIRED);
        cursor = new Cursor(next, carry(old.table.list, p, next));
        next.resync();
    }

    /** Where the cursor at {@code p} in {@code old} lands in {@code next}: the same server, or its nearest surviving predecessor. */
    private static int carry(Destination[] old, int p, WeightIndex next) {
        for (int i = p; i >= 0; i--) {
            int at = next.indexOf(old[i]);
            if (at >= 0) {
                return at;
            }
        }
        return HEAD;
    }

    @Override
    public Destination select(ConnectionKey key) {
        for (;;) {
            Cursor c = cursor;
            int p = c.position.get();
            if (p == RETIRED) {
                Thread.onSpinWait();
                continue;
            }
            WeightIndex t = c.table;
            int q = t.findFirst(p + 1, 1);
            if (q < 0 && p != HEAD) {
                q = t.findFirst(0, 1); // wrap; the server under the cursor comes last
                if (q > p) {
                    q = WeightIndex.NONE;
                }
            }
            if (q < 0) {
                return null;
            }
            if (c.position.compareAndSet(p, q)) {
                return t.list[q];
            }
        }
    }

    @Override
    public void countersChanged(Destination destination) {
        cursor.table.refresh(destination);
    }

    /** The current index (for tests and diagnostics). */
    WeightIndex table() {
        return cursor.table;
    }

    /** Registers {@code rr}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("rr", context -> new RoundRobinScheduler());
        }
    }
}
