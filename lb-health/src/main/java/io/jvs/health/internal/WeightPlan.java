package io.jvs.health.internal;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthState;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The weight each member should have in the load balancer now (absent, 0, ramping, full), from its health, the
 * quorum and its settings, and the reconciliation that makes the load balancer match: whatever the order of
 * events, no stale weight is left behind. Owns the slow-start ramps. Runs under the monitor's lock.
 */
final class WeightPlan {

    /** A member that is not in the load balancer's services. */
    static final int ABSENT = -1;
    private static final int MAX_RAMP_STEPS = 10;
    /** Above this many changes at once, one update per service replaces the changes server by server. */
    static final int BATCH = 32;
    private static final Logger LOG = System.getLogger("io.jvs.health");

    private final ServiceMonitor monitor;
    private final LoadBalancer lb;
    private final ScheduledExecutorService timers;
    private final Ticker ticker;

    WeightPlan(ServiceMonitor monitor, LoadBalancer lb, ScheduledExecutorService timers, Ticker ticker) {
        this.monitor = monitor;
        this.lb = lb;
        this.timers = timers;
        this.ticker = ticker;
    }

    /** The weight {@code m} should have now, or {@link #ABSENT}. */
    int desired(Member m) {
        Quorum q = monitor.quorum();
        if (m == q.sorry) {
            return q.sorryActive ? m.config.server().weight() : monitor.config().sorryServerInhibit() ? 0 : ABSENT;
        }
        if (q.sorryActive || m.state == HealthState.DOWN) {
            return m.config.inhibitOnFailure() ? 0 : ABSENT;
        }
        return rampWeight(m);
    }

    /** The real servers, at the weights they should have now, of the members that should be in the services. */
    List<RealServer> desiredServers(List<Member> all) {
        List<RealServer> list = new ArrayList<>(all.size());
        for (Member m : all) {
            int w = desired(m);
            if (w != ABSENT) {
                list.add(m.config.server().withWeight(w));
            }
        }
        return list;
    }

    /** Makes the load balancer hold {@code m} at the weight it should have now, in every service. */
    void reconcile(Member m) {
        int want = desired(m);
        if (want == m.applied) {
            return;
        }
        RealServer rs = m.config.server();
        for (ServiceId id : monitor.config().ids()) {
            if (!apply(id, rs, m.applied, want)) {
                return;
            }
        }
        m.applied = want;
    }

    /**
     * Reconciles {@code members} in this order. When more than {@value #BATCH} of them change at once (the sorry
     * server swapped in or out of a large service), each service gets one {@link LoadBalancer#update} instead: a
     * change of one real server costs the load balancer work in proportion to the service's size.
     */
    void reconcileAll(List<Member> members) {
        int changes = 0;
        for (Member m : members) {
            if (desired(m) != m.applied) {
                changes++;
            }
        }
        if (changes <= BATCH) {
            members.forEach(this::reconcile);
            return;
        }
        List<Member> all = monitor.allMembers();
        List<RealServer> servers = desiredServers(all);
        try {
            for (VirtualService vs : monitor.config().services()) {
                lb.update(vs.withRealServers(servers));
            }
        } catch (LoadBalancerException e) {
            if (e.reason() == LoadBalancerException.Reason.CLOSED) {
                LOG.log(Level.WARNING, "{0}: the load balancer is closed; health checks stop", monitor.id());
                monitor.close();
                return;
            }
            throw e;
        }
        for (Member m : all) {
            m.applied = desired(m);
        }
    }

    /** One change on the load balancer; false if the load balancer is closed (the monitor then closes). */
    private boolean apply(ServiceId id, RealServer rs, int have, int want) {
        try {
            if (want == ABSENT) {
                lb.removeRealServer(id, rs.address());
            } else if (have == ABSENT) {
                lb.addRealServer(id, rs.withWeight(want));
            } else {
                lb.editRealServer(id, rs.withWeight(want));
            }
        } catch (LoadBalancerException e) {
            if (e.reason() == LoadBalancerException.Reason.CLOSED) {
                LOG.log(Level.WARNING, "{0}: the load balancer is closed; health checks stop", id);
                monitor.close();
                return false;
            }
            // Someone else changed the service behind our back: converge anyway.
            LOG.log(Level.WARNING, "{0}: {1} {2}: {3}", id, want == ABSENT ? "removing" : "setting weight " + want
                    + " of", Addresses.toString(rs.address()), e.getMessage());
            try {
                if (e.reason() == LoadBalancerException.Reason.DESTINATION_EXISTS) {
                    lb.editRealServer(id, rs.withWeight(want));
                } else if (e.reason() == LoadBalancerException.Reason.NO_SUCH_DESTINATION && want != ABSENT) {
                    lb.addRealServer(id, rs.withWeight(want));
                }
            } catch (LoadBalancerException again) {
                LOG.log(Level.WARNING, "{0}: {1}", id, again.getMessage());
            }
        }
        return true;
    }

    // ---- slow start

    /** Starts ramping a recovered member up over its slow-start period, if it has one. */
    void startRamp(Member m) {
        stopRamp(m);
        m.ramping = !m.config.slowStart().isZero() && m.effectiveWeight() > 0;
        if (m.ramping) {
            m.rampStartNanos = ticker.nanoTime();
            scheduleRamp(m);
        }
    }

    /** Stops a ramp (the member failed, or went). */
    static void stopRamp(Member m) {
        m.ramping = false;
        if (m.rampTask != null) {
            m.rampTask.cancel(false);
            m.rampTask = null;
        }
    }

    /** The weight a member should have now: its effective weight, or less while slow-starting. */
    private int rampWeight(Member m) {
        int full = m.effectiveWeight();
        if (!m.ramping) {
            return full;
        }
        long period = m.config.slowStart().toNanos();
        long elapsed = ticker.nanoTime() - m.rampStartNanos;
        if (elapsed >= period || full == 0) {
            m.ramping = false;
            return full;
        }
        int steps = Math.min(MAX_RAMP_STEPS, full);
        long step = elapsed * steps / period;
        return (int) Math.max(1, full * step / steps);
    }

    private void scheduleRamp(Member m) {
        int steps = Math.min(MAX_RAMP_STEPS, Math.max(1, m.effectiveWeight()));
        long period = m.config.slowStart().toNanos();
        long elapsed = ticker.nanoTime() - m.rampStartNanos;
        long nextStep = Math.min(steps, elapsed * steps / period + 1);
        long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(1), nextStep * period / steps - elapsed);
        try {
            m.rampTask = timers.schedule(() -> monitor.locked(() -> rampTick(m)), delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            m.ramping = false;
        }
    }

    private void rampTick(Member m) {
        if (!monitor.isMember(m) || !m.ramping || m.state != HealthState.UP) {
            return;
        }
        int before = m.applied;
        reconcile(m);
        if (m.applied != before) {
            monitor.emit(HealthEvent.Type.WEIGHT_CHANGED, m.address(), m.applied, Level.INFO, "real server "
                    + Addresses.toString(m.address()) + ": slow start, weight " + m.applied + " of "
                    + m.effectiveWeight() + (m.ramping ? "" : " (done)"));
        }
        if (m.ramping) {
            scheduleRamp(m);
        }
    }
}
