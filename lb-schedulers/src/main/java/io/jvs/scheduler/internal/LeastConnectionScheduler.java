package io.jvs.scheduler.internal;

/**
 * {@code lc}, least connection, as IPVS {@code ip_vs_lc.c}: the server with the least overhead (active &times; 256 +
 * inactive), skipping overloaded servers and servers of weight 0; weights are otherwise ignored. Ties go to the
 * server earlier in the list (newer).
 */
public final class LeastConnectionScheduler extends RankedScheduler {

    LeastConnectionScheduler() {
        super(Ranking.LEAST_CONNECTION);
    }

    /** Registers {@code lc}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("lc", context -> new LeastConnectionScheduler());
        }
    }
}
