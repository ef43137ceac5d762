package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Scheduler;
import java.util.List;

/**
 * {@code wlc}, weighted least connection, the default scheduler, as IPVS {@code ip_vs_wlc.c}: the server with
 * the smallest {@code overhead / weight}, where overhead = active &times; 256 + inactive. The comparison is
 * cross-multiplied in 64 bits, so there is no division; ties keep the server earlier in the list (newer).
 * Overloaded servers are skipped, and the first candidate must have weight &gt; 0 (a later server of weight 0
 * can never win the comparison).
 */
public final class WeightedLeastConnectionScheduler implements Scheduler {

    private volatile Destination[] list = new Destination[0];

    @Override
    public void update(List<Destination> destinations) {
        list = destinations.toArray(new Destination[0]);
    }

    @Override
    public Destination select(Flow flow) {
        Destination[] l = list;
        int n = l.length;
        int i = 0;
        Destination least = null;
        for (; i < n; i++) {
            Destination d = l[i];
            if (!d.isOverloaded() && d.weight() > 0) {
                least = d;
                break;
            }
        }
        if (least == null) {
            return null;
        }
        long loh = least.overhead();
        long lw = least.weight();
        for (i++; i < n; i++) {
            Destination d = l[i];
            if (d.isOverloaded()) {
                continue;
            }
            long doh = d.overhead();
            long dw = d.weight();
            if (loh * dw > doh * lw) {
                least = d;
                loh = doh;
                lw = dw;
            }
        }
        return least;
    }

    /** Registers {@code wlc}. */
    public static final class Provider implements Scheduler.Factory {
        @Override
        public String name() {
            return "wlc";
        }

        @Override
        public Scheduler create(Context context) {
            return new WeightedLeastConnectionScheduler();
        }
    }
}
