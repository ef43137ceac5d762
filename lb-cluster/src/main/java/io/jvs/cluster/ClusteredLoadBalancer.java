package io.jvs.cluster;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.cluster.internal.ConfigCodec;
import io.jvs.cluster.internal.ConfigCommand;
import io.jvs.cluster.internal.ConfigStateMachine;
import io.jvs.cluster.internal.ConfigStateMachine.Outcome;
import io.jvs.cluster.internal.Options;
import io.jvs.cluster.internal.Stacks;
import io.jvs.core.ForwardingLoadBalancer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.View;
import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.raft.RAFT;
import org.jgroups.raft.RaftHandle;

/**
 * A {@link LoadBalancer} that is one member of a cluster of directors sharing one configuration through consensus
 * (Raft, with jgroups-raft over a JGroups TCP mesh). Every change ({@code start}, {@code update}, {@code stop}, the
 * real-server calls, {@code clear}, {@code zeroCounters}, {@code setTimeouts}) is committed to the cluster's log
 * and applied on every member's own load balancer in log order, so all members have the same services with their
 * real servers in the same order, and the hashing schedulers ({@code mh}, {@code sh}) build the same tables.
 *
 * <pre>{@code
 * LoadBalancer lb = ClusteredLoadBalancer.builder(NettyLoadBalancer.builder().build())
 *         .cluster("web")
 *         .bind(new InetSocketAddress("10.1.0.1", 7800))
 *         .peers(List.of(new InetSocketAddress("10.1.0.2", 7800), new InetSocketAddress("10.1.0.3", 7800)))
 *         .logDirectory(Path.of("/var/lib/jvs/raft"))
 *         .build();
 * lb.start(web);                       // committed by a majority, then applied on every member
 * }</pre>
 *
 * <p><b>Changes</b> block until a majority has committed them and this member has applied them (at most
 * {@link Builder#commitTimeout}; a proposal that gets no answer within {@link Builder#failureDetection}, for example
 * because it went to a leader that just died, is proposed again, and the log applies it once), then return or throw
 * as a single load balancer would: a refusal
 * ({@code Service already exists}, ...) is the cluster's, decided in log order, and is the same on every member. A
 * member that is not the leader forwards its changes to the leader. Without a majority a change is refused with
 * {@link LoadBalancerException.Reason#NO_QUORUM} and a message naming the reachable members; the data path keeps
 * serving the last configuration it applied.
 *
 * <p><b>Reads</b> of the configuration ({@link #services()}, {@link #service}, {@link #timeouts()}) are
 * linearizable by default: they first pass a barrier through the log, so a change acknowledged by any member is
 * seen by the next read on every member (and without a majority they fail with {@code NO_QUORUM}). Connection
 * listings, counters and status are this member's own.
 *
 * <p>A member that restarts (with the same address, and the same {@linkplain Builder#logDirectory log directory}
 * if it has one) replays its log and catches up from the leader, with no command of its own. The local load
 * balancer given to the builder must be empty: its services come from the cluster.
 *
 * @since 0.1
 */
public final class ClusteredLoadBalancer extends ForwardingLoadBalancer {

    private static final System.Logger LOG = System.getLogger(ClusteredLoadBalancer.class.getName());

    private final LoadBalancer local;
    private final String cluster;
    private final String self;
    private final List<String> members;
    private final Duration commitTimeout;
    private final Duration attemptTimeout;
    private final boolean linearizableReads;
    private final JChannel channel;
    private final RaftHandle raft;
    private final ConfigStateMachine machine;
    private final AtomicLong nonces = new AtomicLong(new SecureRandom().nextLong() | 1);
    private volatile boolean closed;

    private ClusteredLoadBalancer(Builder b) throws Exception {
        this.local = b.local;
        this.cluster = b.cluster;
        this.self = id(b.bind);
        LinkedHashSet<String> all = new LinkedHashSet<>();
        all.add(self);
        for (InetSocketAddress p : b.peers) {
            all.add(id(p));
        }
        this.members = List.copyOf(all);
        this.commitTimeout = b.commitTimeout;
        this.attemptTimeout = b.failureDetection.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500)
                : b.failureDetection;
        this.linearizableReads = b.linearizableReads;
        this.machine = new ConfigStateMachine(local);
        Stacks.Transport t = new Stacks.Transport(b.bind, b.peers, b.failureDetection, b.partitionable);
        this.channel = new JChannel(Stacks.config(t, new Stacks.RaftLog(self, members, b.logDirectory)));
        channel.setName(self);
        this.raft = new RaftHandle(channel, machine);
        channel.connect("jvs-config-" + cluster);
    }

    /**
     * Starts building a member around {@code local}, the load balancer it applies the cluster's configuration to.
     *
     * @throws NullPointerException if {@code local} is null
     */
    public static Builder builder(LoadBalancer local) {
        return new Builder(Checks.checkNotNull(local, "local"));
    }

    private static String id(InetSocketAddress a) {
        return Addresses.toString(a);
    }

    @Override
    protected LoadBalancer delegate() {
        return local;
    }

    /** Commits {@code service} (ipvsadm {@code -A} plus {@code -a}); see {@link LoadBalancer#start}. */
    @Override
    public CompletableFuture<Void> start(VirtualService service) {
        Checks.checkNotNull(service, "service");
        return localFuture(commit(ConfigCommand.start(service)));
    }

    @Override
    public void update(VirtualService service) {
        Checks.checkNotNull(service, "service");
        commit(ConfigCommand.update(service));
    }

    @Override
    public CompletableFuture<Void> stop(ServiceId service) {
        Checks.checkNotNull(service, "service");
        return localFuture(commit(ConfigCommand.stop(service)));
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        commit(ConfigCommand.addServer(service, server));
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        commit(ConfigCommand.editServer(service, server));
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        commit(ConfigCommand.removeServer(service, server));
    }

    @Override
    public CompletableFuture<Void> clear() {
        return localFuture(commit(ConfigCommand.clear()));
    }

    @Override
    public void zeroCounters() {
        commit(ConfigCommand.zeroAll());
    }

    @Override
    public void zeroCounters(ServiceId service) {
        Checks.checkNotNull(service, "service");
        commit(ConfigCommand.zero(service));
    }

    @Override
    public void setTimeouts(Timeouts timeouts) {
        Checks.checkNotNull(timeouts, "timeouts");
        commit(ConfigCommand.setTimeouts(timeouts));
    }

    @Override
    public List<ServiceStatus> services() {
        readBarrier();
        return local.services();
    }

    @Override
    public Optional<ServiceStatus> service(ServiceId service) {
        Checks.checkNotNull(service, "service");
        readBarrier();
        return local.service(service);
    }

    @Override
    public Timeouts timeouts() {
        readBarrier();
        return local.timeouts();
    }

    /**
     * Waits until this member has applied every change committed before the call (a barrier through the log), so
     * that what the local load balancer shows next is at least as new as any change acknowledged anywhere. Reads of
     * the configuration do this themselves unless {@link Builder#linearizableReads} is off.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_QUORUM} without a majority
     */
    public void sync() {
        commit(ConfigCommand.barrier());
    }

    private void readBarrier() {
        if (linearizableReads) {
            sync();
        }
    }

    /** The configuration epoch: how many configuration changes this member has applied. */
    public long configEpoch() {
        return machine.epoch();
    }

    /**
     * The configuration hash (32 hex digits): equal on members that have the same services, options, real-server
     * order and timeouts.
     */
    public String configHash() {
        return machine.hash();
    }

    /** What this member knows of the cluster now. */
    public ClusterStatus status() {
        RAFT r = raft.raft();
        Address leader = r.leader();
        return new ClusterStatus(cluster, self, members, reachable(), leader == null ? null : leader.toString(),
                r.currentTerm(), machine.epoch(), machine.hash(), r.commitIndex(), machine.faults());
    }

    private List<String> reachable() {
        View v = channel.getView();
        List<String> names = new ArrayList<>();
        if (v != null) {
            for (Address a : v.getMembers()) {
                names.add(a.toString());
            }
        }
        return names;
    }

    /**
     * Leaves the cluster (the others go on without this member), then closes the local load balancer. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } finally {
            local.close();
        }
    }

    /** For tests: cuts this member off the network (every message in and out dropped), or joins it again. */
    void partition(boolean cut) {
        DISCARD d = channel.getProtocolStack().findProtocol(DISCARD.class);
        if (d == null) {
            throw new IllegalStateException("partition: not built partitionable");
        }
        d.discardAll(cut);
    }

    private CompletableFuture<Void> localFuture(Outcome o) {
        CompletableFuture<Void> f = o.local() == null ? CompletableFuture.completedFuture(null) : o.local();
        return f.handle((v, t) -> {
            if (t == null) {
                return null;
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            LoadBalancerException.Reason reason = cause instanceof LoadBalancerException
                    ? ((LoadBalancerException) cause).reason() : LoadBalancerException.Reason.BIND_FAILED;
            throw new CompletionException(new LoadBalancerException(reason, "committed to the cluster configuration"
                    + " (epoch " + o.epoch() + "), but this member's data path could not apply it: "
                    + cause.getMessage(), cause));
        });
    }

    /**
     * Proposes {@code c}, waits until it is committed and applied here, and returns what applying it did; a refusal
     * throws as a single load balancer throws it.
     */
    private Outcome commit(ConfigCommand c) {
        if (closed) {
            throw new LoadBalancerException(LoadBalancerException.Reason.CLOSED, "the clustered load balancer is closed");
        }
        long nonce = nonces.getAndIncrement();
        if (nonce == 0) {
            nonce = nonces.getAndIncrement();
        }
        byte[] entry = ConfigCodec.encode(c, nonce);
        long deadline = System.nanoTime() + commitTimeout.toNanos();
        CompletableFuture<Outcome> applied = machine.expect(nonce);
        byte[] response = null;
        boolean submitted = false;
        // A leader election (a member joined, left or was suspected) makes proposals fail for a moment; while this
        // member sees a majority it tries again with the same nonce, which the log applies at most once.
        while (response == null) {
            long left = deadline - System.nanoTime();
            try {
                CompletableFuture<byte[]> f = raft.setAsync(entry, 0, entry.length);
                submitted = true;
                // One attempt waits at most attemptTimeout: a proposal forwarded to a leader that has just died
                // is never answered, and the next attempt goes to the new leader.
                response = f.get(Math.max(1, Math.min(left, attemptTimeout.toNanos())), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (deadline - System.nanoTime() > 0 && status().reachable().size() >= status().quorum()) {
                    continue;
                }
                machine.forget(nonce);
                throw noQuorum(c, "not committed within " + commitTimeout.toMillis() + " ms; it may still be "
                        + "applied if the cluster recovers", null);
            } catch (InterruptedException e) {
                machine.forget(nonce);
                Thread.currentThread().interrupt();
                throw noQuorum(c, "interrupted; the change may still be applied", e);
            } catch (Exception e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (status().reachable().size() < status().quorum() || deadline - System.nanoTime() <= 0) {
                    machine.forget(nonce);
                    throw noQuorum(c, submitted ? "not committed; it may still be applied if the cluster recovers"
                            : "nothing was changed", cause);
                }
                pause(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
        }
        Outcome o = ConfigStateMachine.parseResponse(response);
        if (o.code() != 0) {
            // The refusal is the cluster's; this member refuses the entry too when it applies it.
            throw o.reason() != null ? new LoadBalancerException(o.reason(), o.message())
                    : new IllegalArgumentException(o.message());
        }
        try {
            long left = Math.max(1, deadline - System.nanoTime());
            Outcome mine = applied.get(left, TimeUnit.NANOSECONDS);
            machine.awaitEpoch(o.epoch()).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return mine;
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "committed by the cluster (epoch " + o.epoch() + ") but not applied "
                    + "on this member within " + commitTimeout.toMillis() + " ms: " + c);
            return new Outcome(o.code(), o.epoch(), null, null, applied.thenCompose(x -> x.local()));
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoadBalancerException(LoadBalancerException.Reason.NO_QUORUM, "interrupted while waiting for "
                    + "this member to apply a committed change (epoch " + o.epoch() + ")", e);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private LoadBalancerException noQuorum(ConfigCommand c, String outcome, Throwable cause) {
        ClusterStatus s = status();
        String why = cause == null ? "" : " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        String what = c.changes() ? "change" : "read";
        return new LoadBalancerException(LoadBalancerException.Reason.NO_QUORUM, "no quorum in cluster " + cluster
                + ": " + s.reachable().size() + " of " + s.members().size() + " members reachable "
                + s.reachable() + ", leader " + (s.leader() == null ? "none" : s.leader()) + "; a " + what
                + " needs " + s.quorum() + why + "; " + outcome, cause);
    }

    /**
     * Builds a {@link ClusteredLoadBalancer}. {@link #cluster}, {@link #bind} and {@link #peers} are required; each
     * option may be set once.
     */
    public static final class Builder {
        private final LoadBalancer local;
        private String cluster;
        private InetSocketAddress bind;
        private List<InetSocketAddress> peers;
        private Path logDirectory;
        private Duration commitTimeout = Duration.ofSeconds(10);
        private Duration failureDetection = Duration.ofSeconds(5);
        private boolean linearizableReads = true;
        private boolean partitionable;

        Builder(LoadBalancer local) {
            this.local = local;
        }

        /**
         * The cluster's name: members with the same name (and peers) form one cluster.
         *
         * @param name 1-64 characters of {@code A-Z a-z 0-9 . _ -}
         * @throws IllegalArgumentException if the name does not fit
         * @throws IllegalStateException if the name was already set
         */
        public Builder cluster(String name) {
            Options.clusterName(name);
            Checks.checkNotSet(cluster, "cluster");
            cluster = name;
            return this;
        }

        /**
         * This member's cluster address (JGroups TCP): an IP address of this host, not a wildcard, and a port. Its
         * {@code host:port} is the member's id.
         *
         * @throws IllegalArgumentException if the address is unresolved or a wildcard, or the port is 0
         * @throws IllegalStateException if the address was already set
         */
        public Builder bind(InetSocketAddress address) {
            Options.address(address, "bind");
            Checks.checkNotSet(bind, "bind");
            bind = address;
            return this;
        }

        /**
         * The other members' cluster addresses (this member's own may be included). The cluster has these members
         * and this one; a change needs a majority of them.
         *
         * @throws IllegalArgumentException if the list is empty or holds an unresolved or wildcard address
         * @throws IllegalStateException if the peers were already set
         */
        public Builder peers(List<InetSocketAddress> addresses) {
            List<InetSocketAddress> list = Options.peers(addresses);
            Checks.checkNotSet(peers, "peers");
            peers = list;
            return this;
        }

        /**
         * Keeps the Raft log and its snapshots in files in {@code directory}, so that a member that restarts
         * replays what it had and keeps its votes (what Raft assumes). Without it the log is kept in memory: a
         * restarted member then gets everything again from the leader, which is safe as long as a majority of the
         * members never restarts at once.
         *
         * @throws IllegalStateException if the directory was already set
         */
        public Builder logDirectory(Path directory) {
            Checks.checkNotNull(directory, "logDirectory");
            Checks.checkNotSet(logDirectory, "logDirectory");
            logDirectory = directory;
            return this;
        }

        /**
         * How long a change waits to be committed and applied here before it is refused with {@code NO_QUORUM};
         * 10 s by default.
         *
         * @param timeout 100 ms to 10 minutes
         * @throws IllegalArgumentException if out of range
         */
        public Builder commitTimeout(Duration timeout) {
            commitTimeout = Options.duration(timeout, Duration.ofMillis(100), Duration.ofMinutes(10), "commitTimeout");
            return this;
        }

        /**
         * How long a silent member is waited for before it is suspected and left out of the view (a third more
         * to verify); split views are merged again within about this time once they can talk. 5 s by default.
         *
         * @param timeout 300 ms to 5 minutes
         * @throws IllegalArgumentException if out of range
         */
        public Builder failureDetection(Duration timeout) {
            failureDetection = Options.duration(timeout, Duration.ofMillis(300), Duration.ofMinutes(5),
                    "failureDetection");
            return this;
        }

        /**
         * Whether reads of the configuration pass a barrier through the log first (the default): then a change
         * acknowledged anywhere is seen by the next read everywhere, and reads need a majority. Without it reads
         * show this member's configuration as applied so far, also without a majority.
         */
        public Builder linearizableReads(boolean enabled) {
            linearizableReads = enabled;
            return this;
        }

        /** For tests: a stack that can be cut off the network ({@link ClusteredLoadBalancer#partition}). */
        Builder partitionable() {
            partitionable = true;
            return this;
        }

        /**
         * Joins (or founds) the cluster and returns the member. The configuration arrives from the log as the
         * leader sends it; use {@link ClusteredLoadBalancer#sync()} to wait for it.
         *
         * @throws IllegalStateException if a required option is missing, the local load balancer is not empty, or
         *     the cluster channel cannot be opened (for example the address cannot be bound)
         */
        public ClusteredLoadBalancer build() {
            if (cluster == null || bind == null || peers == null) {
                throw new IllegalStateException("cluster, bind and peers must be set (missing: "
                        + (cluster == null ? "cluster " : "") + (bind == null ? "bind " : "")
                        + (peers == null ? "peers" : "").trim() + ")");
            }
            int services = local.services().size();
            if (services != 0) {
                throw new IllegalStateException("local: " + services + " services (expected: an empty load balancer;"
                        + " the cluster's configuration is applied to it)");
            }
            try {
                return new ClusteredLoadBalancer(this);
            } catch (Exception e) {
                throw new IllegalStateException("cannot join cluster " + cluster + " at " + id(bind) + ": " + e, e);
            }
        }
    }
}
