package io.jvs.cli.daemon;

import io.jvs.api.LoadBalancer;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.HostPort;
import io.jvs.cli.Signals;
import io.jvs.cli.jvsadm.Jvsadm;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.AdminToken;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.ipvsadm.internal.LogText;
import io.jvs.netty.Transport;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jvs daemon}: a foreground director driven like IPVS. It starts with an empty table, restores a rules
 * file written by {@code ipvsadm -S} / {@code jvsadm -S}, or serves the LVS part of a keepalived.conf with its
 * health checks (reloaded on SIGHUP or {@code jvs daemon --reload}), and takes ipvsadm commands from
 * {@code jvsadm} on an admin socket. With {@code --http} it serves a live status page and Prometheus metrics.
 * Listeners set {@code IP_FREEBIND}, so services can be added before their address exists on the host. Every
 * change is logged. SIGINT or SIGTERM closes everything and exits 0, within {@link #STOP_DEADLINE} whatever the
 * clients do.
 */
public final class DaemonCommand {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");
    /** How long stopping may take before the process exits regardless. */
    static final Duration STOP_DEADLINE = Duration.ofSeconds(20);

    static final String USAGE = String.join("\n",
            "usage: jvs daemon [--config FILE | --rules FILE] [--admin PATH|HOST:PORT] [--admin-token-file FILE]",
            "                  [--http [HOST:]PORT] [--transport auto|epoll|io_uring|nio] [--threads N]",
            "                  [--interface IFACE]...",
            "                  [--cluster NAME --cluster-bind IP:PORT --cluster-peers IP:PORT,... [--cluster-log DIR]",
            "                   [--sync-daemon both|master|backup|none]]",
            "       jvs daemon --reload [--allow-empty] [--admin PATH|HOST:PORT] [--admin-token-file FILE]",
            "  --config  a keepalived.conf: its virtual servers with their health checks; SIGHUP reloads it",
            "  --rules   ipvsadm -S rules to restore at start ('#' lines are comments); any error stops the start",
            "  --admin   the admin socket jvsadm talks to (default " + AdminServer.defaultAddress() + "); a TCP",
            "            HOST:PORT requires a token: --admin-token-file (created 0600 if missing), else",
            "            $JVS_ADMIN_TOKEN, else " + AdminToken.defaultFile() + " (created if missing)",
            "  --http    serve the status page (/), /status.json and Prometheus /metrics, read-only; a bare PORT",
            "            binds 127.0.0.1",
            "  --cluster one service table with the directors at --cluster-peers, through consensus (Raft); jvsadm",
            "            works on any member; the connection-sync stream uses the next port; --cluster-log keeps the",
            "            Raft log in DIR; --sync-daemon starts the sync roles (default both: active-active); with",
            "            --config every member runs the same file and the leader's health checks change the table",
            "  --reload  make the running daemon at --admin re-read its --config, as SIGHUP does (also where SIGHUP",
            "            is ignored, under nohup); a file without virtual servers is refused unless --allow-empty",
            "  --interface  serve direct routing (-g) and tunnelling (-i) on this interface (repeatable): the packet",
            "            data path, on Java 22+ as root; a VIP configured on the director is kept from its kernel by",
            "            an nftables rule, any other is answered for by ARP (see docs/packet-path.md)");

    private static final java.util.Set<String> FLAGS = java.util.Set.of("-h", "--help", Daemon.RELOAD,
            Daemon.ALLOW_EMPTY);

    private DaemonCommand() {}

    /** The parsed command line. */
    static final class Options {
        String admin = AdminServer.defaultAddress();
        Path adminTokenFile;
        /** $JVS_ADMIN_TOKEN, read when the options are made. */
        String adminTokenFromEnvironment = System.getenv("JVS_ADMIN_TOKEN");
        Path rules;
        Path config;
        InetSocketAddress http;
        Transport transport = Transport.AUTO;
        Integer threads;
        /** --interface, in order; empty: no packet data path. */
        final java.util.List<String> interfaces = new java.util.ArrayList<>();
        boolean help;
        boolean reload;
        boolean allowEmpty;
        String cluster;
        InetSocketAddress clusterBind;
        List<InetSocketAddress> clusterPeers;
        Path clusterLog;
        String syncDaemon = "both";
        /** For tests that run several members in one JVM: listeners share their ports (SO_REUSEPORT). */
        boolean sharePorts;
    }

    static Options parse(String[] args) {
        Options o = new Options();
        HostPort.options(args, FLAGS, (a, v) -> {
            switch (a) {
                case "-h", "--help" -> o.help = true;
                case Daemon.RELOAD -> o.reload = true;
                case Daemon.ALLOW_EMPTY -> o.allowEmpty = true;
                case "--admin" -> o.admin = v;
                case "--admin-token-file" -> o.adminTokenFile = Path.of(v);
                case "--rules" -> o.rules = Path.of(v);
                case "--config" -> o.config = Path.of(v);
                case "--http" -> o.http = v.chars().allMatch(Character::isDigit) && !v.isEmpty()
                        ? new InetSocketAddress(InetAddress.getLoopbackAddress(),
                                HostPort.parseInt(v, 0, 65535, "--http port"))
                        : HostPort.parse(v, "--http");
                case "--transport" -> o.transport = HostPort.parseTransport(v);
                case "--threads" -> o.threads = HostPort.parseInt(v, 1, 1024, "--threads");
                case "--cluster" -> o.cluster = v;
                case "--cluster-bind" -> o.clusterBind = HostPort.parse(v, "--cluster-bind");
                case "--cluster-peers" -> o.clusterPeers = peers(v);
                case "--cluster-log" -> o.clusterLog = Path.of(v);
                case "--sync-daemon" -> o.syncDaemon = syncRoles(v);
                case "--interface" -> {
                    if (v.isBlank() || v.length() > 15 || v.contains("/") || o.interfaces.contains(v)) {
                        throw new IllegalArgumentException("--interface: " + v + " (expected: an interface name of "
                                + "1-15 characters, each interface once)");
                    }
                    o.interfaces.add(v);
                }
                default -> throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        });
        if (o.help) {
            return o;
        }
        if (o.rules != null && o.config != null) {
            // A saved table (jvsadm -S) holds the checked services too, so restoring both would collide; and a
            // reload could not tell the file's services from the restored ones. jvsadm can still add services.
            throw new IllegalArgumentException("--rules and --config both fill the table; use one (services added "
                    + "with jvsadm run beside the --config ones)");
        }
        boolean clusterPart = o.clusterBind != null || o.clusterPeers != null || o.clusterLog != null;
        if (o.cluster == null && clusterPart) {
            throw new IllegalArgumentException("--cluster-bind, --cluster-peers and --cluster-log: only with --cluster");
        }
        if (o.cluster != null) {
            if (o.clusterBind == null || o.clusterPeers == null) {
                throw new IllegalArgumentException("--cluster: needs --cluster-bind IP:PORT and --cluster-peers "
                        + "IP:PORT,...");
            }
            if (o.rules != null) {
                // A rules file restored at every start would add its services again on each member that starts,
                // on top of the cluster's table, which already has them (or refuse them: "Service already exists").
                throw new IllegalArgumentException("--cluster: the table comes from the cluster, so --rules is not "
                        + "taken with it (a restore at every member's start would add the services again); restore "
                        + "the rules once with jvsadm -R on one member");
            }
        }
        if (o.allowEmpty && !o.reload) {
            throw new IllegalArgumentException(Daemon.ALLOW_EMPTY + ": only with " + Daemon.RELOAD);
        }
        if (o.reload && (o.rules != null || o.config != null || o.http != null || o.threads != null
                || !o.interfaces.isEmpty())) {
            throw new IllegalArgumentException(Daemon.RELOAD + ": talks to a running daemon; it takes only --admin, "
                    + "--admin-token-file and --allow-empty");
        }
        return o;
    }

    private static List<InetSocketAddress> peers(String v) {
        List<InetSocketAddress> l = new java.util.ArrayList<>();
        for (String p : v.split(",", -1)) {
            l.add(HostPort.parse(p.trim(), "--cluster-peers"));
        }
        return l;
    }

    private static String syncRoles(String v) {
        if (!List.of("both", "master", "backup", "none").contains(v)) {
            throw new IllegalArgumentException("--sync-daemon: " + v + " (expected: both, master, backup or none)");
        }
        return v;
    }

    /** Runs the daemon until SIGINT/SIGTERM, or {@code --reload}; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.in, out, err);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvs daemon: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.help) {
            out.println(USAGE);
            return 0;
        }
        if (o.reload) {
            return reload(o, in, out, err);
        }
        Daemon daemon;
        try {
            daemon = Daemon.start(o);
        } catch (Daemon.StartException e) {
            err.println(e.getMessage());
            return e.status;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        Hangup.Outcome hup = Hangup.on(daemon::reload);
        if (daemon.hasConfig() && hup != Hangup.Outcome.HANDLED) {
            LOG.log(Level.WARNING, (hup == Hangup.Outcome.IGNORED
                    ? "SIGHUP is ignored in this process (started with nohup, or by a parent that ignores it)"
                    : "SIGHUP cannot be caught in this JVM") + ", so kill -HUP will not reload " + o.config
                    + "; reload with: jvs daemon --reload --admin " + daemon.admin().address());
        }
        // The services this director serves now: on a cluster its local copy of the table, since the cluster's own
        // listing is a linearizable read that a member started before its peers cannot make yet.
        LoadBalancer lb = daemon.loadBalancer();
        out.println("jvs daemon: admin socket " + daemon.admin().address() + (daemon.adminTokenFile() != null
                ? " (token in " + daemon.adminTokenFile() + ")" : daemon.admin().requiresToken() ? " (token required)"
                : "") + ", " + lb.services().size()
                + " services (" + daemon.loadBalancer().transport().name().toLowerCase(Locale.ROOT) + " transport)"
                + (o.cluster == null ? "" : ", cluster " + o.cluster + " at "
                        + Addresses.toString(o.clusterBind)));
        if (daemon.httpAddress() != null) {
            out.println("jvs daemon: status page http://" + Addresses.toString(daemon.httpAddress())
                    + "/ (metrics at /metrics)");
        }
        out.flush();
        Signals.awaitThenClose(stop, daemon, STOP_DEADLINE, "jvs daemon");
        out.println("jvs daemon: stopped");
        return 0;
    }

    /** {@code jvs daemon --reload}: asks the daemon at {@code --admin} to reload, as jvsadm would. */
    private static int reload(Options o, InputStream in, PrintStream out, PrintStream err) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("JVS_ADMIN", o.admin);
        if (o.adminTokenFile != null) {
            env.remove("JVS_ADMIN_TOKEN");
            env.put("JVS_ADMIN_TOKEN_FILE", o.adminTokenFile.toString());
        }
        List<String> command = o.allowEmpty ? List.of(Daemon.RELOAD, Daemon.ALLOW_EMPTY) : List.of(Daemon.RELOAD);
        return Jvsadm.run(command, env, in, out, err);
    }

    /** Logs every change at INFO (who, what, how it ended); listings at DEBUG. Everything from outside is escaped. */
    static void log(List<String> args, Ipvsadm.Result result, String peer) {
        String line = "jvsadm (" + LogText.escape(peer) + "): " + LogText.escape(String.join(" ", args)) + " -> "
                + result.status() + (result.stderr().isEmpty() ? "" : ": "
                + LogText.escape(result.stderr().strip()));
        boolean change = Ipvsadm.modifies(args) || (!args.isEmpty() && args.get(0).equals(Daemon.RELOAD));
        if (change) {
            LOG.log(result.ok() ? Level.INFO : Level.WARNING, line);
        } else {
            LOG.log(Level.DEBUG, line);
        }
    }
}
