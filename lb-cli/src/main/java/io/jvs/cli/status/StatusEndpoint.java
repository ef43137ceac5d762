package io.jvs.cli.status;

import io.jvs.api.LoadBalancer;
import io.jvs.cli.Closer;
import io.jvs.health.HealthChecker;
import io.jvs.micrometer.HealthMetrics;
import io.jvs.micrometer.LoadBalancerMetrics;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The daemon's {@code --http} endpoint with what it serves: the status page, and the Prometheus registry with the
 * director's, the health checker's and the JVM's meters. Closing it stops the server, then unbinds the meters.
 */
public final class StatusEndpoint implements AutoCloseable {

    private final Closer closeables = new Closer();
    private StatusServer server;

    private StatusEndpoint() {}

    /**
     * Serves {@code page} and the metrics of {@code lb} (and {@code checker}, when not null) on {@code address}.
     *
     * @throws IOException if the address cannot be bound
     */
    public static StatusEndpoint start(InetSocketAddress address, LoadBalancer lb, HealthChecker checker,
            StatusPage page) throws IOException {
        StatusEndpoint e = new StatusEndpoint();
        try {
            e.open(address, lb, checker, page);
            return e;
        } catch (IOException | RuntimeException x) {
            e.close();
            throw x;
        }
    }

    private void open(InetSocketAddress address, LoadBalancer lb, HealthChecker checker, StatusPage page)
            throws IOException {
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
        server = StatusServer.start(address, page, () -> {
            // Exact at every scrape: meters for services and servers added or removed since are synced first.
            lbMetrics.refresh();
            if (health != null) {
                health.refresh();
            }
            return registry.scrape();
        });
        closeables.add(server);
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return server.address();
    }

    @Override
    public void close() {
        closeables.close();
    }
}
