package io.jvs.health.internal;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckStatus;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.CommandCheck;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.health.ServiceHealth;
import io.netty.channel.EventLoop;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The health of one {@link CheckedService} and what it does to the load balancer. All state is guarded by this
 * object's monitor; probes and timers run on one event loop (commands and predicates on the blocking pool) and
 * come back here.
 *
 * <p>The load balancer is driven by reconciliation: for every server the weight it should have now (absent, 0,
 * ramping, full) follows from its health, the quorum state and its settings, and {@link #reconcile} makes the
 * load balancer match, so no sequence of events can leave a stale weight behind.
 */
public final class ServiceMonitor {

    /** Receives events and probe results; called under the monitor's lock. */
    public interface Sink {
        void event(HealthEvent event, Level level);

        void result(CheckResult result);
    }

    private static final Logger LOG = System.getLogger("io.jvs.health");
    private static final int ABSENT = -1;
    private static final int MAX_RAMP_STEPS = 10;

    private final LoadBalancer lb;
    private final Prober prober;
    private final EventLoop loop;
    private final Ticker ticker;
    private final Random random;
    private final Sink sink;
    private final Map<InetSocketAddress, Member> members = new LinkedHashMap<>();
    private final Map<InetSocketAddress, Member> passiveIndex = new ConcurrentHashMap<>();
    private CheckedService config;
    private Member sorry;
    private boolean quorumUp;
    private boolean sorryActive;
    private boolean checking;
    private boolean closed;

    private ServiceMonitor(CheckedService config, LoadBalancer lb, Prober prober, EventLoop loop, Ticker ticker,
            Random random, Sink sink) {
        this.config = config;
        this.lb = lb;
        this.prober = prober;
        this.loop = loop;
        this.ticker = ticker;
        this.random = random;
        this.sink = sink;
    }

    /**
     * Starts {@code config}'s services on the load balancer with the servers its checks' initial states allow,
     * then starts the checks. A synchronous refusal by the load balancer propagates (services started before it
     * are stopped again); a failure to bind fails the future.
     */
    public static Started start(CheckedService config, LoadBalancer lb, Prober prober, EventLoop loop, Ticker ticker,
            Random random, Sink sink) {
        ServiceMonitor m = new ServiceMonitor(config, lb, prober, loop, ticker, random, sink);
        List<CompletableFuture<Void>> started = new ArrayList<>();
        synchronized (m) {
            for (CheckedServer s : config.servers()) {
                m.addMember(s);
            }
            m.sorry = config.sorryServer().map(rs -> new Member(CheckedServer.of(rs))).orElse(null);
            m.quorumUp = m.liveWeight() >= (long) config.quorum() + config.hysteresis();
            if (!m.quorumUp) {
                m.emit(HealthEvent.Type.QUORUM_LOST, null, ABSENT, Level.WARNING, "starting with quorum down: live "
                        + "weight " + m.liveWeight() + " < quorum " + config.quorum() + " + hysteresis "
                        + config.hysteresis());
                m.sorryActive = m.sorry != null;
            }
            List<RealServer> initial = m.desiredServers();
            try {
                for (VirtualService vs : config.services()) {
                    started.add(lb.start(vs.withRealServers(initial)));
                }
            } catch (RuntimeException e) {
                m.closed = true;
                for (int i = 0; i < started.size(); i++) {
                    stopQuietly(lb, config.services().get(i).id());
                }
                throw e;
            }
            for (Member member : m.allMembers()) {
                member.applied = m.desired(member);
            }
            if (m.sorryActive) {
                m.emit(HealthEvent.Type.SORRY_SERVER_IN, m.sorry.address(), m.sorry.applied, Level.WARNING,
                        "sorry server " + Addresses.toString(m.sorry.address()) + " serves until quorum is back");
            }
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0]))
                .thenRun(m::startChecks);
        return new Started(m, all);
    }

    /** A monitor and the future of its services' start. */
    public record Started(ServiceMonitor monitor, CompletableFuture<Void> future) {}

    /** The service's current configuration. */
    public synchronized CheckedService config() {
        return config;
    }

    private synchronized void startChecks() {
        if (closed) {
            return;
        }
        checking = true;
        LOG.log(Level.INFO, "{0}: activating health checks of {1} real server(s)", config.id(), members.size());
        for (Member m : members.values()) {
            m.runs.forEach(this::scheduleFirst);
        }
    }

    // ---- members and checks

    private Member addMember(CheckedServer s) {
        Member m = new Member(s);
        for (HealthCheck c : s.checks()) {
            m.runs.add(new CheckRun(m, c));
        }
        m.state = m.computeState();
        members.put(s.address(), m);
        passiveIndex.put(s.address(), m);
        return m;
    }

    private List<Member> allMembers() {
        List<Member> all = new ArrayList<>(members.values());
        if (sorry != null) {
            all.add(sorry);
        }
        return all;
    }

    private void scheduleFirst(CheckRun run) {
        run.started = true;
        long warmup = run.check.settings().warmup().toNanos();
        schedule(run, warmup == 0 ? 0 : (long) (random.nextDouble() * warmup));
    }

    private void schedule(CheckRun run, long delayNanos) {
        if (closed || run.stopped || !checking) {
            return;
        }
        try {
            run.timer = loop.schedule(() -> probe(run), delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            run.stopped = true; // the event loop is shutting down with the checker
        }
    }

    private long nextInterval(CheckSettings s) {
        long interval = s.interval().toNanos();
        if (s.jitter() == 0) {
            return interval;
        }
        return (long) (interval * (1 + s.jitter() * (2 * random.nextDouble() - 1)));
    }

    private synchronized void probe(CheckRun run) {
        if (closed || run.stopped) {
            return;
        }
        run.timer = null;
        prober.probe(run.check, run.member.address(), loop).whenComplete((o, e) -> {
            Outcome outcome = o != null ? o : new Outcome(false, String.valueOf(e), -1, 0);
            onOutcome(run, outcome);
        });
    }

    private synchronized void onOutcome(CheckRun run, Outcome o) {
        if (closed || run.stopped) {
            return;
        }
        Member m = run.member;
        CheckSettings s = run.check.settings();
        run.probes++;
        if (!o.healthy()) {
            run.failedProbes++;
        }
        run.last = new CheckResult(config.id(), m.address(), run.description, o.healthy(), o.message(),
                Duration.ofNanos(o.latencyNanos()), Instant.now());
        sink.result(run.last);
        if (!o.healthy() && run.state == HealthState.UP && run.hasRun && run.attempt < s.retries()) {
            run.attempt++;
            LOG.log(s.logAllFailures() ? Level.INFO : Level.DEBUG, "{0}: {1} failed ({2}); retry {3} of {4} in {5}",
                    config.id(), run.description, o.message(), run.attempt, s.retries(), Phrases.duration(s.retryDelay()));
            schedule(run, s.retryDelay().toNanos());
            return;
        }
        if (!o.healthy() && s.logAllFailures()) {
            LOG.log(Level.INFO, "{0}: {1} failed: {2}", config.id(), run.description, o.message());
        }
        int weightBefore = m.effectiveWeight();
        if (run.check instanceof CommandCheck && ((CommandCheck) run.check).dynamicWeight()) {
            run.exitStatus = o.healthy() ? o.exitStatus() : 0;
        }
        String change = count(run, o.healthy(), o.healthy() ? "a successful result" : "a failed result", o.message());
        run.attempt = 0;
        run.hasRun = true;
        if (change != null) {
            evaluate(m, change);
        } else if (m.effectiveWeight() != weightBefore) {
            weightChanged(m, "weight " + weightBefore + " -> " + m.effectiveWeight() + " (" + run.description + ": "
                    + o.message() + ")");
        }
        schedule(run, nextInterval(s));
    }

    /**
     * Counts one result toward rise or fall; returns what changed ({@code CHECK is DOWN after 3 failed results
     * (connection refused)}), or null if the check's state did not. Before its first result a check's state is
     * provisional and the first contradicting result changes it.
     */
    private String count(CheckRun run, boolean healthy, String what, String message) {
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
        checkEvent(run, healthy ? HealthEvent.Type.CHECK_UP : HealthEvent.Type.CHECK_DOWN, "check " + change);
        return change;
    }

    private void checkEvent(CheckRun run, HealthEvent.Type type, String message) {
        // With one check the server event that follows says the same; log check events only when they differ.
        Level level = run.member.runs.size() > 1 ? Level.INFO : Level.DEBUG;
        emit(type, run.member.address(), run.member.applied, level, message);
    }

    /** Recomputes a member's state from its checks and acts on a change. */
    private void evaluate(Member m, String cause) {
        HealthState now = m.computeState();
        if (now == m.state) {
            return;
        }
        m.state = now;
        String server = "real server " + Addresses.toString(m.address());
        if (now == HealthState.UP) {
            startRamp(m);
            reconcile(m);
            updateQuorum(); // first, so that the event tells where the server ends up
            String action = sorryActive ? "kept out while the sorry server serves"
                    : m.ramping ? "slow start from weight " + m.applied + " over " + Phrases.duration(m.config.slowStart())
                    : "weight " + m.applied;
            emit(HealthEvent.Type.SERVER_UP, m.address(), m.applied, Level.INFO,
                    server + " is UP: " + cause + "; " + action);
        } else {
            m.ramping = false;
            cancel(m.rampTask);
            reconcile(m);
            String action = m.applied == ABSENT ? "removed" : "kept at weight 0 (inhibit on failure)";
            emit(HealthEvent.Type.SERVER_DOWN, m.address(), m.applied, Level.WARNING,
                    server + " is DOWN: " + cause + "; " + action);
            updateQuorum();
        }
    }

    private void weightChanged(Member m, String why) {
        int before = m.applied;
        if (m.state == HealthState.UP && m.ramping && m.effectiveWeight() == 0) {
            m.ramping = false;
        }
        reconcile(m);
        emit(HealthEvent.Type.WEIGHT_CHANGED, m.address(), m.applied, Level.INFO, "real server "
                + Addresses.toString(m.address()) + ": " + why + "; in the load balancer "
                + weightText(before) + " -> " + weightText(m.applied));
        updateQuorum();
    }

    private static String weightText(int applied) {
        return applied == ABSENT ? "absent" : "weight " + applied;
    }

    // ---- passive checks

    /** The data path failed to connect to {@code server}; called on data-path threads, never blocks. */
    public void connectFailed(InetSocketAddress server) {
        Member m = passiveIndex.get(server);
        if (m != null && m.config.passive() && m.passivePending.getAndIncrement() == 0) {
            try {
                loop.execute(() -> drainPassive(m));
            } catch (RejectedExecutionException e) {
                m.passivePending.set(0); // closing
            }
        }
    }

    private synchronized void drainPassive(Member m) {
        int n = m.passivePending.getAndSet(0);
        if (closed || members.get(m.address()) != m || !m.config.passive() || n == 0) {
            return;
        }
        m.passiveFailures += n;
        if (m.state == HealthState.DOWN) {
            return;
        }
        String message = n + " connect failure(s) reported by the data path";
        String change = null;
        for (CheckRun run : m.runs) {
            for (int i = 0; i < n && run.state == HealthState.UP; i++) {
                String c = count(run, false, "a connect failure of the data path", message);
                change = c != null ? c : change;
            }
        }
        if (change != null) {
            evaluate(m, change);
        }
    }

    // ---- weights: slow start and reconciliation

    private void startRamp(Member m) {
        cancel(m.rampTask);
        m.ramping = !m.config.slowStart().isZero() && m.effectiveWeight() > 0;
        if (m.ramping) {
            m.rampStart = ticker.nanoTime();
            scheduleRamp(m);
        }
    }

    /** The weight a member should have now: its effective weight, or less while slow-starting. */
    private int rampWeight(Member m) {
        int full = m.effectiveWeight();
        if (!m.ramping) {
            return full;
        }
        long period = m.config.slowStart().toNanos();
        long elapsed = ticker.nanoTime() - m.rampStart;
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
        long elapsed = ticker.nanoTime() - m.rampStart;
        long nextStep = Math.min(steps, elapsed * steps / period + 1);
        long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(1), nextStep * period / steps - elapsed);
        try {
            m.rampTask = loop.schedule(() -> rampTick(m), delay, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            m.ramping = false;
        }
    }

    private synchronized void rampTick(Member m) {
        if (closed || members.get(m.address()) != m || !m.ramping || m.state != HealthState.UP) {
            return;
        }
        int before = m.applied;
        reconcile(m);
        if (m.applied != before) {
            emit(HealthEvent.Type.WEIGHT_CHANGED, m.address(), m.applied, Level.INFO, "real server "
                    + Addresses.toString(m.address()) + ": slow start, weight " + m.applied + " of "
                    + m.effectiveWeight() + (m.ramping ? "" : " (done)"));
        }
        if (m.ramping) {
            scheduleRamp(m);
        }
    }

    private int desired(Member m) {
        if (m == sorry) {
            return sorryActive ? m.config.server().weight() : config.sorryServerInhibit() ? 0 : ABSENT;
        }
        if (sorryActive || m.state == HealthState.DOWN) {
            return m.config.inhibitOnFailure() ? 0 : ABSENT;
        }
        return rampWeight(m);
    }

    private List<RealServer> desiredServers() {
        List<RealServer> list = new ArrayList<>();
        for (Member m : allMembers()) {
            int w = desired(m);
            if (w != ABSENT) {
                list.add(m.config.server().withWeight(w));
            }
        }
        return list;
    }

    /** Makes the load balancer hold {@code m} at the weight it should have now, in every service. */
    private void reconcile(Member m) {
        int want = desired(m);
        if (want == m.applied) {
            return;
        }
        RealServer rs = m.config.server();
        for (ServiceId id : config.ids()) {
            apply(id, rs, m.applied, want);
        }
        m.applied = want;
    }

    private void apply(ServiceId id, RealServer rs, int have, int want) {
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
                close();
                return;
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
    }

    // ---- quorum

    private long liveWeight() {
        long live = 0;
        for (Member m : members.values()) {
            if (m.state == HealthState.UP) {
                live += m.effectiveWeight();
            }
        }
        return live;
    }

    private void updateQuorum() {
        long live = liveWeight();
        long q = config.quorum();
        long h = config.hysteresis();
        if (!quorumUp && live >= q + h) {
            quorumUp = true;
            emit(HealthEvent.Type.QUORUM_GAINED, null, ABSENT, Level.INFO, "gained quorum: live weight " + live
                    + " >= quorum " + q + " + hysteresis " + h);
            if (sorryActive) {
                sorryActive = false;
                members.values().forEach(this::reconcile);
                reconcile(sorry);
                emit(HealthEvent.Type.SORRY_SERVER_OUT, sorry.address(), sorry.applied, Level.INFO, "sorry server "
                        + Addresses.toString(sorry.address()) + " " + (sorry.applied == ABSENT ? "removed" : "at weight 0")
                        + "; the healthy real servers are back");
            }
        } else if (quorumUp && (live == 0 || live < q - h)) {
            quorumUp = false;
            emit(HealthEvent.Type.QUORUM_LOST, null, ABSENT, Level.WARNING, "lost quorum: live weight " + live
                    + " < quorum " + q + " - hysteresis " + h);
            if (sorry != null && !sorryActive) {
                sorryActive = true;
                reconcile(sorry);
                members.values().forEach(this::reconcile);
                emit(HealthEvent.Type.SORRY_SERVER_IN, sorry.address(), sorry.applied, Level.WARNING, "sorry server "
                        + Addresses.toString(sorry.address()) + " serves until quorum is back");
            }
        }
    }

    // ---- changes from the application

    /**
     * Applies a new configuration with the same service ids: servers added or removed, settings and checks
     * changed. Servers whose checks are unchanged keep their state; the services are updated in one
     * {@link LoadBalancer#update} each.
     */
    public synchronized void update(CheckedService next) {
        if (closed) {
            throw new IllegalStateException("the health checker for " + config.id() + " was stopped");
        }
        if (!new HashSet<>(next.ids()).equals(new HashSet<>(config.ids()))) {
            throw new IllegalArgumentException("ids: " + next.ids() + " (expected: the ids " + config.ids()
                    + " of the running service; stop it and start the new one to change them)");
        }
        Map<InetSocketAddress, Integer> before = new LinkedHashMap<>();
        allMembers().forEach(m -> before.put(m.address(), m.applied));
        Map<InetSocketAddress, Member> old = new LinkedHashMap<>(members);
        members.clear();
        List<Member> added = new ArrayList<>();
        List<Member> rechecked = new ArrayList<>();
        for (CheckedServer s : next.servers()) {
            Member m = old.remove(s.address());
            if (m == null) {
                added.add(addMember(s));
                continue;
            }
            if (!m.config.checks().equals(s.checks())) {
                m.runs.forEach(ServiceMonitor::stop);
                m.runs.clear();
                for (HealthCheck c : s.checks()) {
                    m.runs.add(new CheckRun(m, c));
                }
                rechecked.add(m);
            }
            m.config = s;
            members.put(s.address(), m);
        }
        for (Member gone : old.values()) {
            gone.runs.forEach(ServiceMonitor::stop);
            cancel(gone.rampTask);
            passiveIndex.remove(gone.address());
        }
        Member oldSorry = sorry;
        config = next;
        sorry = next.sorryServer().map(rs -> {
            Member s = new Member(CheckedServer.of(rs));
            s.applied = oldSorry != null && oldSorry.address().equals(rs.address()) ? oldSorry.applied : ABSENT;
            return s;
        }).orElse(null);
        if (sorry == null) {
            sorryActive = false;
        } else if (!quorumUp && !sorryActive) {
            sorryActive = true;
            emit(HealthEvent.Type.SORRY_SERVER_IN, sorry.address(), sorry.config.server().weight(), Level.WARNING,
                    "sorry server " + Addresses.toString(sorry.address()) + " serves until quorum is back");
        }
        List<RealServer> servers = desiredServers();
        for (VirtualService vs : next.services()) {
            lb.update(vs.withRealServers(servers));
        }
        for (Member m : allMembers()) {
            m.applied = desired(m);
        }
        for (Member gone : old.values()) {
            emit(HealthEvent.Type.SERVER_REMOVED, gone.address(), ABSENT, Level.INFO, "real server "
                    + Addresses.toString(gone.address()) + " removed by the application; its checks stopped");
        }
        for (Member m : added) {
            emit(HealthEvent.Type.SERVER_ADDED, m.address(), m.applied, Level.INFO, "real server "
                    + Addresses.toString(m.address()) + " added by the application, " + m.state + ", "
                    + weightText(m.applied));
        }
        for (Member m : members.values()) {
            Integer had = before.get(m.address());
            if (had != null && had != m.applied && !rechecked.contains(m)) {
                emit(HealthEvent.Type.WEIGHT_CHANGED, m.address(), m.applied, Level.INFO, "real server "
                        + Addresses.toString(m.address()) + " reconfigured; in the load balancer " + weightText(had)
                        + " -> " + weightText(m.applied));
            }
            evaluate(m, "checks reconfigured");
            if (checking) {
                m.runs.stream().filter(r -> !r.started).forEach(this::scheduleFirst);
            }
        }
        updateQuorum();
    }

    // ---- shutdown

    /** Stops every check and the services on the load balancer. */
    public CompletableFuture<Void> stop() {
        List<ServiceId> ids;
        synchronized (this) {
            close();
            ids = config.ids();
        }
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (ServiceId id : ids) {
            stopped.add(stopQuietly(lb, id));
        }
        return CompletableFuture.allOf(stopped.toArray(new CompletableFuture<?>[0]));
    }

    /** Stops a service that may already be gone (a failed bind removes it, or someone stopped it). */
    private static CompletableFuture<Void> stopQuietly(LoadBalancer lb, ServiceId id) {
        try {
            return lb.stop(id);
        } catch (LoadBalancerException e) {
            if (e.reason() != LoadBalancerException.Reason.NO_SUCH_SERVICE) {
                LOG.log(Level.WARNING, "{0}: {1}", id, e.getMessage());
            }
            return CompletableFuture.completedFuture(null);
        }
    }

    /** Stops every check, leaving the services as they are. */
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Member m : allMembers()) {
            m.runs.forEach(ServiceMonitor::stop);
            cancel(m.rampTask);
        }
        passiveIndex.clear();
        LOG.log(Level.INFO, "{0}: health checks stopped", config.id());
    }

    private static void stop(CheckRun run) {
        run.stopped = true;
        cancel(run.timer);
    }

    private static void cancel(ScheduledFuture<?> f) {
        if (f != null) {
            f.cancel(false);
        }
    }

    // ---- status

    /** A snapshot of the service's health. */
    public synchronized ServiceHealth health() {
        List<ServerHealth> servers = new ArrayList<>();
        for (Member m : members.values()) {
            List<CheckStatus> checks = new ArrayList<>();
            for (CheckRun r : m.runs) {
                checks.add(new CheckStatus(r.description, r.state, r.successes, r.failures, r.probes, r.failedProbes,
                        r.last));
            }
            servers.add(new ServerHealth(m.address(), m.state, m.config.server().weight(), m.effectiveWeight(),
                    m.applied, m.ramping, m.passiveFailures, checks));
        }
        return new ServiceHealth(config.ids(), config.quorum(), config.hysteresis(), liveWeight(), quorumUp,
                sorry == null ? null : sorry.address(), sorryActive, servers);
    }

    private void emit(HealthEvent.Type type, InetSocketAddress server, int weight, Level level, String message) {
        sink.event(new HealthEvent(type, config.id(), server, weight, config.id() + ": " + message, Instant.now()),
                level);
    }

    // ---- state holders, guarded by the monitor's lock (passivePending excepted)

    private static final class Member {
        CheckedServer config;
        final List<CheckRun> runs = new ArrayList<>();
        final AtomicInteger passivePending = new AtomicInteger();
        HealthState state = HealthState.UP;
        int applied = ABSENT;
        boolean ramping;
        long rampStart;
        ScheduledFuture<?> rampTask;
        long passiveFailures;

        Member(CheckedServer config) {
            this.config = config;
        }

        InetSocketAddress address() {
            return config.address();
        }

        HealthState computeState() {
            for (CheckRun r : runs) {
                if (r.state == HealthState.DOWN) {
                    return HealthState.DOWN;
                }
            }
            return HealthState.UP;
        }

        /** The configured weight plus what dynamic command checks add to it (keepalived's misc_dynamic). */
        int effectiveWeight() {
            long w = config.server().weight();
            for (CheckRun r : runs) {
                if (r.exitStatus >= 2) {
                    w += r.exitStatus - 2 - config.server().weight();
                }
            }
            return (int) Math.max(0, Math.min(RealServer.MAX_WEIGHT, w));
        }
    }

    private static final class CheckRun {
        final Member member;
        final HealthCheck check;
        final String description;
        HealthState state;
        boolean hasRun;
        int successes;
        int failures;
        int attempt;
        long probes;
        long failedProbes;
        int exitStatus;
        CheckResult last;
        ScheduledFuture<?> timer;
        boolean stopped;
        boolean started;

        CheckRun(Member member, HealthCheck check) {
            this.member = member;
            this.check = check;
            this.description = check.describe(member.address());
            this.state = check.settings().initialState();
        }
    }
}
