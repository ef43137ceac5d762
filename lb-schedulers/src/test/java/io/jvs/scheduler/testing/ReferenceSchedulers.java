package io.jvs.scheduler.testing;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import io.jvs.api.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import java.util.random.RandomGenerator;

/**
 * Plain ports of the kernel's scheduling loops, scanning the whole list on every pick as IPVS does: the
 * reference the indexed implementations must agree with, pick for pick, and the baseline of the benchmarks.
 * Single-threaded: they keep their state in plain fields.
 */
public final class ReferenceSchedulers {

    /** The algorithms with a reference here: those whose production implementation uses an index. */
    public static final Set<String> NAMES = Set.of("rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc",
            "lblcr");

    private static final long DAY = Duration.ofDays(1).toNanos();

    private ReferenceSchedulers() {}

    /** The reference for {@code name}, with the kernel's default settings. */
    public static Scheduler.Factory factory(String name) {
        Function<Scheduler.Context, Scheduler> create;
        switch (name) {
            case "rr": create = c -> new RoundRobin(); break;
            case "wrr": create = c -> new WeightedRoundRobin(); break;
            case "lc": create = c -> new Scan(Scan::lc); break;
            case "wlc": create = c -> new Scan(ReferenceSchedulers::wlc); break;
            case "sed": create = c -> new Scan(Scan::sed); break;
            case "nq": create = c -> new Scan(Scan::nq); break;
            case "fo": create = c -> new Scan(Scan::fo); break;
            case "ovf": create = c -> new Scan(Scan::ovf); break;
            case "twos": create = Twos::new; break;
            case "lblc": create = c -> new Lblc(c.ticker(), DAY, false); break;
            case "lblcr": create = c -> new Lblc(c.ticker(), DAY, true); break;
            default: throw new IllegalArgumentException("no reference scheduler " + name);
        }
        return new Scheduler.Factory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Scheduler create(Scheduler.Context context) {
                return create.apply(context);
            }
        };
    }

    static long overhead(Destination d) {
        return ((long) d.activeConnections() << 8) + d.inactiveConnections();
    }

    /** {@code ip_vs_wlc_schedule} (and lblc's and lblcr's service-wide choice). */
    static Destination wlc(Destination[] list) {
        return weighted(list, ReferenceSchedulers::overhead);
    }

    /** The loop of wlc and sed: the first eligible server, then any later one with a smaller overhead / weight. */
    static Destination weighted(Destination[] list, ToLongFunction<Destination> overhead) {
        Destination least = null;
        int i = 0;
        for (; i < list.length; i++) {
            if (!list[i].isOverloaded() && list[i].weight() > 0) {
                least = list[i];
                break;
            }
        }
        if (least == null) {
            return null;
        }
        long loh = overhead.applyAsLong(least);
        for (i++; i < list.length; i++) {
            Destination d = list[i];
            if (d.isOverloaded()) {
                continue;
            }
            long doh = overhead.applyAsLong(d);
            if (loh * d.weight() > doh * least.weight()) {
                least = d;
                loh = doh;
            }
        }
        return least;
    }

    /** The stateless scanners: lc, wlc, sed, nq, fo, ovf. */
    static final class Scan implements Scheduler {
        private final Function<Destination[], Destination> rule;
        private Destination[] list = new Destination[0];

        Scan(Function<Destination[], Destination> rule) {
            this.rule = rule;
        }

        @Override
        public void update(List<Destination> destinations) {
            list = destinations.toArray(new Destination[0]);
        }

        @Override
        public Destination select(ConnectionKey flow) {
            return rule.apply(list);
        }

        static Destination lc(Destination[] list) {
            Destination least = null;
            long loh = 0;
            for (Destination d : list) {
                if (d.isOverloaded() || d.weight() == 0) {
                    continue;
                }
                long doh = overhead(d);
                if (least == null || doh < loh) {
                    least = d;
                    loh = doh;
                }
            }
            return least;
        }

        static Destination sed(Destination[] list) {
            return weighted(list, d -> d.activeConnections() + 1L);
        }

        static Destination nq(Destination[] list) {
            Destination least = null;
            long loh = 0;
            for (Destination d : list) {
                if (d.isOverloaded() || d.weight() == 0) {
                    continue;
                }
                long doh = d.activeConnections() + 1L;
                if (d.activeConnections() == 0) {
                    return d;
                }
                if (least == null || loh * d.weight() > doh * least.weight()) {
                    least = d;
                    loh = doh;
                }
            }
            return least;
        }

        static Destination fo(Destination[] list) {
            Destination best = null;
            int hw = 0;
            for (Destination d : list) {
                if (!d.isOverloaded() && d.weight() > hw) {
                    best = d;
                    hw = d.weight();
                }
            }
            return best;
        }

        static Destination ovf(Destination[] list) {
            Destination h = null;
            int hw = 0;
            for (Destination d : list) {
                int w = d.weight();
                if (d.isOverloaded() || d.activeConnections() > w || w == 0) {
                    continue;
                }
                if (h == null || w > hw) {
                    h = d;
                    hw = w;
                }
            }
            return h;
        }
    }

    /** {@code ip_vs_rr.c}: the pointer is a list position (-1 = head), moved to the predecessor on delete. */
    static final class RoundRobin implements Scheduler {
        private Destination[] list = new Destination[0];
        private int p = -1;

        @Override
        public void update(List<Destination> destinations) {
            Destination[] next = destinations.toArray(new Destination[0]);
            int q = -1;
            for (int i = p; i >= 0 && q < 0; i--) {
                q = indexOf(next, list[i]);
            }
            list = next;
            p = q;
        }

        @Override
        public Destination select(ConnectionKey flow) {
            int n = list.length;
            int last = p;
            for (int i = p + 1; i < n; i++) {
                if (eligible(list[i])) {
                    p = i;
                    return list[i];
                }
            }
            if (last >= 0) {
                for (int i = 0; i <= last; i++) {
                    if (eligible(list[i])) {
                        p = i;
                        return list[i];
                    }
                }
            }
            return null;
        }

        private static boolean eligible(Destination d) {
            return !d.isOverloaded() && d.weight() > 0;
        }
    }

    static int indexOf(Destination[] list, Destination d) {
        for (int i = 0; i < list.length; i++) {
            if (list[i] == d) {
                return i;
            }
        }
        return -1;
    }

    /** {@code ip_vs_wrr.c}, walking the list server by server. */
    static final class WeightedRoundRobin implements Scheduler {
        private Destination[] list = new Destination[0];
        private int cl = -1;
        private int cw;
        private int mw;
        private int di = 1;

        @Override
        public void update(List<Destination> destinations) {
            list = destinations.toArray(new Destination[0]);
            int g = 0;
            int max = 0;
            for (Destination d : list) {
                int w = d.weight();
                if (w > 0) {
                    g = g > 0 ? gcd(w, g) : w;
                }
                max = Math.max(max, w);
            }
            cl = -1;
            di = g > 0 ? g : 1;
            mw = max - (di - 1);
            if (cw > mw || cw == 0) {
                cw = mw;
            } else if (di > 1) {
                cw = (cw / di) * di + 1;
            }
        }

        private static int gcd(int a, int b) {
            return b == 0 ? a : gcd(b, a % b);
        }

        @Override
        public Destination select(ConnectionKey flow) {
            if (mw == 0) {
                return null;
            }
            int last = cl;
            int stop = -2;
            boolean lastPass = false;
            boolean restarted = false;
            int i = cl;
            for (;;) {
                for (i++; i < list.length; i++) {
                    Destination d = list[i];
                    if (!d.isOverloaded() && d.weight() >= cw) {
                        cl = i;
                        return d;
                    }
                    if (i == stop) {
                        cl = i;
                        return null;
                    }
                }
                cw -= di;
                if (cw <= 0) {
                    cw = mw;
                    if (lastPass || last == -1) {
                        cl = -1;
                        return null;
                    }
                    restarted = true;
                }
                lastPass = cw <= di;
                if (lastPass && restarted && last != -1) {
                    stop = last;
                }
                i = -1;
            }
        }
    }

    /** {@code ip_vs_twos.c}: two walks per pick, 32-bit products. */
    static final class Twos implements Scheduler {
        private final Scheduler.Context context;
        private Destination[] list = new Destination[0];

        Twos(Scheduler.Context context) {
            this.context = context;
        }

        @Override
        public void update(List<Destination> destinations) {
            list = destinations.toArray(new Destination[0]);
        }

        @Override
        public Destination select(ConnectionKey flow) {
            long total = 0;
            for (Destination d : list) {
                if (!d.isOverloaded() && d.weight() > 0) {
                    total += d.weight();
                }
            }
            if (total == 0) {
                return null;
            }
            RandomGenerator random = context.random();
            long r1 = random.nextLong(total + 1);
            long r2 = random.nextLong(total + 1);
            Destination c1 = null;
            Destination c2 = null;
            int w1 = -1;
            int w2 = -1;
            int oh1 = 0;
            int oh2 = 0;
            for (Destination d : list) {
                int w = d.weight();
                if (d.isOverloaded() || w <= 0) {
                    continue;
                }
                r1 -= w;
                r2 -= w;
                if (r1 <= 0 && w1 == -1) {
                    c1 = d;
                    w1 = w;
                    oh1 = (d.activeConnections() << 8) + d.inactiveConnections();
                }
                if (r2 <= 0 && w2 == -1) {
                    c2 = d;
                    w2 = w;
                    oh2 = (d.activeConnections() << 8) + d.inactiveConnections();
                }
                if (w1 != -1 && w2 != -1) {
                    break;
                }
            }
            return c2 != null && w2 * oh1 > w1 * oh2 ? c2 : c1;
        }
    }

    /**
     * {@code ip_vs_lblc.c} and {@code ip_vs_lblcr.c}: the address cache as bucket chains (newest first) with the
     * kernel's timer ticks replayed from the ticker, and the service-wide choice by a full wlc scan.
     */
    static final class Lblc implements Scheduler {
        private static final long INTERVAL = Duration.ofSeconds(60).toNanos();
        private static final long TIMEOUT = Duration.ofMinutes(6).toNanos();

        private static final class Entry {
            final int key;
            long lastUse;
            Destination dest; // lblc
            final LinkedList<Destination> set = new LinkedList<>(); // lblcr, newest first
            long lastMod;

            Entry(int key) {
                this.key = key;
            }
        }

        private final Ticker ticker;
        private final long expiration;
        private final boolean replicated;
        @SuppressWarnings("unchecked")
        private final List<Entry>[] buckets = new List[1024];
        private Destination[] list = new Destination[0];
        private long nextCheck;
        private int counter = 1;
        private int rover;
        private int entries;

        Lblc(Ticker ticker, long expiration, boolean replicated) {
            this.ticker = ticker;
            this.expiration = expiration;
            this.replicated = replicated;
            this.nextCheck = ticker.nanoTime() + INTERVAL;
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new ArrayList<>();
            }
        }

        private static int bucket(int key) {
            return (key * 0x61C88647) >>> 22;
        }

        private Entry find(int key) {
            for (Entry e : buckets[bucket(key)]) {
                if (e.key == key) {
                    return e;
                }
            }
            return null;
        }

        @Override
        public void update(List<Destination> destinations) {
            list = destinations.toArray(new Destination[0]);
        }

        private boolean overloaded(Destination d) {
            if (d.activeConnections() > d.weight()) {
                for (Destination x : list) {
                    if (x.activeConnections() * 2L < x.weight()) {
                        return true;
                    }
                }
            }
            return false;
        }

        @Override
        public Destination select(ConnectionKey flow) {
            long now = ticker.nanoTime();
            while (now - nextCheck >= 0) {
                tick(nextCheck);
                nextCheck += INTERVAL;
            }
            int key = flow.virtualAddressFold();
            Entry e = find(key);
            return replicated ? selectReplicated(e, key, now) : selectSingle(e, key, now);
        }

        private Destination selectSingle(Entry e, int key, long now) {
            if (e != null) {
                e.lastUse = now;
                Destination d = e.dest;
                if (d.isAvailable() && d.weight() > 0 && !overloaded(d)) {
                    return d;
                }
            }
            Destination d = wlc(list);
            if (d == null) {
                return null;
            }
            if (e != null) {
                if (e.dest == d) {
                    return d;
                }
                buckets[bucket(key)].remove(e);
                entries--;
            }
            Entry fresh = new Entry(key);
            fresh.dest = d;
            fresh.lastUse = now;
            buckets[bucket(key)].add(0, fresh);
            entries++;
            return d;
        }

        private Destination selectReplicated(Entry e, int key, long now) {
            if (e != null) {
                e.lastUse = now;
                Destination d = setMin(e.set);
                if (e.set.size() > 1 && now - (e.lastMod + expiration) > 0) {
                    Destination m = setMax(e.set);
                    if (m != null) {
                        e.set.remove(m);
                        e.lastMod = now;
                    }
                }
                if (d != null && !overloaded(d)) {
                    return d;
                }
                d = wlc(list);
                if (d == null) {
                    return null;
                }
                if (!e.set.contains(d)) {
                    e.set.addFirst(d);
                    e.lastMod = now;
                }
                return d;
            }
            Destination d = wlc(list);
            if (d == null) {
                return null;
            }
            Entry fresh = new Entry(key);
            fresh.lastUse = now;
            fresh.set.add(d);
            fresh.lastMod = now;
            buckets[bucket(key)].add(0, fresh);
            entries++;
            return d;
        }

        private static Destination setMin(List<Destination> set) {
            Destination least = null;
            long loh = 0;
            for (Destination d : set) {
                if (least == null) {
                    if (!d.isOverloaded() && d.weight() > 0 && d.isAvailable()) {
                        least = d;
                        loh = overhead(d);
                    }
                    continue;
                }
                if (d.isOverloaded()) {
                    continue;
                }
                long doh = overhead(d);
                if (loh * d.weight() > doh * least.weight() && d.isAvailable()) {
                    least = d;
                    loh = doh;
                }
            }
            return least;
        }

        private static Destination setMax(List<Destination> set) {
            Destination most = null;
            long moh = 0;
            for (Destination d : set) {
                if (most == null) {
                    if (d.weight() > 0) {
                        most = d;
                        moh = overhead(d);
                    }
                    continue;
                }
                long doh = overhead(d);
                if (moh * d.weight() < doh * most.weight() && d.weight() > 0) {
                    most = d;
                    moh = doh;
                }
            }
            return most;
        }

        private void tick(long now) {
            if (counter % 30 == 0) {
                int j = rover;
                for (int i = 0; i < 1024; i++) {
                    j = (j + 1) & 1023;
                    sweep(j, now, expiration);
                }
                rover = j;
                counter = 1;
                return;
            }
            if (entries <= 16384) {
                counter++;
                return;
            }
            int goal = Math.min((entries - 16384) * 4 / 3, 8192);
            int j = rover;
            for (int i = 0; i < 1024; i++) {
                j = (j + 1) & 1023;
                goal -= sweep(j, now, TIMEOUT);
                if (goal <= 0) {
                    break;
                }
            }
            rover = j;
        }

        private int sweep(int b, long now, long idle) {
            int before = buckets[b].size();
            buckets[b].removeIf(e -> now - e.lastUse >= idle);
            int deleted = before - buckets[b].size();
            entries -= deleted;
            return deleted;
        }

        int entries() {
            return entries;
        }
    }
}
