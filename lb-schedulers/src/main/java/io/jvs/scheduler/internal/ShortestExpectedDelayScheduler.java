package io.jvs.scheduler.internal;

/**
 * {@code sed}, shortest expected delay, as IPVS {@code ip_vs_sed.c}: the server with the smallest (active + 1) /
 * weight (inactive connections do not count), compared by 64-bit cross-multiplication; overloaded servers and
 * servers of weight 0 never win; ties go to the server earlier in the list (newer).
 */
public final class ShortestExpectedDelayScheduler extends RankedScheduler {

    ShortestExpectedDelayScheduler() {
        super(Ranking.SHORTEST_EXPECTED_DELAY);
    }

    /** Registers {@code sed}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("sed", context -> new ShortestExpectedDelayScheduler());
        }
    }
}
