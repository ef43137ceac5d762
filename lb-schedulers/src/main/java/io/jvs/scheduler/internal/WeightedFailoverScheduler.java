package io.jvs.scheduler.internal;

/**
 * {@code fo}, weighted failover, as IPVS {@code ip_vs_fo.c}: the server with the highest weight among those that are
 * not overloaded (weight &gt; 0); ties go to the server earlier in the list (newer). Connection counts are not used.
 */
public final class WeightedFailoverScheduler extends RankedScheduler {

    WeightedFailoverScheduler() {
        super(Ranking.WEIGHT);
    }

    /** Registers {@code fo}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("fo", context -> new WeightedFailoverScheduler());
        }
    }
}
