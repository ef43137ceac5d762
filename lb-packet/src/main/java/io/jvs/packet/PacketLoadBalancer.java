package io.jvs.packet;

import io.jvs.api.LoadBalancer;
import io.jvs.api.Ticker;
import io.jvs.api.internal.Checks;
import io.jvs.core.Director;
import io.jvs.core.ForwardingLoadBalancer;
import java.util.function.Consumer;

/**
 * A load balancer whose data path is the {@link PacketDataPath}: direct routing and tunnelling, as the LVS director
 * of the classic walk-through. Real servers use {@link io.jvs.api.ForwardingMethod#DR} or
 * {@link io.jvs.api.ForwardingMethod#TUN}; they hold the virtual address themselves and answer the clients directly.
 *
 * <pre>{@code
 * try (PacketLoadBalancer lb = PacketLoadBalancer.builder().interfaces("eth0").build()) {
 *     lb.start(VirtualService.tcp("192.168.0.200", 80)
 *             .scheduler("wrr")
 *             .realServer(RealServer.of("192.168.0.201", 80).withForwardingMethod(ForwardingMethod.DR))
 *             .realServer(RealServer.of("192.168.0.202", 80).withForwardingMethod(ForwardingMethod.DR))
 *             .build()).join();
 *     ...
 * }
 * }</pre>
 *
 * <p>To serve socket services (FULLNAT, NAT) in the same load balancer, build the {@link PacketDataPath} alone and
 * hand it to {@code NettyLoadBalancer.builder().additionalDataPath(...)}. Thread-safe.
 *
 * @since 0.1
 */
public final class PacketLoadBalancer extends ForwardingLoadBalancer {

    private final Director director;
    private final PacketDataPath dataPath;

    private PacketLoadBalancer(Director director, PacketDataPath dataPath) {
        this.director = director;
        this.dataPath = dataPath;
    }

    /** Starts building a packet load balancer. */
    public static Builder builder() {
        return new Builder();
    }

    /** The data path inside: its interfaces, VIP modes and counters. */
    public PacketDataPath dataPath() {
        return dataPath;
    }

    @Override
    protected LoadBalancer delegate() {
        return director;
    }

    /** Stops every service, then the workers; removes the nftables rules. Idempotent. */
    @Override
    public void close() {
        director.close();
    }

    @Override
    public String toString() {
        return "PacketLoadBalancer" + dataPath.interfaces() + director;
    }

    /** Builds a {@link PacketLoadBalancer}; {@link #interfaces} is required. */
    public static final class Builder {
        private final PacketDataPath.Builder path = PacketDataPath.builder();
        private Ticker ticker;
        private Consumer<Director.Builder> directorOptions;

        Builder() {}

        /**
         * The interfaces to serve (required); see {@link PacketDataPath.Builder#interfaces}.
         *
         * @throws IllegalArgumentException if none is given, or one is blank or repeated
         * @throws IllegalStateException if they were already set
         */
        public Builder interfaces(String... names) {
            path.interfaces(names);
            return this;
        }

        /**
         * Worker threads per interface; see {@link PacketDataPath.Builder#workers}.
         *
         * @throws IllegalArgumentException if it is not in 1 to the number of available processors
         * @throws IllegalStateException if it was already set
         */
        public Builder workers(int workers) {
            path.workers(workers);
            return this;
        }

        /**
         * Whether sent frames bypass the queueing discipline; see {@link PacketDataPath.Builder#qdiscBypass}.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder qdiscBypass(boolean bypass) {
            path.qdiscBypass(bypass);
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
         * Options of the {@link Director} inside, for example {@code .director(d -> d.expireNodestConn(true))}.
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
         * Starts the packet data path and returns the load balancer, with no services yet.
         *
         * @throws IllegalStateException if no interface was set or the packet data path cannot run here
         * @throws java.io.UncheckedIOException if an interface cannot be opened
         */
        public PacketLoadBalancer build() {
            PacketDataPath dp = path.build();
            try {
                Director.Builder d = Director.builder().dataPath(dp);
                if (ticker != null) {
                    d.ticker(ticker);
                }
                if (directorOptions != null) {
                    directorOptions.accept(d);
                }
                return new PacketLoadBalancer(d.build(), dp);
            } catch (RuntimeException e) {
                dp.close();
                throw e;
            }
        }
    }
}
