package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Scheduler;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code rr}, round robin, as IPVS {@code ip_vs_rr.c}: a cursor walks the list (newest first), returning the
 * next server that has weight &gt; 0 and is not overloaded; the server under the cursor is looked at last. When a
 * server under the cursor is deleted the cursor moves to its predecessor, so the pick after it is the server
 * that followed the deleted one. Adds and edits leave the cursor where it is.
 *
 * <p>The cursor lives in the published table and moves by compare-and-set, so picks neither lock nor allocate.
 * An update retires the old table's cursor with {@code getAndSet}, so no pick's move is lost in the switch.
 */
public final class RoundRobinScheduler implements Scheduler {

    /** The cursor before the first element: IPVS's list head. */
    static final int HEAD = -1;
    /** A retired table's cursor: its replacement is about to be published. */
    private static final int RETIRED = Integer.MIN_VALUE;

    private static final class Table {
        final Destination[] list;
        final AtomicInteger cursor;

        Table(Destination[] list, int cursor) {
            this.list = list;
            this.cursor = new AtomicInteger(cursor);
        }
    }

    private volatile Table table = new Table(new Destination[0], HEAD);

    @Override
    public void update(List<Destination> destinations) {
        Destination[] next = destinations.toArray(new Destination[0]);
        Table old = table;
        int p = old.cursor.getAndSet(RETIRED);
        table = new Table(next, carryCursor(old.list, p, next));
    }

    /** Where the cursor at {@code p} in {@code old} lands in {@code next}: the same server, or its nearest surviving predecessor. */
    private static int carryCursor(Destination[] old, int p, Destination[] next) {
        if (p == HEAD) {
            return HEAD;
        }
        Map<Destination, Integer> index = new IdentityHashMap<>(next.length * 2);
        for (int i = 0; i < next.length; i++) {
            index.put(next[i], i);
        }
        for (int i = p; i >= 0; i--) {
            Integer at = index.get(old[i]);
            if (at != null) {
                return at;
            }
        }
        return HEAD;
    }

    @Override
    public Destination select(Flow flow) {
        for (;;) {
            Table t = table;
            int p = t.cursor.get();
            if (p == RETIRED) {
                Thread.onSpinWait();
                continue;
            }
            Destination[] list = t.list;
            int n = list.length;
            int i = p;
            int k = 0;
            for (; k < n; k++) {
                i = i + 1 == n ? 0 : i + 1;
                Destination d = list[i];
                if (d.weight() > 0 && !d.isOverloaded()) {
                    break;
                }
            }
            if (k == n) {
                return null;
            }
            if (t.cursor.compareAndSet(p, i)) {
                return list[i];
            }
        }
    }

    /** Registers {@code rr}. */
    public static final class Provider implements Scheduler.Factory {
        @Override
        public String name() {
            return "rr";
        }

        @Override
        public Scheduler create(Context context) {
            return new RoundRobinScheduler();
        }
    }
}
