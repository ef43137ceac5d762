package io.jvs.scheduler.internal;

/**
 * {@code ovf}, weighted overflow, as IPVS {@code ip_vs_ovf.c}: the server with the highest weight among those that
 * are not overloaded, have weight &ne; 0 and no more active connections than their weight; ties go to the server
 * earlier in the list (newer). Only active connections count, so it suits TCP, not UDP (whose flows are always
 * inactive).
 */
public final class WeightedOverflowScheduler extends RankedScheduler {

    WeightedOverflowScheduler() {
        super(Ranking.OVERFLOW);
    }

    /** Registers {@code ovf}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("ovf", context -> new WeightedOverflowScheduler());
        }
    }
}
