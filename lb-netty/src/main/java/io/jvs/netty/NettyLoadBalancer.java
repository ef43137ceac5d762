package io.jvs.netty;

import io.jvs.api.LoadBalancer;
import io.jvs.api.Ticker;
import io.jvs.api.internal.Checks;
import io.jvs.core.Director;
import io.jvs.core.ForwardingLoadBalancer;
import io.jvs.netty.internal.NettyDataPath;
import io.jvs.netty.internal.Transports;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A load balancer whose data path is Netty: each virtual service listens on its address, and every client
 * connection is relayed to the real server its scheduler picks over a connection the director opens itself
 * (full NAT, {@link io.jvs.api.ForwardingMethod#FULLNAT}).
 *
 * <pre>{@code
 * try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
 *     lb.start(VirtualService.tcp("127.0.0.1", 8080)
 *             .scheduler("wrr")
 *             .realServer(RealServer.of("127.0.0.1", 9001).withWeight(3))
 *             .realServer(RealServer.of("127.0.0.1", 9002))
 *             .build()).join();
 *     ...
 * }
 * }</pre>
 *
 * @since 0.1
 */
public final class NettyLoadBalancer extends ForwardingLoadBalancer {

    private final Director director;
    private final Transport transport;

    private NettyLoadBalancer(Director director, Transport transport) {
        this.director = director;
        this.transport = transport;
    }

    /** Starts building a load balancer. */
    public static Builder builder() {
        return new Builder();
    }

    /** The transport in use (never {@link Transport#AUTO}). */
    public Transport transport() {
        return transport;
    }

    @Override
    protected LoadBalancer delegate() {
        return director;
    }

    @Override
    public String toString() {
        return "NettyLoadBalancer[" + transport + "]" + director;
    }

    /** Builds a {@link NettyLoadBalancer}; every option has a default. */
    public static final class Builder {
        private Transport transport;
        private Integer ioThreads;
        private Duration connectTimeout;
        private Integer connectAttempts;
        private Ticker ticker;
        private Consumer<Director.Builder> directorOptions;
        private Boolean freeBind;

        Builder() {}

        /**
         * The I/O transport; the default {@link Transport#AUTO} is epoll on Linux and NIO elsewhere.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder transport(Transport transport) {
            Checks.checkNotNull(transport, "transport");
            Checks.checkNotSet(this.transport, "transport");
            this.transport = transport;
            return this;
        }

        /**
         * The number of event-loop threads; the default is the number of available processors.
         *
         * @throws IllegalArgumentException if it is not in 1-1024
         * @throws IllegalStateException if it was already set
         */
        public Builder ioThreads(int ioThreads) {
            Checks.checkInRange(ioThreads, 1, 1024, "ioThreads");
            Checks.checkNotSet(this.ioThreads, "ioThreads");
            this.ioThreads = ioThreads;
            return this;
        }

        /**
         * How long to wait for a real server to accept a connection; the default is 5 seconds.
         *
         * @throws IllegalArgumentException if it is not between 1 ms and 1 hour
         * @throws IllegalStateException if it was already set
         */
        public Builder connectTimeout(Duration timeout) {
            Checks.checkNotNull(timeout, "connectTimeout");
            Checks.checkArgument(timeout.toMillis() >= 1 && timeout.compareTo(Duration.ofHours(1)) <= 0,
                    "connectTimeout", timeout, "PT0.001S-PT1H");
            Checks.checkNotSet(this.connectTimeout, "connectTimeout");
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * How many real servers to try for one client connection before giving up on it; the default is 3. When a
         * real server refuses, is unreachable or times out, the connection is placed on another server and the
         * failure counts against the one that failed, so while any server accepts no client sees a failure.
         *
         * @throws IllegalArgumentException if it is not in 1-100
         * @throws IllegalStateException if it was already set
         */
        public Builder connectAttempts(int attempts) {
            Checks.checkInRange(attempts, 1, 100, "connectAttempts");
            Checks.checkNotSet(this.connectAttempts, "connectAttempts");
            this.connectAttempts = attempts;
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
         * Options of the {@link Director} inside: the connection table's size and the IPVS switches, for example
         * {@code .director(d -> d.maxConnections(100_000).expireNodestConn(true))}. The data path and the ticker
         * are set by this builder.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder director(Consumer<Director.Builder> options) {
            Checks.checkNotNull(options, "director");
            Checks.checkNotSet(this.directorOptions, "director");
            this.directorOptions = options;
            return this;
        }

        /**
         * Whether service listeners set {@code IP_FREEBIND}, so a service can be added before its virtual address
         * exists on the host (as keepalived does before VRRP brings the address up); the default is false. Needs
         * the epoll or io_uring transport: Java NIO cannot set the option.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder freeBind(boolean freeBind) {
            Checks.checkNotSet(this.freeBind, "freeBind");
            this.freeBind = freeBind;
            return this;
        }

        /**
         * Starts the event loops and returns the load balancer, with no services yet.
         *
         * @throws IllegalStateException if the requested native transport is unavailable here, or
         *     {@link #freeBind(boolean) freeBind} was asked of a transport that cannot set it
         */
        public NettyLoadBalancer build() {
            Transports t = Transports.of(transport == null ? Transport.AUTO : transport);
            int threads = ioThreads == null ? Runtime.getRuntime().availableProcessors() : ioThreads;
            int timeoutMillis = (int) (connectTimeout == null ? 5000 : connectTimeout.toMillis());
            boolean free = freeBind != null && freeBind;
            if (free && t.freeBindOption() == null) {
                throw new IllegalStateException("freeBind: true (expected: the EPOLL or IO_URING transport; "
                        + t.transport() + " cannot set IP_FREEBIND)");
            }
            NettyDataPath dataPath = new NettyDataPath(t, threads, timeoutMillis,
                    connectAttempts == null ? 3 : connectAttempts, free);
            Director.Builder d = Director.builder().dataPath(dataPath);
            if (ticker != null) {
                d.ticker(ticker);
            }
            if (directorOptions != null) {
                directorOptions.accept(d);
            }
            return new NettyLoadBalancer(d.build(), t.transport());
        }
    }
}
