package io.jvs.cli.daemon;

import io.jvs.api.LoadBalancer;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.HostPort;
import io.jvs.cli.Signals;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.AdminToken;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.netty.Transport;
import java.io.PrintStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code jvs daemon}: a foreground director driven like IPVS. It starts with an empty table, restores a rules
 * file written by {@code ipvsadm -S} / {@code jvsadm -S}, or serves the LVS part of a keepalived.conf with its
 * health checks (reloaded on SIGHUP), and takes ipvsadm commands from {@code jvsadm} on an admin socket. With
 * {@code --http} it serves a live status page and Prometheus metrics. Listeners set {@code IP_FREEBIND}, so
 * services can be added before their address exists on the host. Every change is logged. SIGINT or SIGTERM
 * closes everything and exits 0.
 */
public final class DaemonCommand {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");

    static final String USAGE = String.join("\n",
            "usage: jvs daemon [--config FILE | --rules FILE] [--admin PATH|HOST:PORT] [--admin-token-file FILE]",
            "                  [--http [HOST:]PORT] [--transport auto|epoll|io_uring|nio] [--threads N]",
            "  --config  a keepalived.conf: its virtual servers with their health checks; SIGHUP reloads it",
            "  --rules   ipvsadm -S rules to restore at start ('#' lines are comments); any error stops the start",
            "  --admin   the admin socket jvsadm talks to (default " + AdminServer.defaultAddress() + "); a TCP",
            "            HOST:PORT requires a token: --admin-token-file (created 0600 if missing), else",
            "            $JVS_ADMIN_TOKEN, else " + AdminToken.defaultFile() + " (created if missing)",
            "  --http    serve the status page (/), /status.json and Prometheus /metrics, read-only; a bare PORT",
            "            binds 127.0.0.1");

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
    }

    static Options parse(String[] args) {
        Options o = new Options();
        HostPort.options(args, (a, v) -> {
            switch (a) {
                case "--admin":
                    o.admin = v;
                    break;
                case "--admin-token-file":
                    o.adminTokenFile = Path.of(v);
                    break;
                case "--rules":
                    o.rules = Path.of(v);
                    break;
                case "--config":
                    o.config = Path.of(v);
                    break;
                case "--http":
                    o.http = v.chars().allMatch(Character::isDigit) && !v.isEmpty()
                            ? new InetSocketAddress(InetAddress.getLoopbackAddress(),
                                    HostPort.parseInt(v, 0, 65535, "--http port"))
                            : HostPort.parse(v, "--http");
                    break;
                case "--transport":
                    o.transport = HostPort.parseTransport(v);
                    break;
                case "--threads":
                    o.threads = HostPort.parseInt(v, 1, 1024, "--threads");
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        });
        if (o.rules != null && o.config != null) {
            // A saved table (jvsadm -S) holds the checked services too, so restoring both would collide; and a
            // reload could not tell the file's services from the restored ones. jvsadm can still add services.
            throw new IllegalArgumentException("--rules and --config both fill the table; use one (services added "
                    + "with jvsadm run beside the --config ones)");
        }
        return o;
    }

    /** Runs the daemon until SIGINT/SIGTERM; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            err.println("jvs daemon: " + e.getMessage());
            err.println(USAGE);
            return 2;
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
        Hangup.on(daemon::reload);
        LoadBalancer lb = daemon.loadBalancer();
        out.println("jvs daemon: admin socket " + daemon.admin().address() + (daemon.adminTokenFile() != null
                ? " (token in " + daemon.adminTokenFile() + ")" : daemon.admin().requiresToken() ? " (token required)"
                : "") + ", " + lb.services().size()
                + " services (" + daemon.loadBalancer().transport().name().toLowerCase(Locale.ROOT) + " transport)");
        if (daemon.httpAddress() != null) {
            out.println("jvs daemon: status page http://" + Addresses.toString(daemon.httpAddress())
                    + "/ (metrics at /metrics)");
        }
        out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        daemon.close();
        out.println("jvs daemon: stopped");
        return 0;
    }

    /** Drops the lines that start with {@code #}, as the {@code ipvsadm-restore} script does. */
    static String withoutComments(String text) {
        return text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n", "", "\n"));
    }

    /** Logs every change at INFO (who, what, how it ended); listings at DEBUG. */
    static void log(List<String> args, Ipvsadm.Result result, String peer) {
        String line = "jvsadm (" + peer + "): " + String.join(" ", args) + " -> " + result.status()
                + (result.stderr().isEmpty() ? "" : ": " + result.stderr().strip().replace("\n", " / "));
        if (Ipvsadm.modifies(args)) {
            LOG.log(result.ok() ? Level.INFO : Level.WARNING, line);
        } else {
            LOG.log(Level.DEBUG, line);
        }
    }
}
