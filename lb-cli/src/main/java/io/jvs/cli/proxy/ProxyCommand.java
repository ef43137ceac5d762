package io.jvs.cli.proxy;

import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.cli.Signals;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;

/**
 * {@code jvs proxy}: a foreground TCP (or, with {@code --udp}, UDP) load balancer for quick use and for benchmarks.
 * It runs until SIGINT or SIGTERM, then closes its listeners and connections and exits 0. Bad arguments print one
 * line and the usage, and exit 2.
 */
public final class ProxyCommand {

    /** The usage text, also part of {@code jvs help}. */
    public static final String USAGE = String.join("\n",
            "usage: jvs proxy --listen HOST:PORT --backend HOST:PORT[@WEIGHT]... [--scheduler NAME]",
            "                 [--persistence SECONDS] [--transport auto|epoll|io_uring|nio] [--threads N]",
            "                 [--connect-timeout MILLIS] [--connect-attempts N] [--forward fullnat|nat]",
            "                 [--source IP[,IP...]] [--send-proxy v1|v2] [--accept-proxy CIDR[,CIDR...]]",
            "                 [--max-connections N] [--upper-threshold N] [--relay-buffer BYTES]",
            "                 [--drain-timeout MILLIS] [--allow CIDR[,CIDR...]] [--deny CIDR[,CIDR...]]",
            "                 [--source-connections N] [--source-rate N[:BURST]] [--source-prefix V4,V6]",
            "                 [--await-data MILLIS] [--table-size N] [--memory-threshold BYTES[k|m|g]]",
            "                 [--check passive|tcp|http:/PATH|none] [--check-interval MILLIS]",
            "                 [--udp [--one-packet] [--max-datagram-size BYTES] [--max-udp-flows N]",
            "                        [--udp-timeout SECONDS]]",
            "  --check  passive (default): a real server whose connects fail " + ProxyHealth.FALL + " times in a row is "
                    + "taken out,",
            "           probed with a TCP connect every --check-interval (default 2000 ms) and put back after "
                    + ProxyHealth.RISE,
            "           good probes; tcp or http:/PATH add an active check every interval; none: no checks");

    /** How long stopping may take before the process exits regardless (the drain timeout is at most an hour). */
    private static final Duration STOP_DEADLINE_MIN = Duration.ofSeconds(20);
    private static final String IO_URING_MULTISHOT_ACCEPT = "io.netty.iouring.acceptMultiShotEnabled";

    private ProxyCommand() {}

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad argument
     */
    static ProxyOptions parse(String[] args) {
        return ProxyOptions.parse(args);
    }

    /** Runs the proxy until SIGINT/SIGTERM; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ProxyOptions o;
        VirtualService service;
        try {
            o = parse(args);
            if (o.help) {
                out.println(USAGE);
                return 0;
            }
            service = o.service();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("jvs proxy: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (o.transport == Transport.IO_URING && System.getProperty(IO_URING_MULTISHOT_ACCEPT) == null) {
            // Netty 4.2.18's multishot accept keeps completing with EMFILE while accepting is paused for lack of
            // file descriptors; one-shot accepts let the pause hold (see README, "Data path").
            System.setProperty(IO_URING_MULTISHOT_ACCEPT, "false");
        }
        NettyLoadBalancer lb;
        try {
            lb = o.loadBalancer().build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("jvs proxy: " + e.getMessage());
            return 2;
        }
        if (o.udpTimeout != null) {
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, o.udpTimeout));
        }
        ProxyHealth health;
        try {
            health = ProxyHealth.start(lb, service, o.check(), Duration.ofMillis(o.checkIntervalMillis),
                    o.probeTimeout());
        } catch (IllegalStateException e) {
            err.println("jvs proxy: " + e.getMessage());
            lb.close();
            return 1;
        }
        out.println("jvs proxy: " + service.id() + " " + service.schedulerName() + " -> "
                + service.realServers().stream().map(r -> Addresses.toString(r.address()) + "@" + r.weight())
                        .reduce((x, y) -> x + " " + y).orElse("") + " (" + lb.transport().name().toLowerCase(Locale.ROOT)
                + ", " + o.forward.listingName() + ", checks: " + o.check()
                + (o.check().equals(ProxyHealth.Check.NONE) ? "" : " every " + o.checkIntervalMillis + " ms") + ")");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        Signals.awaitThenClose(stop, () -> {
            health.close();
            lb.close();
        }, Duration.ofMillis(Math.max(STOP_DEADLINE_MIN.toMillis(),
                (o.drainTimeoutMillis == null ? 5000 : o.drainTimeoutMillis) + 15_000)), "jvs proxy");
        out.println("jvs proxy: stopped");
        return 0;
    }
}
