package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
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
 * <p>Where the kernel walks server by server, this implementation asks a {@link WeightIndex} of weights for
 * "the first server at or after p with weight &ge; cw", O(log n), and skips in one step the passes that cannot
 * find anyone because {@code cw} exceeds the highest eligible weight. The result, and the state left behind, are
 * the kernel's in every case, including the "all destinations are overloaded" stop.
 *
 * <p>{@code cl} and {@code cw} live in one {@code long} changed by compare-and-set, so picks neither lock nor
 * allocate; an update retires the old table's state with {@code getAndSet} so no pick is lost in the switch.
 */
public final class WeightedRoundRobinScheduler implements Scheduler {

    static final int HEAD = -1;
    private static final int NO_STOP = -2;
    private static final long RETIRED = Long.MIN_VALUE;

    private static final class Mark {
        final WeightIndex table;
        final int di;
        final int mw;
        /** {@code cw << 32 | (cl & 0xffffffffL)}. */
        final AtomicLong state;

        Mark(WeightIndex table, int di, int mw, int cw) {
            this.table = table;
            this.di = di;
            this.mw = mw;
            this.state = new AtomicLong(pack(HEAD, cw));
        }
    }

    private volatile Mark mark = new Mark(new WeightIndex(List.of()), 1, 0, 0);

    WeightedRoundRobinScheduler() {}

    static long pack(int cl, int cw) {
        return ((long) cw << 32) | (cl & 0xffffffffL);
    }

    @Override
    public void update(List<Destination> destinations) {
        WeightIndex next = new WeightIndex(destinations);
        int g = 0;
        int max = 0;
        for (Destination d : next.list) {
            int w = Ranking.weightOf(d);
            if (w > 0) {
                g = g > 0 ? gcd(w, g) : w;
            }
            max = Math.max(max, w);
        }
        int di = g > 0 ? g : 1;
        int mw = max - (di - 1);
        long s = mark.state.getAndSet(RETIRED);
        int cw = (int) (s >> 32);
        if (cw > mw || cw == 0) {
            cw = mw;
        } else if (di > 1) {
            cw = (cw / di) * di + 1;
        }
        mark = new Mark(next, di, mw, cw);
        next.resync();
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
    public Destination select(ConnectionKey key) {
        for (;;) {
            Mark m = mark;
            long s = m.state.get();
            if (s == RETIRED) {
                Thread.onSpinWait();
                continue;
            }
            if (m.mw == 0) {
                return null;
            }
            WeightIndex t = m.table;
            int di = m.di;
            int cl = (int) s;
            int cw = (int) (s >> 32);
            int last = cl;
            int stop = NO_STOP;
            boolean lastPass = false;
            boolean restarted = false;
            int from = cl + 1;
            int pos;
            Destination found = null;
            for (;;) {
                int q = t.findFirst(from, cw);
                if (stop >= from && (q < 0 || stop < q)) {
                    pos = stop; // "all destinations are overloaded"
                    break;
                }
                if (q >= 0) {
                    pos = q;
                    found = t.list[q];
                    break;
                }
                cw -= di;
                if (cw <= 0) {
                    cw = m.mw;
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
                from = 0;
                if (stop == NO_STOP) {
                    // The next passes start at the head and fail while cw exceeds the highest eligible weight;
                    // take those that leave cw above di (not yet the last pass) in one step.
                    int highest = t.max();
                    if (cw > highest && cw > 2 * di) {
                        int k = Math.min((cw - highest - 1) / di + 1, (cw - di - 1) / di);
                        cw -= k * di;
                    }
                }
            }
            if (m.state.compareAndSet(s, pack(pos, cw))) {
                return found;
            }
        }
    }

    @Override
    public void countersChanged(Destination destination) {
        mark.table.refresh(destination);
    }

    /** The current index (for tests and diagnostics). */
    WeightIndex table() {
        return mark.table;
    }

    /** Registers {@code wrr}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("wrr", context -> new WeightedRoundRobinScheduler());
        }
    }
}
