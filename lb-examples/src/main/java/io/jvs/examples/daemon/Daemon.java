package io.jvs.examples.daemon;

import io.jvs.health.HealthChecker;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.AdminToken;
import io.jvs.ipvsadm.Ipvsadm;
import io.jvs.keepalived.KeepalivedParseException;
import io.jvs.micrometer.HealthMetrics;
import io.jvs.micrometer.LoadBalancerMetrics;
import io.jvs.netty.NettyLoadBalancer;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.System.Logger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A running {@code jvs daemon}: the director, the health checker of its keepalived.conf services (with
 * {@code --config}), the admin socket jvsadm talks to and the status/metrics endpoint (with {@code --http}).
 * {@link DaemonCommand} runs one in the foreground; tests start one in-process.
 */
final class Daemon implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.examples.daemon");

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
    private final HealthChecker checker;
    private final KeepalivedFile config;
    private final List<AutoCloseable> closeables = new ArrayList<>(); // closed in reverse order
    private AdminServer admin;
    private java.nio.file.Path adminTokenFile;
    private StatusServer http;

    private Daemon(NettyLoadBalancer lb, HealthChecker checker, KeepalivedFile config) {
        this.lb = lb;
        this.checker = checker;
        this.config = config;
    }

    /** Starts a daemon as {@code o} says; on failure everything started so far is closed again. */
    static Daemon start(DaemonCommand.Options o) throws StartException {
        String rules = null;
        if (o.rules != null) {
            try {
                rules = DaemonCommand.withoutComments(Files.readString(o.rules, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new StartException(2, "jvs daemon: cannot read --rules " + o.rules + ": " + e);
            }
        }
        NettyLoadBalancer lb = build(o);
        HealthChecker checker = o.config == null ? null : HealthChecker.create(lb);
        CheckedLoadBalancer table = checker == null ? null : new CheckedLoadBalancer(lb, checker);
        KeepalivedFile config = checker == null ? null : new KeepalivedFile(o.config, lb, checker, table);
        Daemon d = new Daemon(lb, checker, config);
        d.closeables.add(lb);
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

    private static NettyLoadBalancer build(DaemonCommand.Options o) throws StartException {
        try {
            return build(o, true);
        } catch (IllegalStateException e) {
            if (!String.valueOf(e.getMessage()).startsWith("freeBind")) {
                throw new StartException(2, "jvs daemon: " + e.getMessage());
            }
            LOG.log(Level.WARNING, e.getMessage() + ": services need their address to exist before they are added");
            return build(o, false);
        }
    }

    private static NettyLoadBalancer build(DaemonCommand.Options o, boolean freeBind) {
        NettyLoadBalancer.Builder b = NettyLoadBalancer.builder().transport(o.transport).freeBind(freeBind);
        if (o.threads != null) {
            b.ioThreads(o.threads);
        }
        return b.build();
    }

    private void startParts(DaemonCommand.Options o, String rules, CheckedLoadBalancer table) throws StartException {
        if (config != null) {
            try {
                config.load();
            } catch (IOException e) {
                throw new StartException(2, "jvs daemon: cannot read --config " + o.config + ": " + e);
            } catch (KeepalivedParseException e) {
                throw new StartException(1, "jvs daemon: " + e.getMessage() + "\njvs daemon: " + o.config
                        + " has an error; not starting");
            } catch (RuntimeException e) {
                throw new StartException(1, "jvs daemon: starting the services of " + o.config + " failed: "
                        + e.getMessage() + "; not starting");
            }
        }
        Ipvsadm ipvsadm = Ipvsadm.of(table != null ? table : lb);
        if (rules != null) {
            Ipvsadm.Result r = ipvsadm.execute(List.of("-R"), rules);
            if (!r.ok() || !r.stderr().isEmpty()) {
                throw new StartException(1, r.stderr() + "jvs daemon: restoring " + o.rules + " failed (status "
                        + r.status() + "); not starting");
            }
            LOG.log(Level.INFO, "restored " + lb.services().size() + " services from " + o.rules);
        }
        String token = adminToken(o);
        try {
            admin = AdminServer.start(o.admin, ipvsadm, DaemonCommand::log, token);
        } catch (IOException | IllegalArgumentException e) {
            throw new StartException(1, "jvs daemon: " + e.getMessage());
        }
        closeables.add(admin);
        if (o.http != null) {
            startHttp(o.http);
        }
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
    java.nio.file.Path adminTokenFile() {
        return adminTokenFile;
    }

    private void startHttp(InetSocketAddress address) throws StartException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        closeables.add(registry::close);
        // No refresh thread: every meter is read when scraped, and /metrics refreshes the meter set first.
        LoadBalancerMetrics lbMetrics = new LoadBalancerMetrics(lb, Tags.empty(), Duration.ZERO);
        lbMetrics.bindTo(registry);
        closeables.add(lbMetrics);
        HealthMetrics healthMetrics = null;
        if (checker != null) {
            healthMetrics = new HealthMetrics(checker);
            healthMetrics.bindTo(registry);
            closeables.add(healthMetrics);
        }
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        closeables.add(gc);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HealthMetrics health = healthMetrics;
        StatusPage page = new StatusPage(lb, checker, config, lb.transport().name().toLowerCase(Locale.ROOT),
                hostName());
        try {
            http = StatusServer.start(address, page, () -> {
                // Exact at every scrape: meters for services and servers added or removed since are synced first.
                lbMetrics.refresh();
                if (health != null) {
                    health.refresh();
                }
                return registry.scrape();
            });
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

    AdminServer admin() {
        return admin;
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
        config.reload();
    }

    /** What the latest load or reload of {@code --config} did, or null without one. */
    KeepalivedFile.Outcome lastLoad() {
        return config == null ? null : config.last();
    }

    /** Stops everything: HTTP, admin socket, metrics, checks, then the director (its connections close). */
    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "closing " + closeables.get(i) + " failed: " + e);
            }
        }
        closeables.clear();
    }
}
