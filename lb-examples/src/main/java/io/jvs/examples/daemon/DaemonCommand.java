package io.jvs.examples.daemon;

import io.jvs.examples.HostPort;
import io.jvs.examples.proxy.Signals;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * {@code jvs daemon}: a foreground director driven like IPVS. It starts with an empty table, or restores a rules
 * file written by {@code ipvsadm -S} / {@code jvsadm -S}, and takes ipvsadm commands from {@code jvsadm} on an
 * admin socket. Listeners set {@code IP_FREEBIND}, so services can be added before their address exists on the
 * host. Every change is logged. SIGINT or SIGTERM closes the admin socket and the director and exits 0.
 */
public final class DaemonCommand {

    private static final Logger LOG = System.getLogger("io.jvs.examples.daemon");

    static final String USAGE = String.join("\n",
            "usage: jvs daemon [--admin PATH|127.0.0.1:PORT] [--rules FILE] [--transport auto|epoll|io_uring|nio]",
            "                  [--threads N]",
            "  --admin   the admin socket jvsadm talks to (default " + AdminServer.defaultAddress() + ")",
            "  --rules   ipvsadm -S rules to restore at start ('#' lines are comments); any error stops the start");

    private DaemonCommand() {}

    /** The parsed command line. */
    static final class Options {
        String admin = AdminServer.defaultAddress();
        Path rules;
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
                case "--rules":
                    o.rules = Path.of(v);
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
        String rules = null;
        if (o.rules != null) {
            try {
                rules = withoutComments(Files.readString(o.rules, StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.println("jvs daemon: cannot read --rules " + o.rules + ": " + e);
                return 2;
            }
        }
        NettyLoadBalancer lb;
        try {
            lb = build(o, true);
        } catch (IllegalStateException e) {
            if (!String.valueOf(e.getMessage()).startsWith("freeBind")) {
                err.println("jvs daemon: " + e.getMessage());
                return 2;
            }
            LOG.log(Level.WARNING, e.getMessage() + ": services need their address to exist before they are added");
            lb = build(o, false);
        }
        Ipvsadm ipvsadm = Ipvsadm.of(lb);
        if (rules != null) {
            Ipvsadm.Result r = ipvsadm.execute(List.of("-R"), rules);
            if (!r.ok() || !r.stderr().isEmpty()) {
                err.print(r.stderr());
                err.println("jvs daemon: restoring " + o.rules + " failed (status " + r.status() + "); not starting");
                lb.close();
                return 1;
            }
            LOG.log(Level.INFO, "restored " + lb.services().size() + " services from " + o.rules);
        }
        AdminServer server;
        try {
            server = AdminServer.start(o.admin, ipvsadm, DaemonCommand::log);
        } catch (IOException | IllegalArgumentException e) {
            err.println("jvs daemon: " + e.getMessage());
            lb.close();
            return 1;
        }
        out.println("jvs daemon: admin socket " + server.address() + ", " + lb.services().size() + " services ("
                + lb.transport().name().toLowerCase(Locale.ROOT) + " transport)");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.close();
        lb.close();
        out.println("jvs daemon: stopped");
        return 0;
    }

    private static NettyLoadBalancer build(Options o, boolean freeBind) {
        NettyLoadBalancer.Builder b = NettyLoadBalancer.builder().transport(o.transport).freeBind(freeBind);
        if (o.threads != null) {
            b.ioThreads(o.threads);
        }
        return b.build();
    }

    /** Drops the lines that start with {@code #}, as the {@code ipvsadm-restore} script does. */
    static String withoutComments(String text) {
        return text.lines().filter(l -> !l.startsWith("#")).collect(Collectors.joining("\n", "", "\n"));
    }

    /** Logs every change at INFO (who, what, how it ended); listings at DEBUG. */
    private static void log(List<String> args, Ipvsadm.Result result, String peer) {
        String line = "jvsadm (" + peer + "): " + String.join(" ", args) + " -> " + result.status()
                + (result.stderr().isEmpty() ? "" : ": " + result.stderr().strip().replace("\n", " / "));
        if (Ipvsadm.modifies(args)) {
            LOG.log(result.ok() ? Level.INFO : Level.WARNING, line);
        } else {
            LOG.log(Level.DEBUG, line);
        }
    }
}
