package io.jvs.examples.proxy;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.examples.HostPort;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@code jvs proxy}: a foreground TCP load balancer for quick use and for benchmarks. It runs until SIGINT or
 * SIGTERM, then closes its listeners and connections and exits 0. Bad arguments print one line and the usage, and
 * exit 2.
 */
public final class ProxyCommand {

    private static final String USAGE = String.join("\n",
            "usage: jvs proxy --listen HOST:PORT --backend HOST:PORT[@WEIGHT]... [--scheduler NAME]",
            "                 [--persistence SECONDS] [--transport auto|epoll|io_uring|nio] [--threads N]",
            "                 [--connect-timeout MILLIS]");

    private ProxyCommand() {}

    /** The parsed command line. */
    static final class Options {
        InetSocketAddress listen;
        final List<RealServer> backends = new ArrayList<>();
        String scheduler;
        Integer persistence;
        Transport transport = Transport.AUTO;
        Integer threads;
        Integer connectTimeoutMillis;

        VirtualService service() {
            VirtualService.Builder b = VirtualService.tcp(listen);
            if (scheduler != null) {
                b.scheduler(scheduler);
            }
            if (persistence != null) {
                b.persistence(Duration.ofSeconds(persistence));
            }
            return b.realServers(backends).build();
        }
    }

    /**
     * Parses the arguments.
     *
     * @throws IllegalArgumentException with a one-line message naming the bad argument
     */
    static Options parse(String[] args) {
        Options o = new Options();
        HostPort.options(args, (a, v) -> {
            switch (a) {
                case "--listen":
                    if (o.listen != null) {
                        throw new IllegalArgumentException("--listen: given twice");
                    }
                    o.listen = HostPort.parse(v, "--listen");
                    if (o.listen.getPort() == 0) {
                        throw new IllegalArgumentException("--listen port: 0 (expected: 1-65535)");
                    }
                    break;
                case "--backend":
                    o.backends.add(backend(v));
                    break;
                case "--scheduler":
                    o.scheduler = v;
                    break;
                case "--persistence":
                    o.persistence = HostPort.parseInt(v, 1, 2_678_400, "--persistence");
                    break;
                case "--transport":
                    o.transport = HostPort.parseTransport(v);
                    break;
                case "--threads":
                    o.threads = HostPort.parseInt(v, 1, 1024, "--threads");
                    break;
                case "--connect-timeout":
                    o.connectTimeoutMillis = HostPort.parseInt(v, 1, 3_600_000, "--connect-timeout");
                    break;
                default:
                    throw new IllegalArgumentException("unknown option '" + a + "'");
            }
        });
        if (o.listen == null) {
            throw new IllegalArgumentException("--listen: missing (expected: HOST:PORT)");
        }
        if (o.backends.isEmpty()) {
            throw new IllegalArgumentException("--backend: missing (expected: at least one HOST:PORT[@WEIGHT])");
        }
        return o;
    }

    private static RealServer backend(String v) {
        int at = v.lastIndexOf('@');
        InetSocketAddress address = HostPort.parse(at < 0 ? v : v.substring(0, at), "--backend");
        RealServer rs = RealServer.of(address);
        return at < 0 ? rs : rs.withWeight(HostPort.parseInt(v.substring(at + 1), 0, RealServer.MAX_WEIGHT,
                "--backend weight"));
    }

    /** Runs the proxy until SIGINT/SIGTERM; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Options o;
        VirtualService service;
        try {
            o = parse(args);
            service = o.service();
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("jvs proxy: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        NettyLoadBalancer.Builder b = NettyLoadBalancer.builder().transport(o.transport);
        if (o.threads != null) {
            b.ioThreads(o.threads);
        }
        if (o.connectTimeoutMillis != null) {
            b.connectTimeout(Duration.ofMillis(o.connectTimeoutMillis));
        }
        NettyLoadBalancer lb;
        try {
            lb = b.build();
        } catch (IllegalStateException e) {
            err.println("jvs proxy: " + e.getMessage());
            return 2;
        }
        try {
            lb.start(service).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            err.println("jvs proxy: " + e.getCause().getMessage());
            lb.close();
            return 1;
        } catch (Exception e) {
            err.println("jvs proxy: " + e);
            lb.close();
            return 1;
        }
        out.println("jvs proxy: " + service.id() + " " + service.schedulerName() + " -> "
                + service.realServers().stream().map(r -> Addresses.toString(r.address()) + "@" + r.weight())
                        .reduce((x, y) -> x + " " + y).orElse("") + " (" + lb.transport().name().toLowerCase(Locale.ROOT)
                + ")");
        out.flush();
        CountDownLatch stop = new CountDownLatch(1);
        Signals.onTermination(stop::countDown);
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        lb.close();
        out.println("jvs proxy: stopped");
        return 0;
    }
}
