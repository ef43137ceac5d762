package io.jvs.health.internal;

import io.jvs.health.CheckResult;
import io.jvs.health.CheckSettings;
import io.jvs.health.CommandCheck;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthState;
import io.netty.channel.EventLoop;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the checks of one monitor: the first probe at a random moment within the warmup, then one every interval
 * (with jitter), retries of a failed probe, and the counting of results toward rise and fall. Its methods run
 * under the monitor's lock; timers and probe results come back through {@link ServiceMonitor#locked}.
 */
final class CheckRunner {

    private static final Logger LOG = System.getLogger("io.jvs.health");

    private final ServiceMonitor monitor;
    private final Prober prober;
    private final EventLoop loop;
    private final ScheduledExecutorService timers;
    private final Random random;
    private boolean active;

    CheckRunner(ServiceMonitor monitor, Prober prober, EventLoop loop, ScheduledExecutorService timers,
            Random random) {
        this.monitor = monitor;
        this.prober = prober;
        this.loop = loop;
        this.timers = timers;
        this.random = random;
    }

    /** From now on, checks started run; before, {@link #start} only marks them. */
    void activate() {
        active = true;
    }

    /** Whether checks run (the services listen and the monitor is not closed). */
    boolean active() {
        return active;
    }

    /** Stops every timer for good. */
    void deactivate() {
        active = false;
    }

    /** Schedules the first probe of {@code run}, at a random moment within its warmup. */
    void start(CheckRun run) {
        run.started = true;
        long warmup = run.check.settings().warmup().toNanos();
        schedule(run, warmup == 0 ? 0 : (long) (random.nextDouble() * warmup));
    }

    /** Stops {@code run}: no more probes, a result on its way is dropped. */
    static void stop(CheckRun run) {
        run.stopped = true;
        if (run.timer != null) {
            run.timer.cancel(false);
        }
    }

    private void schedule(CheckRun run, long delayNanos) {
        if (!active || run.stopped) {
            return;
        }
        try {
            run.timer = timers.schedule(() -> monitor.locked(() -> probe(run)), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            run.stopped = true; // the timers are shutting down with the checker
        }
    }

    private long nextInterval(CheckSettings s) {
        long interval = s.interval().toNanos();
        if (s.jitter() == 0) {
            return interval;
        }
        return (long) (interval * (1 + s.jitter() * (2 * random.nextDouble() - 1)));
    }

    private void probe(CheckRun run) {
        if (run.stopped || !active) {
            return;
        }
        run.timer = null;
        prober.probe(run.check, run.member.address(), loop).whenComplete((o, e) -> {
            Outcome outcome = o != null ? o : new Outcome(false, String.valueOf(e), -1, 0);
            monitor.locked(() -> onOutcome(run, outcome));
        });
    }

    private void onOutcome(CheckRun run, Outcome o) {
        if (run.stopped) {
            return;
        }
        Member m = run.member;
        CheckSettings s = run.check.settings();
        run.probes++;
        if (!o.healthy()) {
            run.failedProbes++;
        }
        run.last = new CheckResult(monitor.id(), m.address(), run.description, o.healthy(), o.message(),
                Duration.ofNanos(o.latencyNanos()), Instant.now());
        monitor.result(run.last);
        if (!o.healthy() && run.state == HealthState.UP && run.hasRun && run.attempt < s.retries()) {
            run.attempt++;
            LOG.log(s.logAllFailures() ? Level.INFO : Level.DEBUG, "{0}: {1} failed ({2}); retry {3} of {4} in {5}",
                    monitor.id(), run.description, o.message(), run.attempt, s.retries(),
                    Phrases.duration(s.retryDelay()));
            schedule(run, s.retryDelay().toNanos());
            return;
        }
        if (!o.healthy() && s.logAllFailures()) {
            LOG.log(Level.INFO, "{0}: {1} failed: {2}", monitor.id(), run.description, o.message());
        }
        int weightBefore = m.effectiveWeight();
        if (run.check instanceof CommandCheck && ((CommandCheck) run.check).dynamicWeight()) {
            run.exitStatus = o.healthy() ? o.exitStatus() : 0;
        }
        String change = count(run, o.healthy(), o.healthy() ? "a successful result" : "a failed result", o.message());
        run.attempt = 0;
        run.hasRun = true;
        if (change != null) {
            monitor.evaluate(m, change);
        } else if (m.effectiveWeight() != weightBefore) {
            monitor.weightChanged(m, "weight " + weightBefore + " -> " + m.effectiveWeight() + " (" + run.description
                    + ": " + o.message() + ")");
        }
        schedule(run, nextInterval(s));
    }

    /**
     * Counts one result toward rise or fall; returns what changed ({@code CHECK is DOWN after 3 failed results
     * (connection refused)}), or null if the check's state did not. Before its first result a check's state is
     * provisional and the first contradicting result changes it.
     */
    String count(CheckRun run, boolean healthy, String what, String message) {
        int streak;
        if (healthy) {
            streak = ++run.successes;
            run.failures = 0;
        } else {
            streak = ++run.failures;
            run.successes = 0;
        }
        HealthState to = healthy ? HealthState.UP : HealthState.DOWN;
        int needed = healthy ? run.check.settings().rise() : run.check.settings().fall();
        if (run.state == to || (run.hasRun && streak < needed)) {
            return null;
        }
        run.state = to;
        String change = run.description + " is " + to + " after " + (run.hasRun && streak > 1
                ? streak + (healthy ? " successful results" : " failed results") : what) + " (" + message + ")";
        // With one check the server event that follows says the same; log check events only when they differ.
        Level level = run.member.runs.size() > 1 ? Level.INFO : Level.DEBUG;
        monitor.emit(healthy ? HealthEvent.Type.CHECK_UP : HealthEvent.Type.CHECK_DOWN, run.member.address(),
                run.member.applied, level, "check " + change);
        return change;
    }
}
