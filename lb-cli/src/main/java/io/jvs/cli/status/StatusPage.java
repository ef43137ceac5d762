package io.jvs.cli.status;

import io.jvs.api.LoadBalancer;
import io.jvs.health.HealthChecker;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the status page and {@code /status.json} show: a {@linkplain StatusView snapshot} of the director's table
 * and the health checker's view, taken at each request and rendered as {@linkplain StatusHtml HTML} or
 * {@linkplain StatusJson JSON}.
 */
public final class StatusPage {

    private final LoadBalancer lb;
    private final HealthChecker checker; // may be null
    private final Supplier<ConfigLoad> config;
    private final String transport;
    private final String host;
    private final Instant started = Instant.now();
    private final Supplier<List<String>> cluster;

    /**
     * @param checker the health checker, or null
     * @param config the latest load of the configuration file (null before the first, or without one)
     * @param transport the data path's transport, as the page names it
     * @param host the director's host name
     */
    public StatusPage(LoadBalancer lb, HealthChecker checker, Supplier<ConfigLoad> config, String transport,
            String host) {
        this(lb, checker, config, transport, host, List::of);
    }

    /**
     * A page that also shows {@code cluster}'s lines (the cluster member and its sync stream), taken at each request.
     */
    public StatusPage(LoadBalancer lb, HealthChecker checker, Supplier<ConfigLoad> config, String transport,
            String host, Supplier<List<String>> cluster) {
        this.cluster = cluster;
        this.lb = lb;
        this.checker = checker;
        this.config = config;
        this.transport = transport;
        this.host = host;
    }

    /** Takes one snapshot of the table and the checker. */
    StatusView view() {
        return StatusView.take(lb, checker, started, config.get(), cluster.get());
    }

    /** The HTML page of a new snapshot. */
    String html() {
        return StatusHtml.page(view(), host, transport);
    }

    /** The JSON of a new snapshot. */
    String json() {
        return StatusJson.of(view(), transport);
    }
}
