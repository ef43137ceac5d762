package io.jvs.health.internal;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.health.CheckResult;
import io.jvs.health.CheckStatus;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthEvent;
import io.jvs.health.HealthState;
import io.jvs.health.ServerHealth;
import io.jvs.health.ServiceHealth;
import io.netty.channel.EventLoop;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The health of one {@link CheckedService} and what it does to the load balancer: start, update (a reload or an
 * application's change), stop, and the state changes its checks report. All state is guarded by this object's
 * monitor; {@link CheckRunner} runs the checks, {@link WeightPlan} keeps the load balancer's weights in line,
 * {@link Quorum} handles the quorum and the sorry server. Events and results go to the {@link Sink} through an
 * {@link EventDelivery}, after the lock is released, in the order they happened.
 */
public final class ServiceMonitor {

    /** Receives events and probe results, one call at a time and never under a monitor's lock. */
    public interface Sink {
        void event(HealthEvent event, Level level);

        void result(CheckResult result);
    }

    /** How a monitor runs: the same for every monitor of a checker. */
    public record Runtime(LoadBalancer lb, Prober prober, ScheduledExecutorService timers, Ticker ticker, Sink sink,
            EventDelivery delivery) {}

    private static final Logger LOG = System.getLogger("io.jvs.health");

    private final Runtime rt;
    private final CheckRunner runner;
    private final WeightPlan plan;
    private final Quorum quorum = new Quorum(this);
    private final Map<InetSocketAddress, Member> members = new LinkedHashMap<>();
    private final Map<InetSocketAddress, Member> passiveIndex = new ConcurrentHashMap<>();
    private final EventLoop loop;
    private CheckedService config;
    private boolean closed;

    private ServiceMonitor(CheckedService config, Runtime rt, EventLoop loop, Random random) {
        this.config = config;
        this.rt = rt;
        this.loop = loop;
        this.runner = new CheckRunner(this, rt.prober(), loop, rt.timers() != null ? rt.timers() : loop, random);
        this.plan = new WeightPlan(this, rt.lb(), rt.timers() != null ? rt.timers() : loop, rt.ticker());
    }

    /**
     * Starts {@code config}'s services on the load balancer with the servers its checks' initial states allow,
     * then starts the checks. A synchronous refusal by the load balancer propagates (services started before it
     * are stopped again); a failure to bind fails the future. What it reports is queued: the caller delivers it
     * ({@link EventDelivery#drain()}) once it holds no lock.
     *
     * @param loop the event loop of the checks' network probes (and their timers, unless the runtime has its own)
     */
    public static Started start(CheckedService config, Runtime rt, EventLoop loop, Random random) {
        ServiceMonitor m = new ServiceMonitor(config, rt, loop, random);
        List<CompletableFuture<Void>> started = new ArrayList<>();
        synchronized (m) {
            for (CheckedServer s : config.servers()) {
                m.addMember(s);
            }
            m.quorum.sorry = config.sorryServer().map(rs -> new Member(CheckedServer.of(rs))).orElse(null);
            m.quorum.initialize(config, m.members.values());
            List<RealServer> initial = m.plan.desiredServers(m.allMembers());
            try {
                for (VirtualService vs : config.services()) {
                    started.add(rt.lb().start(vs.withRealServers(initial)));
                }
            } catch (RuntimeException e) {
                m.closed = true;
                for (int i = 0; i < started.size(); i++) {
                    stopQuietly(rt.lb(), config.services().get(i).id());
                }
                throw e;
            }
            for (Member member : m.allMembers()) {
                member.applied = m.plan.desired(member);
            }
            if (m.quorum.sorryActive) {
                m.quorum.sorryIn();
            }
        }
        // On the event loop, not inline: the caller may hold its own lock, and locked() delivers events.
        CompletableFuture<Void> all = CompletableFuture.allOf(started.toArray(new CompletableFuture<?>[0]))
                .thenRunAsync(() -> m.locked(m::startChecks), loop);
        return new Started(m, all);
    }

    /** A monitor and the future of its services' start. */
    public record Started(ServiceMonitor monitor, CompletableFuture<Void> future) {}

    /** The service's current configuration. */
    public synchronized CheckedService config() {
        return config;
    }

    /**
     * Runs {@code action} under the lock unless the monitor is closed, then delivers what it reported (unless this
     * thread holds the lock further out: the outermost frame delivers).
     */
    void locked(Runnable action) {
        synchronized (this) {
            if (!closed) {
                action.run();
            }
        }
        if (!Thread.holdsLock(this)) {
            rt.delivery().drain();
        }
    }

    private void startChecks() {
        runner.activate();
        LOG.log(Level.INFO, "{0}: activating health checks of {1} real server(s)", config.id(), members.size());
        for (Member m : members.values()) {
            m.runs.forEach(runner::start);
        }
    }

    // ---- what the parts use, under the lock

    ServiceId id() {
        return config.id();
    }

    Quorum quorum() {
        return quorum;
    }

    boolean isMember(Member m) {
        return members.get(m.address()) == m;
    }

    void result(CheckResult result) {
        rt.delivery().later(() -> rt.sink().result(result));
    }

    void emit(HealthEvent.Type type, InetSocketAddress server, int weight, Level level, String message) {
        HealthEvent e = new HealthEvent(type, config.id(), server, weight, config.id() + ": " + message, Instant.now());
        rt.delivery().later(() -> rt.sink().event(e, level));
    }

    // ---- members

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

    /** The members and the sorry server. */
    List<Member> allMembers() {
        List<Member> all = new ArrayList<>(members.size() + 1);
        all.addAll(members.values());
        if (quorum.sorry != null) {
            all.add(quorum.sorry);
        }
        return all;
    }

    /** Recomputes a member's state from its checks and acts on a change. */
    void evaluate(Member m, String cause) {
        HealthState now = m.computeState();
        if (now == m.state) {
            return;
        }
        m.state = now;
        String server = "real server " + Addresses.toString(m.address());
        if (now == HealthState.UP) {
            plan.startRamp(m);
            plan.reconcile(m);
            quorum.update(config, members.values(), plan); // first, so that the event tells where the server ends up
            String action = quorum.sorryActive ? "kept out while the sorry server serves"
                    : m.ramping ? "slow start from weight " + m.applied + " over "
                    + Phrases.duration(m.config.slowStart()) : "weight " + m.applied;
            emit(HealthEvent.Type.SERVER_UP, m.address(), m.applied, Level.INFO,
                    server + " is UP: " + cause + "; " + action);
        } else {
            WeightPlan.stopRamp(m);
            plan.reconcile(m);
            String action = m.applied == WeightPlan.ABSENT ? "removed" : "kept at weight 0 (inhibit on failure)";
            emit(HealthEvent.Type.SERVER_DOWN, m.address(), m.applied, Level.WARNING,
                    server + " is DOWN: " + cause + "; " + action);
            quorum.update(config, members.values(), plan);
        }
    }

    /** A member's effective weight changed (a dynamic command check). */
    void weightChanged(Member m, String why) {
        int before = m.applied;
        if (m.state == HealthState.UP && m.ramping && m.effectiveWeight() == 0) {
            m.ramping = false;
        }
        plan.reconcile(m);
        emit(HealthEvent.Type.WEIGHT_CHANGED, m.address(), m.applied, Level.INFO, "real server "
                + Addresses.toString(m.address()) + ": " + why + "; in the load balancer "
                + weightText(before) + " -> " + weightText(m.applied));
        quorum.update(config, members.values(), plan);
    }

    private static String weightText(int applied) {
        return applied == WeightPlan.ABSENT ? "absent" : "weight " + applied;
    }

    // ---- passive checks

    /** The data path failed to connect to {@code server}; called on data-path threads, never blocks. */
    public void connectFailed(InetSocketAddress server) {
        Member m = passiveIndex.get(server);
        if (m != null && m.config.passive() && m.passivePending.getAndIncrement() == 0) {
            try {
                loop.execute(() -> locked(() -> drainPassive(m)));
            } catch (RejectedExecutionException e) {
                m.passivePending.set(0); // closing
            }
        }
    }

    private void drainPassive(Member m) {
        int n = m.passivePending.getAndSet(0);
        if (!isMember(m) || !m.config.passive() || n == 0) {
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
                String c = runner.count(run, false, "a connect failure of the data path", message);
                change = c != null ? c : change;
            }
        }
        if (change != null) {
            evaluate(m, change);
        }
    }

    // ---- changes from the application

    /**
     * Applies a new configuration with the same service ids: servers added or removed, settings and checks
     * changed. Servers whose checks are unchanged keep their state; the services are updated in one
     * {@link LoadBalancer#update} each.
     */
    public void update(CheckedService next) {
        change(c -> next);
    }

    /** Applies {@code edit} to the current configuration, atomically with respect to the checks. */
    public void change(java.util.function.UnaryOperator<CheckedService> edit) {
        try {
            synchronized (this) {
                reconfigure(edit.apply(config));
            }
        } finally {
            if (!Thread.holdsLock(this)) {
                rt.delivery().drain();
            }
        }
    }

    private void reconfigure(CheckedService next) {
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
        Set<Member> rechecked = new HashSet<>();
        for (CheckedServer s : next.servers()) {
            Member m = old.remove(s.address());
            if (m == null) {
                added.add(addMember(s));
                continue;
            }
            if (!m.config.checks().equals(s.checks())) {
                m.runs.forEach(CheckRunner::stop);
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
            gone.runs.forEach(CheckRunner::stop);
            WeightPlan.stopRamp(gone);
            passiveIndex.remove(gone.address());
        }
        Member oldSorry = quorum.sorry;
        config = next;
        quorum.sorry = next.sorryServer().map(rs -> {
            Member s = new Member(CheckedServer.of(rs));
            s.applied = oldSorry != null && oldSorry.address().equals(rs.address()) ? oldSorry.applied
                    : WeightPlan.ABSENT;
            return s;
        }).orElse(null);
        if (quorum.sorry == null) {
            quorum.sorryActive = false;
        } else if (!quorum.up && !quorum.sorryActive) {
            quorum.sorryActive = true;
            emit(HealthEvent.Type.SORRY_SERVER_IN, quorum.sorry.address(), quorum.sorry.config.server().weight(),
                    Level.WARNING, "sorry server " + Addresses.toString(quorum.sorry.address())
                    + " serves until quorum is back");
        }
        List<RealServer> servers = plan.desiredServers(allMembers());
        for (VirtualService vs : next.services()) {
            rt.lb().update(vs.withRealServers(servers));
        }
        for (Member m : allMembers()) {
            m.applied = plan.desired(m);
        }
        for (Member gone : old.values()) {
            emit(HealthEvent.Type.SERVER_REMOVED, gone.address(), WeightPlan.ABSENT, Level.INFO, "real server "
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
            if (runner.active()) {
                for (CheckRun r : m.runs) {
                    if (!r.started) {
                        runner.start(r);
                    }
                }
            }
        }
        quorum.update(config, members.values(), plan);
    }

    // ---- shutdown

    /** Stops every check and the services on the load balancer. */
    public CompletableFuture<Void> stop() {
        List<ServiceId> ids;
        synchronized (this) {
            close();
            ids = config.ids();
        }
        rt.delivery().drain();
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (ServiceId id : ids) {
            stopped.add(stopQuietly(rt.lb(), id));
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
        runner.deactivate();
        for (Member m : allMembers()) {
            m.runs.forEach(CheckRunner::stop);
            WeightPlan.stopRamp(m);
        }
        passiveIndex.clear();
        LOG.log(Level.INFO, "{0}: health checks stopped", config.id());
    }

    // ---- status

    /** A snapshot of the service's health. */
    public synchronized ServiceHealth health() {
        List<ServerHealth> servers = new ArrayList<>(members.size());
        for (Member m : members.values()) {
            List<CheckStatus> checks = new ArrayList<>(m.runs.size());
            for (CheckRun r : m.runs) {
                checks.add(new CheckStatus(r.description, r.state, r.successes, r.failures, r.probes, r.failedProbes,
                        r.last));
            }
            servers.add(new ServerHealth(m.address(), m.state, m.config.server().weight(), m.effectiveWeight(),
                    m.applied, m.ramping, m.passiveFailures, checks));
        }
        return new ServiceHealth(config.ids(), config.quorum(), config.hysteresis(),
                Quorum.liveWeight(members.values()), quorum.up, quorum.sorry == null ? null : quorum.sorry.address(),
                quorum.sorryActive, servers);
    }
}
