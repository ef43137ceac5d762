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
import org.jgroups.protocols.raft.Role;
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
    private final StreamDaemon daemon;
    private final Proposer proposer;
    private final LeaderView leaderView = new LeaderView(this);
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
        raft.addRoleListener(role -> {
            if (role == Role.Leader) {
                leaderView.becameLeader(); // the new leader's checker makes the table match its verdicts
            }
        });
        this.proposer = new Proposer(this, raft, machine, cluster, commitTimeout, attemptTimeout);
        channel.connect("jvs-config-" + cluster);
        this.daemon = b.hook == null ? null : new StreamDaemon(b.hook, cluster, b.syncBind(), b.syncPeers(),
                b.failureDetection, b.reliability);
    }

    /** Starts the roles the builder asked for, once this member has the cluster's configuration. */
    private void startRoles(Builder b) {
        try {
            sync(); // the services must be here before the snapshot's entries are bound to them
        } catch (LoadBalancerException e) {
            LOG.log(System.Logger.Level.WARNING, "starting the sync daemon before the configuration is known: "
                    + e.getMessage());
        }
        String nif = SyncRoles.interfaceOf(b.bind);
        if (b.syncMaster) {
            daemon.start(new io.jvs.ipvsadm.SyncDaemon.Settings(io.jvs.ipvsadm.SyncDaemon.Role.MASTER, nif, 0, 0,
                    null, 0, 0));
        }
        if (b.syncBackup) {
            daemon.start(new io.jvs.ipvsadm.SyncDaemon.Settings(io.jvs.ipvsadm.SyncDaemon.Role.BACKUP, nif, 0, 0,
                    null, 0, 0));
        }
    }

    /**
     * The connection sync daemon of this member, which jvsadm's {@code --start-daemon}, {@code --stop-daemon} and
     * {@code -L --daemon} drive ({@code Ipvsadm.of(lb, lb.syncDaemon())}); empty unless the builder was given a
     * {@link Builder#connectionSync SyncHook}.
     */
    public Optional<io.jvs.ipvsadm.SyncDaemon> syncDaemon() {
        return Optional.ofNullable(daemon);
    }

    /**
     * The connection-sync stream's state (view, roles, state transfer, lag, counters); empty while no sync role
     * runs.
     */
    public Optional<SyncStatus> syncStatus() {
        return daemon == null ? Optional.empty() : Optional.ofNullable(daemon.status());
    }

    /**
     * This load balancer as a health checker should drive it: its verdicts (real-server changes) are committed only
     * while this member is the leader, so one checker, the leader's, changes the table and every member changes it
     * at the same log index. Run a checker on every member over its own view: whichever member leads commits.
     * A member that becomes the leader makes the table match its checker's verdicts (a server its checker sees
     * down is taken out, whatever the old leader committed). One view per member; closing it does nothing.
     */
    public LoadBalancer leaderView() {
        return leaderView;
    }

    /** Whether this member orders the cluster's changes now (the Raft leader). */
    public boolean isLeader() {
        return raft.isLeader();
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
            if (daemon != null) {
                daemon.close();
            }
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
        return proposer.localFuture(o);
    }

    private Outcome commit(ConfigCommand c) {
        if (closed) {
            throw new LoadBalancerException(LoadBalancerException.Reason.CLOSED, "the clustered load balancer is closed");
        }
        return proposer.commit(c);
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
        private SyncHook hook;
        private InetSocketAddress syncBind;
        private List<InetSocketAddress> syncPeers;
        private boolean syncMaster;
        private boolean syncBackup;
        private ConnectionSync.Reliability reliability = ConnectionSync.Reliability.RELIABLE;

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

        /**
         * Runs the connection-sync stream beside the configuration: {@code hook} must be the director's
         * {@link io.jvs.core.StateSync} (given to the local load balancer's director). The stream listens on the
         * cluster port plus 1 of the same address, and finds the peers on theirs, unless {@link #syncAddresses}
         * says otherwise. Roles start with {@link #syncRoles} or {@link ClusteredLoadBalancer#syncDaemon()}.
         *
         * @throws IllegalStateException if a hook was already set
         */
        public Builder connectionSync(SyncHook hook) {
            Checks.checkNotNull(hook, "hook");
            Checks.checkNotSet(this.hook, "connectionSync");
            this.hook = hook;
            return this;
        }

        /**
         * The stream's own address and its peers', when they are not the cluster addresses' ports plus 1.
         *
         * @throws IllegalArgumentException if an address is unresolved, a wildcard or has port 0
         */
        public Builder syncAddresses(InetSocketAddress bind, List<InetSocketAddress> peers) {
            syncBind = Options.address(bind, "syncBind");
            syncPeers = Options.peers(peers);
            return this;
        }

        /**
         * The sync roles this member starts with once it has the cluster's configuration, with ipvsadm's defaults
         * (the interface of the cluster address, sync id 0); both is active-active, as keepalived runs IPVS. None
         * by default.
         */
        public Builder syncRoles(boolean master, boolean backup) {
            syncMaster = master;
            syncBackup = backup;
            return this;
        }

        /** How sync messages travel; {@link ConnectionSync.Reliability#RELIABLE} by default. */
        public Builder syncReliability(ConnectionSync.Reliability r) {
            reliability = Checks.checkNotNull(r, "reliability");
            return this;
        }

        InetSocketAddress syncBind() {
            return syncBind != null ? syncBind : plusOne(bind);
        }

        List<InetSocketAddress> syncPeers() {
            if (syncPeers != null) {
                return syncPeers;
            }
            List<InetSocketAddress> l = new ArrayList<>();
            for (InetSocketAddress p : peers) {
                l.add(plusOne(p));
            }
            return l;
        }

        private static InetSocketAddress plusOne(InetSocketAddress a) {
            Checks.checkArgument(a.getPort() < 65535, "port", a.getPort(), "1-65534 with connection sync (the "
                    + "stream uses the next port)");
            return new InetSocketAddress(a.getAddress(), a.getPort() + 1);
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
            if ((syncMaster || syncBackup) && hook == null) {
                throw new IllegalStateException("syncRoles: set (expected: connectionSync(hook) too)");
            }
            ClusteredLoadBalancer lb;
            try {
                lb = new ClusteredLoadBalancer(this);
            } catch (Exception e) {
                throw new IllegalStateException("cannot join cluster " + cluster + " at " + id(bind) + ": " + e, e);
            }
            if (syncMaster || syncBackup) {
                try {
                    lb.startRoles(this);
                } catch (RuntimeException e) {
                    lb.close();
                    throw new IllegalStateException("cannot start the sync daemon of " + id(bind) + ": "
                            + e.getMessage(), e);
                }
            }
            return lb;
        }
    }
}
