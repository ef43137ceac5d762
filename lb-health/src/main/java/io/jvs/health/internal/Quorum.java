package io.jvs.health.internal;

import io.jvs.api.internal.Addresses;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthState;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * keepalived's quorum of one service and its sorry server: the live weight (the effective weights of the members
 * that are up) must stay at least {@code quorum - hysteresis}; once lost it comes back at
 * {@code quorum + hysteresis}; while it is lost the sorry server stands in. Runs under the monitor's lock.
 */
final class Quorum {

    private final ServiceMonitor monitor;
    /** The sorry server, or {@code null}. */
    Member sorry;
    boolean up;
    boolean sorryActive;

    Quorum(ServiceMonitor monitor) {
        this.monitor = monitor;
    }

    static long liveWeight(Collection<Member> members) {
        long live = 0;
        for (Member m : members) {
            if (m.state == HealthState.UP) {
                live += m.effectiveWeight();
            }
        }
        return live;
    }

    /** The state a service starts in: with quorum if its initially healthy members reach quorum + hysteresis. */
    void initialize(CheckedService config, Collection<Member> members) {
        long live = liveWeight(members);
        up = live >= (long) config.quorum() + config.hysteresis();
        if (!up) {
            monitor.emit(HealthEvent.Type.QUORUM_LOST, null, WeightPlan.ABSENT, Level.WARNING, "starting with quorum "
                    + "down: live weight " + live + " < quorum " + config.quorum() + " + hysteresis "
                    + config.hysteresis());
            sorryActive = sorry != null;
        }
    }

    /** Gains or loses quorum after a change of the live weight, swapping the sorry server in or out. */
    void update(CheckedService config, Collection<Member> members, WeightPlan plan) {
        long live = liveWeight(members);
        long q = config.quorum();
        long h = config.hysteresis();
        if (!up && live >= q + h) {
            up = true;
            monitor.emit(HealthEvent.Type.QUORUM_GAINED, null, WeightPlan.ABSENT, Level.INFO, "gained quorum: live "
                    + "weight " + live + " >= quorum " + q + " + hysteresis " + h);
            if (sorryActive) {
                sorryActive = false;
                List<Member> swap = new ArrayList<>(members); // the servers in first, then the sorry server out
                swap.add(sorry);
                plan.reconcileAll(swap);
                monitor.emit(HealthEvent.Type.SORRY_SERVER_OUT, sorry.address(), sorry.applied, Level.INFO,
                        "sorry server " + Addresses.toString(sorry.address()) + " "
                        + (sorry.applied == WeightPlan.ABSENT ? "removed" : "at weight 0")
                        + "; the healthy real servers are back");
            }
        } else if (up && (live == 0 || live < q - h)) {
            up = false;
            monitor.emit(HealthEvent.Type.QUORUM_LOST, null, WeightPlan.ABSENT, Level.WARNING, "lost quorum: live "
                    + "weight " + live + " < quorum " + q + " - hysteresis " + h);
            if (sorry != null && !sorryActive) {
                sorryActive = true;
                List<Member> swap = new ArrayList<>(members.size() + 1); // the sorry server in first
                swap.add(sorry);
                swap.addAll(members);
                plan.reconcileAll(swap);
                sorryIn();
            }
        }
    }

    /** Says that the sorry server serves. */
    void sorryIn() {
        monitor.emit(HealthEvent.Type.SORRY_SERVER_IN, sorry.address(), sorry.applied, Level.WARNING, "sorry server "
                + Addresses.toString(sorry.address()) + " serves until quorum is back");
    }
}
