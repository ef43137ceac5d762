package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Scheduler;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code wrr}, weighted round robin, as the current IPVS {@code ip_vs_wrr.c}.
 *
 * <p>State: {@code cl}, the position of the last pick (or the list head), and {@code cw}, the weight a server
 * needs to be picked in the current pass. Each pass walks the list (newest first) from {@code cl} and picks the
 * next server with weight &ge; {@code cw} that is not overloaded; at the end of the list {@code cw} drops by
 * {@code di}, the gcd of the positive weights, and wraps to {@code mw} = max weight &minus; (di &minus; 1). The
 * last pass runs at {@code cw} = 1 so a server whose weight dropped below {@code di} is still reached.
 *
 * <p>Every add, delete or edit resets {@code cl} to the head and recomputes {@code di} and {@code mw}; then
 * {@code cw} becomes {@code mw} if it exceeds it or is 0, and is otherwise rounded to {@code k·di + 1} when
 * {@code di > 1}, exactly as the kernel's {@code ip_vs_wrr_dest_changed} does.
 *
 * <p>{@code cl} and {@code cw} live in one {@code long} changed by compare-and-set, so picks neither lock nor
 * allocate; an update retires the old table's state with {@code getAndSet} so no pick is lost in the switch.
 */
public final class WeightedRoundRobinScheduler implements Scheduler {

    static final int HEAD = -1;
    private static final long RETIRED = Long.MIN_VALUE;

    private static final class Table {
        final Destination[] list;
        final int di;
        final int mw;
        /** {@code cw << 32 | (cl & 0xffffffffL)}. */
        final AtomicLong state;

        Table(Destination[] list, int di, int mw, int cw) {
            this.list = list;
            this.di = di;
            this.mw = mw;
            this.state = new AtomicLong(pack(HEAD, cw));
        }
    }

    private volatile Table table = new Table(new Destination[0], 1, 0, 0);

    static long pack(int cl, int cw) {
        return ((long) cw << 32) | (cl & 0xffffffffL);
    }

    @Override
    public void update(List<Destination> destinations) {
        Destination[] next = destinations.toArray(new Destination[0]);
        int g = 0;
        int max = 0;
        for (Destination d : next) {
            int w = d.weight();
            if (w > 0) {
                g = g > 0 ? gcd(w, g) : w;
            }
            max = Math.max(max, w);
        }
        int di = g > 0 ? g : 1;
        int mw = max - (di - 1);
        long s = table.state.getAndSet(RETIRED);
        int cw = (int) (s >> 32);
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
        table = new Table(next, di, mw, cw);
    }

    static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public Destination select(Flow flow) {
        for (;;) {
            Table t = table;
            long s = t.state.get();
            if (s == RETIRED) {
                Thread.onSpinWait();
                continue;
            }
            if (t.mw == 0) {
                return null;
            }
            Destination[] list = t.list;
            int n = list.length;
            int di = t.di;
            int cl = (int) s;
            int cw = (int) (s >> 32);
            int last = cl;
            int stop = Integer.MIN_VALUE;
            boolean lastPass = false;
            boolean restarted = false;
            int pos = cl;
            Destination found = null;
            scan:
            for (;;) {
                for (int i = pos + 1; i < n; i++) {
                    Destination d = list[i];
                    if (!d.isOverloaded() && d.weight() >= cw) {
                        found = d;
                        pos = i;
                        break scan;
                    }
                    if (i == stop) {
                        pos = i; // "all destinations are overloaded"
                        break scan;
                    }
                }
                cw -= di;
                if (cw <= 0) {
                    cw = t.mw;
                    if (lastPass || last == HEAD) {
                        pos = HEAD;
                        break;
                    }
                    restarted = true;
                }
                lastPass = cw <= di;
                if (lastPass && restarted && last != HEAD) {
                    stop = last;
                }
                pos = HEAD;
            }
            if (t.state.compareAndSet(s, pack(pos, cw))) {
                return found;
            }
        }
    }

    /** Registers {@code wrr}. */
    public static final class Provider implements Scheduler.Factory {
        @Override
        public String name() {
            return "wrr";
        }

        @Override
        public Scheduler create(Context context) {
            return new WeightedRoundRobinScheduler();
        }
    }
}
