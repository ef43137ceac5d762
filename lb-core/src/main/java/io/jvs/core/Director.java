package io.jvs.core;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.LoadBalancerListener;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Checks;
import io.jvs.core.internal.ServiceTable;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A director: the IPVS service table driven by a {@link DataPath}. It is a complete {@link LoadBalancer};
 * transports such as {@code io.jvs.netty.NettyLoadBalancer} create one around their data path.
 *
 * <p>Control operations are serialized on the director; each is checked completely before anything changes.
 * The data path reads the table without locks.
 *
 * @since 0.1
 */
public final class Director implements LoadBalancer {

    private final ServiceTable table;

    private Director(Builder b) {
        this.table = new ServiceTable(b.dataPath, b.ticker, b.estimatorPeriodMillis);
    }

    /** Starts building a director. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public CompletableFuture<Void> start(VirtualService service) {
        Checks.checkNotNull(service, "service");
        return table.start(service);
    }

    @Override
    public void update(VirtualService service) {
        Checks.checkNotNull(service, "service");
        table.update(service);
    }

    @Override
    public CompletableFuture<Void> stop(ServiceId service) {
        Checks.checkNotNull(service, "service");
        return table.stop(service);
    }

    @Override
    public void addRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.addRealServer(service, server);
    }

    @Override
    public void editRealServer(ServiceId service, RealServer server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.editRealServer(service, server);
    }

    @Override
    public void removeRealServer(ServiceId service, InetSocketAddress server) {
        Checks.checkNotNull(service, "service");
        Checks.checkNotNull(server, "server");
        table.removeRealServer(service, server);
    }

    @Override
    public CompletableFuture<Void> clear() {
        return table.clear();
    }

    @Override
    public void zeroCounters() {
        table.zeroCounters(null);
    }

    @Override
    public void zeroCounters(ServiceId service) {
        Checks.checkNotNull(service, "service");
        table.zeroCounters(service);
    }

    @Override
    public List<ServiceStatus> services() {
        return table.services();
    }

    @Override
    public Optional<ServiceStatus> service(ServiceId service) {
        Checks.checkNotNull(service, "service");
        return table.service(service);
    }

    @Override
    public List<ConnectionStatus> connections() {
        return table.connections();
    }

    @Override
    public int connectionTableSize() {
        return table.connectionTableSize();
    }

    @Override
    public Timeouts timeouts() {
        return table.timeouts();
    }

    @Override
    public void setTimeouts(Timeouts timeouts) {
        Checks.checkNotNull(timeouts, "timeouts");
        table.setTimeouts(timeouts);
    }

    @Override
    public void addListener(LoadBalancerListener listener) {
        Checks.checkNotNull(listener, "listener");
        table.listeners().add(listener);
    }

    @Override
    public void removeListener(LoadBalancerListener listener) {
        table.listeners().remove(listener);
    }

    /** Runs one 2-second step of every rate estimator now (for tests that drive time themselves). */
    public void estimateRates() {
        table.estimate();
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return table.supportedForwardingMethods();
    }

    /**
     * The running service with this id, as its data path sees it, for tests and tools that drive a data path
     * of their own.
     */
    public Optional<ServiceBinding> binding(ServiceId service) {
        return Optional.ofNullable(table.binding(service));
    }

    @Override
    public void close() {
        table.close();
    }

    @Override
    public String toString() {
        return "Director" + table.ids();
    }

    /** Builds a {@link Director}. */
    public static final class Builder {
        private DataPath dataPath;
        private Ticker ticker;
        private long estimatorPeriodMillis = 2000;
        private boolean estimatorSet;

        Builder() {}

        /**
         * The data path that carries the traffic (required).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder dataPath(DataPath dataPath) {
            Checks.checkNotNull(dataPath, "dataPath");
            Checks.checkNotSet(this.dataPath, "dataPath");
            this.dataPath = dataPath;
            return this;
        }

        /**
         * The clock for timeouts and rates; the default is {@link Ticker#system()}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder ticker(Ticker ticker) {
            Checks.checkNotNull(ticker, "ticker");
            Checks.checkNotSet(this.ticker, "ticker");
            this.ticker = ticker;
            return this;
        }

        /**
         * Whether the rate estimator runs on its own thread every 2 seconds, as in IPVS (the default); without it,
         * rates move only when {@link Director#estimateRates()} is called.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder rateEstimator(boolean enabled) {
            Checks.checkNotSet(estimatorSet ? Boolean.valueOf(estimatorPeriodMillis > 0) : null, "rateEstimator");
            estimatorPeriodMillis = enabled ? 2000 : 0;
            estimatorSet = true;
            return this;
        }

        /**
         * Builds the director.
         *
         * @throws IllegalStateException if no data path was set
         */
        public Director build() {
            if (dataPath == null) {
                throw new IllegalStateException("dataPath: not set (expected: the transport's data path)");
            }
            Builder b = new Builder();
            b.dataPath = dataPath;
            b.ticker = ticker == null ? Ticker.system() : ticker;
            b.estimatorPeriodMillis = estimatorPeriodMillis;
            return new Director(b);
        }
    }
}
