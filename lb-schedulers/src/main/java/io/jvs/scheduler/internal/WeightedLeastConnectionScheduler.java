package io.jvs.scheduler.internal;

/**
 * {@code wlc}, weighted least connection, ipvsadm's default, as IPVS {@code ip_vs_wlc.c}: the server with the
 * smallest overhead / weight, where overhead = active &times; 256 + inactive, compared by 64-bit cross-
 * multiplication (no division); overloaded servers and servers of weight 0 never win; ties go to the server earlier
 * in the list (newer).
 */
public final class WeightedLeastConnectionScheduler extends RankedScheduler {

    WeightedLeastConnectionScheduler() {
        super(Ranking.WEIGHTED_LEAST_CONNECTION);
    }

    /** Registers {@code wlc}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("wlc", context -> new WeightedLeastConnectionScheduler());
        }
    }
}
