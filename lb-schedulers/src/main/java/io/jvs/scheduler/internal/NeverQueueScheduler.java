package io.jvs.scheduler.internal;

/**
 * {@code nq}, never queue, as IPVS {@code ip_vs_nq.c}: the first idle server (no active connection) in list order;
 * when none is idle, the sed choice, the smallest (active + 1) / weight. Overloaded servers and servers of weight 0
 * are skipped.
 */
public final class NeverQueueScheduler extends RankedScheduler {

    NeverQueueScheduler() {
        super(Ranking.NEVER_QUEUE);
    }

    /** Registers {@code nq}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("nq", context -> new NeverQueueScheduler());
        }
    }
}
