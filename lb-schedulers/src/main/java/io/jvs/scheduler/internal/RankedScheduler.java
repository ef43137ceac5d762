package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import java.util.List;

/**
 * A scheduler whose choice is the best-ranked eligible server, first in list order on ties: {@code lc},
 * {@code wlc}, {@code sed}, {@code nq}, {@code fo} and {@code ovf}. The kernel scans the whole list on every new
 * connection; here a {@link RankedTable} keeps the answer at its root, so {@link #select} is one read and each
 * counter change costs O(log n).
 */
abstract class RankedScheduler implements Scheduler {

    private final Ranking ranking;
    private volatile RankedTable table;

    RankedScheduler(Ranking ranking) {
        this.ranking = ranking;
        this.table = new RankedTable(List.of(), ranking);
    }

    @Override
    public final void update(List<Destination> destinations) {
        RankedTable next = new RankedTable(destinations, ranking);
        table = next;
        next.resync();
    }

    @Override
    public final Destination select(ConnectionKey key) {
        RankedTable t = table;
        int p = t.best();
        return p < 0 ? null : t.list[p];
    }

    @Override
    public final void countersChanged(Destination destination) {
        table.refresh(destination);
    }

    /** The current index (for tests and diagnostics). */
    final RankedTable table() {
        return table;
    }
}
