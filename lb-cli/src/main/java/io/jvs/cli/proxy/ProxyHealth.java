package io.jvs.cli.proxy;

import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerListener;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthChecker;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The health of {@code jvs proxy}'s real servers ({@code --check}), run by lb-health's {@link HealthChecker}:
 * <ul>
 *   <li>{@code passive} (the default): no traffic to a server while its connections work. A connect the data path
 *       fails counts against the server (lb-health's passive checks, fed by
 *       {@link LoadBalancerListener#connectFailed}); after {@value #FALL} in a row it is taken out of the service,
 *       so new clients stop waiting for it (HAProxy's {@code observe layer4}, Envoy's outlier detection). From its
 *       first failure on it is probed with a TCP connect every interval, and put back after {@value #RISE}
 *       probes in a row succeed.</li>
 *   <li>{@code tcp}: a TCP connect every interval (keepalived's {@code TCP_CHECK}), and the passive counting.</li>
 *   <li>{@code http:PATH}: an HTTP GET of PATH every interval that must answer 2xx ({@code HTTP_GET}), and the
 *       passive counting.</li>
 *   <li>{@code none}: no checks; a failing server stays in.</li>
 * </ul>
 * Whatever the check, every connect failure is logged, at most once per 10 s and server, with how many there were.
 */
final class ProxyHealth implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.cli.proxy");
    /** Failed results in a row that take a server out. */
    static final int FALL = 3;
    /** Successful probes in a row that put it back. */
    static final int RISE = 2;
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long START_TIMEOUT_SECONDS = 30;

    /**
     * A {@code --check} value.
     *
     * @param kind {@code passive}, {@code tcp}, {@code http} or {@code none}
     * @param path the HTTP path, for {@code http}
     */
    record Check(String kind, String path) {

        static final Check PASSIVE = new Check("passive", null);
        static final Check NONE = new Check("none", null);

        /** Parses {@code passive}, {@code tcp}, {@code http:PATH} or {@code none}. */
        static Check parse(String text) {
            String t = text.toLowerCase(Locale.ROOT);
            switch (t) {
                case "passive", "tcp", "none":
                    return new Check(t, null);
                default:
                    if (t.startsWith("http:") && text.length() > 5 && text.charAt(5) == '/') {
                        String path = text.substring(5);
                        try {
                            HealthCheck.httpGet(path);
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("--check: " + text + " (expected: http:/PATH, a path "
                                    + "without white space or control characters)");
                        }
                        return new Check("http", path);
                    }
                    throw new IllegalArgumentException("--check: " + text + " (expected: passive, tcp, http:/PATH or "
                            + "none)");
            }
        }

        @Override
        public String toString() {
            return path == null ? kind : kind + ":" + path;
        }
    }

    private final LoadBalancer lb;
    private final HealthChecker checker;
    private final FailureLog failures;

    private ProxyHealth(LoadBalancer lb, HealthChecker checker, FailureLog failures) {
        this.lb = lb;
        this.checker = checker;
        this.failures = failures;
    }

    /**
     * Starts {@code service} on {@code lb} with its real servers checked as {@code check} says.
     *
     * @param interval how often active checks run, and a server out for failed connects is probed
     * @param probeTimeout how long a probe may take
     * @throws IllegalStateException with one line if the service does not start
     */
    static ProxyHealth start(LoadBalancer lb, VirtualService service, Check check, Duration interval,
            Duration probeTimeout) {
        FailureLog failures = new FailureLog(check.equals(Check.NONE) ? "no health checks (--check none)"
                : "taken out after " + FALL + " in a row, probed every " + interval.toMillis() + " ms");
        lb.addListener(failures);
        HealthChecker checker = check.equals(Check.NONE) ? null : HealthChecker.create(lb);
        ProxyHealth health = new ProxyHealth(lb, checker, failures);
        try {
            if (checker == null) {
                lb.start(service).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } else {
                HealthCheck probe = probe(check, failures, probeTimeout).withSettings(CheckSettings.defaults()
                        .withInterval(interval).withTimeout(probeTimeout).withRetries(0).withFall(FALL)
                        .withRise(RISE));
                checker.start(CheckedService.builder(service).servers(s -> s.withChecks(probe).withPassive(true))
                        .build()).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            return health;
        } catch (ExecutionException e) {
            health.close();
            throw new IllegalStateException(String.valueOf(e.getCause().getMessage()), e.getCause());
        } catch (TimeoutException e) {
            health.close();
            throw new IllegalStateException(service.id() + " did not start within " + START_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            health.close();
            throw new IllegalStateException("interrupted");
        }
    }

    private static HealthCheck probe(Check check, FailureLog failures, Duration timeout) {
        return switch (check.kind()) {
            case "tcp" -> HealthCheck.tcp();
            case "http" -> HealthCheck.httpGet(check.path());
            default -> HealthCheck.predicate("TCP connect after a failed connect", server ->
                    !failures.suspect(server) || probeConnect(server, timeout, failures));
        };
    }

    /** Connects to {@code server} and closes; a success clears the suspicion. */
    private static boolean probeConnect(InetSocketAddress server, Duration timeout, FailureLog failures) {
        try (Socket s = new Socket()) {
            s.connect(server, (int) Math.max(1, timeout.toMillis()));
            failures.cleared(server);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the checks; the service stays with the load balancer, which the caller closes. */
    @Override
    public void close() {
        if (checker != null) {
            checker.close();
        }
        lb.removeListener(failures);
    }

    /**
     * Counts the data path's connect failures per server, logs them at most once per 10 s per server, and keeps
     * the servers that failed since their last successful probe. Runs on data-path threads: no blocking, and an
     * allocation only at a server's first failure.
     */
    static final class FailureLog implements LoadBalancerListener {
        private final String consequence;
        private final ConcurrentHashMap<InetSocketAddress, AtomicLong[]> counts = new ConcurrentHashMap<>();
        private final Set<InetSocketAddress> suspects = ConcurrentHashMap.newKeySet();

        FailureLog(String consequence) {
            this.consequence = consequence;
        }

        @Override
        public void connectFailed(ServiceId service, InetSocketAddress server) {
            suspects.add(server);
            AtomicLong[] c = counts.computeIfAbsent(server, k -> new AtomicLong[] {new AtomicLong(),
                new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS)});
            long n = c[0].incrementAndGet();
            long now = System.nanoTime();
            long last = c[1].get();
            if (now - last >= WARN_INTERVAL_NANOS && c[1].compareAndSet(last, now)) {
                c[0].addAndGet(-n);
                LOG.log(Level.WARNING, service + ": real server " + Addresses.toString(server) + ": " + n
                        + (n == 1 ? " connect failed" : " connects failed") + " (" + consequence + "; logged at most "
                        + "every 10 s)");
            }
        }

        boolean suspect(InetSocketAddress server) {
            return suspects.contains(server);
        }

        void cleared(InetSocketAddress server) {
            suspects.remove(server);
        }
    }
}
