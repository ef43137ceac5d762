package io.jvs.cli.daemon;

import io.jvs.api.LoadBalancer;
import io.jvs.cli.Closer;
import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncHook;
import io.jvs.cli.status.ConfigLoad;
import io.jvs.cli.status.StatusEndpoint;
import io.jvs.cli.status.StatusPage;
import io.jvs.health.HealthChecker;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.AdminToken;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.LogText;
import io.jvs.netty.NettyLoadBalancer;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A running {@code jvs daemon}: the director, the health checker of its keepalived.conf services (with
 * {@code --config}), the admin socket jvsadm talks to and the status/metrics endpoint (with {@code --http}).
 * {@link DaemonCommand} runs one in the foreground; tests start one in-process.
 *
 * <p>It starts in an order that keeps a failed or duplicate start harmless: the lock beside the admin socket
 * first (a second daemon for the same admin address stops there, before it listens anywhere), then the rules or
 * the configuration are read and checked, then services start (each with its real servers), then the admin
 * socket and the status endpoint.
 */
final class Daemon implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");

    /** The admin command that reloads {@code --config}: {@code jvs daemon --reload}, or {@code jvsadm --reload}. */
    static final String RELOAD = "--reload";
    /** With {@link #RELOAD}: apply a file without virtual servers, stopping every checked service. */
    static final String ALLOW_EMPTY = "--allow-empty";

    /** The daemon did not start; {@link #getMessage()} is what to print, {@link #status} the exit status. */
    static final class StartException extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        StartException(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private final NettyLoadBalancer lb;
    /** The table jvsadm sees: the clustered load balancer with --cluster, else {@link #lb}. */
    private final LoadBalancer table;
    private final ClusteredLoadBalancer cluster;
    private final HealthChecker checker;
    private final KeepalivedFile config;
    private final Closer closeables = new Closer();
    private AdminServer admin;
    private Path adminTokenFile;
    private StatusEndpoint http;

    private Daemon(NettyLoadBalancer lb, ClusteredLoadBalancer cluster, HealthChecker checker, KeepalivedFile config) {
        this.lb = lb;
        this.cluster = cluster;
        this.table = cluster != null ? cluster : lb;
        this.checker = checker;
        this.config = config;
    }

    /** Starts a daemon as {@code o} says; on failure everything started so far is closed again. */
    static Daemon start(DaemonCommand.Options o) throws StartException {
        DaemonLock lock = lock(o.admin);
        try {
            Daemon d = start(o, lock);
            d.closeables.addFirst(lock); // released last
            return d;
        } catch (StartException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private static DaemonLock lock(String admin) throws StartException {
        boolean tcp = AdminAddress.isTcp(admin);
        Path file = DaemonLock.fileFor(admin, tcp);
        try {
            return DaemonLock.acquire(file, admin);
        } catch (IllegalStateException e) {
            throw new StartException(1, "jvs daemon: " + e.getMessage() + "; not starting (stop it first; a second "
                    + "daemon needs its own --admin and services of its own)");
        } catch (IOException e) {
            throw new StartException(1, "jvs daemon: cannot lock " + file + ": " + e);
        }
    }

    private static Daemon start(DaemonCommand.Options o, DaemonLock lock) throws StartException {
        String rules = null;
        if (o.rules != null) {
            try {
                rules = RulesFile.withoutComments(Files.readString(o.rules, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new StartException(2, "jvs daemon: cannot read --rules " + o.rules + ": " + e);
            }
        }
        SyncHook hook = o.cluster == null ? null : SyncHook.create();
        NettyLoadBalancer lb = build(o, hook);
        ClusteredLoadBalancer cluster;
        try {
            cluster = hook == null ? null : ClusterPart.join(o, lb, hook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            lb.close();
            throw new StartException(1, "jvs daemon: --cluster: " + e.getMessage());
        }
        // On a cluster every member checks the same file's servers over the leader view (only the leader's verdicts
        // are committed), and jvsadm goes straight to the cluster: a CheckedLoadBalancer would route changes of
        // checked servers through this member's checker, which drops them unless it leads.
        HealthChecker checker = o.config == null ? null
                : HealthChecker.create(cluster != null ? cluster.leaderView() : lb);
        CheckedLoadBalancer table = checker == null || cluster != null ? null : new CheckedLoadBalancer(lb, checker);
        KeepalivedFile config = checker == null ? null : cluster != null
                ? new KeepalivedFile(o.config, cluster, checker, new Object(), true)
                : new KeepalivedFile(o.config, lb, checker, table, false);
        Daemon d = new Daemon(lb, cluster, checker, config);
        d.closeables.add(cluster != null ? cluster : lb); // the clustered one closes lb too
        if (checker != null) {
            d.closeables.add(checker);
        }
        try {
            d.startParts(o, rules, table);
            return d;
        } catch (StartException e) {
            d.close();
            throw e;
        } catch (RuntimeException e) {
            d.close();
            throw new StartException(1, "jvs daemon: " + e);
        }
    }

    private static NettyLoadBalancer build(DaemonCommand.Options o, SyncHook hook) throws StartException {
        String packetsUnavailable = o.interfaces.isEmpty() ? null : PacketPath.unavailable();
        if (packetsUnavailable != null) {
            throw new StartException(2, "jvs daemon: " + packetsUnavailable);
        }
        LOG.log(Level.INFO, "jvs daemon on Java " + Runtime.version() + " (" + System.getProperty("java.home") + ")"
                + (o.interfaces.isEmpty() ? "" : ", packet data path on " + String.join(", ", o.interfaces)));
        try {
            return build(o, true, hook);
        } catch (IllegalStateException e) {
            if (!String.valueOf(e.getMessage()).startsWith("freeBind")) {
                throw new StartException(2, "jvs daemon: " + e.getMessage());
            }
            LOG.log(Level.WARNING, e.getMessage() + ": services need their address to exist before they are added");
            return build(o, false, hook);
        }
    }

    private static NettyLoadBalancer build(DaemonCommand.Options o, boolean freeBind, SyncHook hook)
            throws StartException {
        NettyLoadBalancer.Builder b = NettyLoadBalancer.builder().transport(o.transport).freeBind(freeBind);
        if (hook != null) {
            b.director(d -> d.stateSync(hook));
        }
        if (o.sharePorts) {
            b.sharePorts(true);
        }
        if (o.threads != null) {
            b.ioThreads(o.threads);
        }
        io.jvs.core.DataPath packets = null;
        if (!o.interfaces.isEmpty()) {
            packets = PacketPath.open(o.interfaces);
            b.additionalDataPath(packets);
        }
        try {
            return b.build();
        } catch (RuntimeException e) {
            if (packets != null) {
                packets.close();
            }
            throw e;
        }
    }

    private void startParts(DaemonCommand.Options o, String rules, CheckedLoadBalancer table) throws StartException {
        if (config != null) {
            try {
                config.load();
            } catch (IOException e) {
                throw new StartException(2, "jvs daemon: cannot read --config " + o.config + ": " + e);
            } catch (IllegalArgumentException e) {
                throw new StartException(1, "jvs daemon: " + e.getMessage() + "\njvs daemon: " + o.config
                        + " has an error; not starting");
            } catch (RuntimeException e) {
                throw new StartException(1, "jvs daemon: starting the services of " + o.config + " failed: "
                        + e.getMessage() + "; not starting");
            }
        }
        Ipvsadm ipvsadm = cluster != null
                ? cluster.syncDaemon().map(s -> Ipvsadm.of(cluster, s)).orElseGet(() -> Ipvsadm.of(cluster))
                : Ipvsadm.of(table != null ? table : lb);
        if (rules != null) {
            try {
                int n = RulesFile.restore(lb, rules);
                LOG.log(Level.INFO, "restored " + n + " services from " + LogText.escape(o.rules));
            } catch (RulesFile.RestoreException e) {
                throw new StartException(1, e.ipvsadmErrors + "jvs daemon: restoring " + o.rules + " failed ("
                        + (e.ipvsadmErrors.isEmpty() ? e.getMessage() + ", " : "") + "status " + e.status
                        + "); not starting");
            }
        }
        String token = adminToken(o);
        try {
            admin = AdminServer.start(o.admin, (args, stdin) -> command(ipvsadm, args, stdin), DaemonCommand::log,
                    token);
        } catch (IOException | IllegalArgumentException e) {
            throw new StartException(1, "jvs daemon: " + e.getMessage());
        }
        closeables.add(admin);
        if (o.http != null) {
            startHttp(o.http);
        }
    }

    /** An admin command: {@link #RELOAD}, or one for ipvsadm. */
    private Ipvsadm.Result command(Ipvsadm ipvsadm, List<String> args, String stdin) {
        if (args.isEmpty() || !args.get(0).equals(RELOAD)) {
            return ipvsadm.execute(args, stdin);
        }
        boolean allowEmpty = args.size() == 2 && args.get(1).equals(ALLOW_EMPTY);
        if (args.size() > 2 || (args.size() == 2 && !allowEmpty)) {
            return new Ipvsadm.Result("", "jvs daemon: " + RELOAD + " takes no argument but " + ALLOW_EMPTY + "\n", 2);
        }
        if (config == null) {
            return new Ipvsadm.Result("", "jvs daemon: nothing to reload: this daemon runs without --config\n", 2);
        }
        ConfigLoad load = config.reload(allowEmpty);
        return load.ok() ? new Ipvsadm.Result(load.message() + "\n", "", 0)
                : new Ipvsadm.Result("", "jvs daemon: " + load.message() + "\n", 1);
    }

    /**
     * The admin token: from {@code --admin-token-file} (created if missing), else {@code $JVS_ADMIN_TOKEN}, else, for
     * a TCP admin address, from the default token file (created if missing); none for a socket path otherwise.
     */
    private String adminToken(DaemonCommand.Options o) throws StartException {
        try {
            if (o.adminTokenFile != null) {
                adminTokenFile = o.adminTokenFile;
                return AdminToken.readOrCreate(o.adminTokenFile);
            }
            String env = o.adminTokenFromEnvironment;
            if (env != null && !env.isEmpty()) {
                return AdminToken.check(env, "JVS_ADMIN_TOKEN");
            }
            if (AdminToken.requiredFor(o.admin)) {
                adminTokenFile = AdminToken.defaultFile();
                return AdminToken.readOrCreate(adminTokenFile);
            }
            return null;
        } catch (IOException e) {
            throw new StartException(1, "jvs daemon: cannot read or create the admin token file: " + e);
        } catch (IllegalArgumentException e) {
            throw new StartException(1, "jvs daemon: " + e.getMessage());
        }
    }

    /** The file the admin token was read from, or null (no token, or one from the environment). */
    Path adminTokenFile() {
        return adminTokenFile;
    }

    private void startHttp(InetSocketAddress address) throws StartException {
        // The data path's own table: a member without a majority still shows what it serves (reads through the
        // cluster would be refused).
        StatusPage page = new StatusPage(lb, checker, config == null ? () -> null : config::last,
                lb.transport().name().toLowerCase(Locale.ROOT), hostName(),
                cluster == null ? List::of : () -> ClusterPart.lines(cluster));
        try {
            http = StatusEndpoint.start(address, lb, checker, page);
        } catch (IOException e) {
            throw new StartException(1, "jvs daemon: --http: " + e.getMessage());
        }
        closeables.add(http);
        if (!http.address().getAddress().isLoopbackAddress()) {
            LOG.log(Level.WARNING, "the status page and metrics on " + http.address() + " can be read by anyone who "
                    + "reaches that address (read-only, no authentication)");
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    NettyLoadBalancer loadBalancer() {
        return lb;
    }

    /** The table jvsadm changes: the clustered load balancer with {@code --cluster}, else the director's own. */
    LoadBalancer table() {
        return table;
    }

    /** The cluster member, or null without {@code --cluster}. */
    ClusteredLoadBalancer cluster() {
        return cluster;
    }

    AdminServer admin() {
        return admin;
    }

    /** Whether the daemon serves a keepalived.conf (which a reload re-reads). */
    boolean hasConfig() {
        return config != null;
    }

    /** The status endpoint's address, or null without {@code --http}. */
    InetSocketAddress httpAddress() {
        return http == null ? null : http.address();
    }

    /** Re-reads {@code --config} and applies it (SIGHUP); logs the outcome. */
    void reload() {
        if (config == null) {
            LOG.log(Level.INFO, "SIGHUP: nothing to reload (the daemon runs without --config)");
            return;
        }
        config.reload(false);
    }

    /** What the latest load or reload of {@code --config} did, or null without one. */
    ConfigLoad lastLoad() {
        return config == null ? null : config.last();
    }

    /** Stops everything: HTTP, admin socket, checks, then the director (its connections close), then the lock. */
    @Override
    public void close() {
        closeables.close();
    }
}
