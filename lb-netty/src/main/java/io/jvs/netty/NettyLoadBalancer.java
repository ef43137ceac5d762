package io.jvs.netty;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancer;
import io.jvs.api.Ticker;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.ForwardingLoadBalancer;
import io.jvs.netty.internal.DataPathConfig;
import io.jvs.netty.internal.NettyDataPath;
import io.jvs.netty.internal.Transports;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;

/**
 * A load balancer whose data path is Netty: each virtual service listens on its address, and every client
 * connection (TCP) or flow (UDP) is relayed to the real server its scheduler picks, over a socket the director opens
 * itself.
 *
 * <p>Forwarding methods: {@link io.jvs.api.ForwardingMethod#FULLNAT} (the real server sees the director's address,
 * or one of the {@linkplain Builder#sourceAddresses source addresses}; a {@linkplain
 * io.jvs.api.RealServer#withProxyProtocol PROXY protocol} header can tell it the client's) and, on epoll or
 * io_uring with CAP_NET_ADMIN, {@link io.jvs.api.ForwardingMethod#NAT} (the director connects from the client's
 * own address with IP_TRANSPARENT; the real server must route its replies back through the director, which needs
 * the policy routing of {@code nat-director-setup.sh}, see docs/operations.md).
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
 * <p>On epoll (the default on Linux) TCP connections are relayed below Netty's channel layer, on the sockets'
 * descriptors registered with the event loops themselves: about 16 system calls per proxied connection (accept,
 * socket, connect, one {@code epoll_ctl} per socket, the reads, writes and closes) where channels take about 38. A
 * service that reads PROXY protocol headers is relayed over channels, as on io_uring and NIO; the system property
 * {@code io.jvs.netty.leanRelay=false} turns the lean relay off.
 *
 * <p>Memory: an idle TCP connection costs the director about 500 bytes of heap (its relay, its two sockets'
 * registrations and its connection-table entry) and no buffer: bytes are read into one 64 KiB buffer per event loop
 * and written on at once, and only what a slow reader does not take is kept (see {@link Builder#relayBuffer}). The
 * connection-table entry outlives the connection for its TIME_WAIT timeout (120 s by default, as in IPVS).
 *
 * <p>Thread-safe. The event-loop threads are named {@code jvs-io-*}.
 *
 * @since 0.1
 */
public final class NettyLoadBalancer extends ForwardingLoadBalancer {

    /** The relay buffer a connection gets when none is set: 128 KiB per direction. */
    public static final int DEFAULT_RELAY_BUFFER = 128 * 1024;

    /** The longest UDP datagram relayed when none is set: 4096 bytes. */
    public static final int DEFAULT_MAX_DATAGRAM_SIZE = 4096;

    /** The most UDP flows at once when no limit is set: 65,536 (about 2.5 KB of heap and a socket each). */
    public static final int DEFAULT_MAX_UDP_FLOWS = 65_536;

    /**
     * The most UDP flows at once on io_uring when no limit is set: 2,048. Netty 4.2.18's io_uring datagram channel
     * preallocates 512 message headers, about 175 KB of heap and 120 KB of native memory per socket.
     */
    public static final int DEFAULT_MAX_UDP_FLOWS_IO_URING = 2_048;

    private final Director director;
    private final NettyDataPath dataPath;
    private final Transport transport;

    private NettyLoadBalancer(Director director, NettyDataPath dataPath, Transport transport) {
        this.director = director;
        this.dataPath = dataPath;
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

    /**
     * What the data path counted: accepted clients, refusals and their reasons, failed connects, pauses for lack
     * of file descriptors. A snapshot; any thread.
     */
    public DataPathStats stats() {
        return dataPath.stats();
    }

    @Override
    protected LoadBalancer delegate() {
        return director;
    }

    /**
     * Stops accepting on every service, lets open connections finish for up to the {@linkplain
     * Builder#drainTimeout drain timeout}, resets the connections still open then, and stops the event loops.
     * Blocks until done; idempotent. Called from an event-loop thread, it resets open connections at once.
     */
    @Override
    public void close() {
        director.close();
    }

    @Override
    public String toString() {
        return "NettyLoadBalancer[" + transport + "]" + director;
    }

    /** Builds a {@link NettyLoadBalancer}; every option has a default and may be set once. */
    public static final class Builder {
        private Transport transport;
        private Integer ioThreads;
        private Duration connectTimeout;
        private Integer connectAttempts;
        private Integer relayBuffer;
        private List<InetAddress> sourceAddresses;
        private Duration drainTimeout;
        private ByteBufAllocator allocator;
        private Ticker ticker;
        private Consumer<Director.Builder> directorOptions;
        private Boolean freeBind;
        private Integer maxDatagramSize;
        private Integer maxUdpFlows;
        private Boolean sharePorts;
        private DataPath additionalDataPath;

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
         * The number of event-loop threads; the default is the number of available processors. Where the
         * transport offers SO_REUSEPORT every endpoint gets one listening socket per thread.
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
         * How long to wait for a real server to accept a connection (and, on a service that accepts PROXY
         * protocol, for the client's header); the default is 5 seconds.
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
         * How many bytes one direction of a connection may hold in the director before the sender is paused; the
         * default is {@value #DEFAULT_RELAY_BUFFER}. A direction holds at most this plus one receive buffer (at most
         * 64 KiB), however fast its sender and however slow its reader, so a connection costs at most about twice
         * that in the worst case, and far less while its reader keeps up (on epoll nothing at all: a buffer is taken
         * only while a reader is slower than its sender, and given back once it has caught up).
         *
         * @throws IllegalArgumentException if it is not in 4096-67108864 (4 KiB to 64 MiB)
         * @throws IllegalStateException if it was already set
         */
        public Builder relayBuffer(int bytes) {
            Checks.checkInRange(bytes, 4096, 64 << 20, "relayBuffer");
            Checks.checkNotSet(this.relayBuffer, "relayBuffer");
            this.relayBuffer = bytes;
            return this;
        }

        /**
         * The source addresses of full-NAT connections to real servers, used in turn; by default the kernel picks
         * the address of the outgoing interface. On epoll each is bound with IP_BIND_ADDRESS_NO_PORT, so one
         * address serves the whole local port range towards every real server (rather than once for all of them);
         * when the ports of every address run out, the client is reset and the error is logged, never a hang.
         * Each address is checked now by binding a socket to it.
         *
         * @throws IllegalArgumentException if the list is empty or an address cannot be bound here
         * @throws IllegalStateException if they were already set
         */
        public Builder sourceAddresses(Iterable<InetAddress> addresses) {
            Checks.checkNotNull(addresses, "sourceAddresses");
            LinkedHashSet<InetAddress> set = new LinkedHashSet<>();
            for (InetAddress a : addresses) {
                Checks.checkNotNull(a, "sourceAddress");
                Checks.checkArgument(!a.isAnyLocalAddress() && !a.isMulticastAddress(), "sourceAddress",
                        Addresses.toString(a), "a unicast address of this host");
                try (Socket s = new Socket()) {
                    s.bind(new InetSocketAddress(a, 0));
                } catch (IOException e) {
                    throw new IllegalArgumentException("sourceAddress: " + Addresses.toString(a)
                            + " (expected: an address of this host; binding it failed: " + e.getMessage() + ")", e);
                }
                set.add(a);
            }
            Checks.checkArgument(!set.isEmpty(), "sourceAddresses", "[]", "at least one address");
            Checks.checkNotSet(this.sourceAddresses, "sourceAddresses");
            this.sourceAddresses = new ArrayList<>(set);
            return this;
        }

        /**
         * How long {@link NettyLoadBalancer#close()} lets open connections finish before it resets them; the
         * default is 5 seconds. Zero resets them at once.
         *
         * @throws IllegalArgumentException if it is negative or longer than 1 hour
         * @throws IllegalStateException if it was already set
         */
        public Builder drainTimeout(Duration timeout) {
            Checks.checkNotNull(timeout, "drainTimeout");
            Checks.checkArgument(!timeout.isNegative() && timeout.compareTo(Duration.ofHours(1)) <= 0,
                    "drainTimeout", timeout, "PT0S-PT1H");
            Checks.checkNotSet(this.drainTimeout, "drainTimeout");
            this.drainTimeout = timeout;
            return this;
        }

        /**
         * The buffer allocator of every relayed socket; the default is Netty's {@link ByteBufAllocator#DEFAULT}
         * (the adaptive allocator in Netty 4.2; {@code -Dio.netty.allocator.type=pooled} switches to the pooled
         * one). Useful to meter or bound the data path's buffers.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder allocator(ByteBufAllocator allocator) {
            Checks.checkNotNull(allocator, "allocator");
            Checks.checkNotSet(this.allocator, "allocator");
            this.allocator = allocator;
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
         * The longest UDP datagram relayed, in bytes, in either direction; the default is
         * {@value NettyLoadBalancer#DEFAULT_MAX_DATAGRAM_SIZE}. A longer datagram is dropped and counted
         * ({@link DataPathStats#udpOversized()}), never cut short. Every UDP read takes a buffer of this size (a
         * listener one per datagram of a batch of up to 32), so raise it only as far as the protocol needs: DNS with
         * EDNS up to 4096, syslog up to 8192, jumbo frames 9000.
         *
         * @throws IllegalArgumentException if it is not in 512-65507
         * @throws IllegalStateException if it was already set
         */
        public Builder maxDatagramSize(int bytes) {
            Checks.checkInRange(bytes, 512, 65_507, "maxDatagramSize");
            Checks.checkNotSet(this.maxDatagramSize, "maxDatagramSize");
            this.maxDatagramSize = bytes;
            return this;
        }

        /**
         * The most UDP flows the data path relays at once, over all services; the default is
         * {@value NettyLoadBalancer#DEFAULT_MAX_UDP_FLOWS} ({@value NettyLoadBalancer#DEFAULT_MAX_UDP_FLOWS_IO_URING}
         * on io_uring, whose UDP sockets cost a hundred times more memory in Netty 4.2.18). A flow is a UDP client with its own socket to its real
         * server (a one-packet client has one per real server it used), so this bounds the sockets and the memory
         * a flood of new source addresses can take; a service's {@link io.jvs.api.VirtualService#maxConnections()}
         * bounds its own. At the limit the datagrams of new clients are dropped and counted
         * ({@link DataPathStats#udpFlowLimitDrops()}); existing flows carry on. Each flow also takes a connection
         * table entry ({@link #director}'s {@code maxConnections}) and a file descriptor ({@code ulimit -n}).
         *
         * @throws IllegalArgumentException if it is not in 1-16777216
         * @throws IllegalStateException if it was already set
         */
        public Builder maxUdpFlows(int flows) {
            Checks.checkInRange(flows, 1, 1 << 24, "maxUdpFlows");
            Checks.checkNotSet(this.maxUdpFlows, "maxUdpFlows");
            this.maxUdpFlows = flows;
            return this;
        }

        /**
         * Whether a service's listening sockets may share their address and port with another process's; the default
         * is false. Each endpoint listens with one socket per event loop (SO_REUSEPORT), and any other process of the
         * same user that sets SO_REUSEPORT on the same address and port would join them and take a share of the
         * clients: a second director started by mistake, for one. By default JVS first checks that no other socket
         * holds the address and port, and refuses to start the service if one does ({@code LoadBalancerException}
         * BIND_FAILED). Set it to run several processes behind one port on purpose.
         *
         * @throws IllegalStateException if it was already set
         * @since 0.1
         */
        public Builder sharePorts(boolean share) {
            Checks.checkNotSet(this.sharePorts, "sharePorts");
            this.sharePorts = share;
            return this;
        }

        /**
         * A second data path for the forwarding methods Netty does not carry, such as the packet data path of
         * {@code io.jvs.packet} (direct routing and tunnelling), so that socket and packet services run side by side
         * in this load balancer ({@link DataPath#byForwardingMethod}: each service on the path of its real servers'
         * method, a mix refused, a service with no real server yet on the path of DR when there is one). The load
         * balancer closes it.
         *
         * @throws IllegalArgumentException if it carries a method Netty carries (FULLNAT or NAT)
         * @throws IllegalStateException if it was already set
         * @since 0.1
         */
        public Builder additionalDataPath(DataPath path) {
            Checks.checkNotNull(path, "additionalDataPath");
            Checks.checkArgument(!path.supportedForwardingMethods().contains(ForwardingMethod.FULLNAT)
                    && !path.supportedForwardingMethods().contains(ForwardingMethod.NAT), "additionalDataPath",
                    path.supportedForwardingMethods(), "methods other than FULLNAT and NAT");
            Checks.checkNotSet(this.additionalDataPath, "additionalDataPath");
            this.additionalDataPath = path;
            return this;
        }

        /**
         * Starts the event loops and returns the load balancer, with no services yet. The transport, the number
         * of loops and whether NAT forwarding is available are logged.
         *
         * @throws IllegalStateException if the Netty on the class path is not 4.2 (the message names the versions
         *     found and the one needed), the requested native transport is unavailable here, or
         *     {@link #freeBind(boolean) freeBind} was asked of a transport that cannot set it
         */
        public NettyLoadBalancer build() {
            NettyRequirement.check();
            Transports t = Transports.of(transport == null ? Transport.AUTO : transport);
            boolean free = freeBind != null && freeBind;
            if (free && t.freeBindOption() == null) {
                throw new IllegalStateException("freeBind: true (expected: the EPOLL or IO_URING transport; "
                        + t.transport() + " cannot set IP_FREEBIND)");
            }
            DataPathConfig config = new DataPathConfig(t,
                    ioThreads == null ? Runtime.getRuntime().availableProcessors() : ioThreads,
                    (int) (connectTimeout == null ? 5000 : connectTimeout.toMillis()),
                    connectAttempts == null ? 3 : connectAttempts,
                    relayBuffer == null ? DEFAULT_RELAY_BUFFER : relayBuffer,
                    sourceAddresses == null ? List.of() : sourceAddresses,
                    drainTimeout == null ? 5000 : drainTimeout.toMillis(),
                    allocator, free, maxDatagramSize == null ? DEFAULT_MAX_DATAGRAM_SIZE : maxDatagramSize,
                    maxUdpFlows != null ? maxUdpFlows : t.transport() == Transport.IO_URING
                            ? DEFAULT_MAX_UDP_FLOWS_IO_URING : DEFAULT_MAX_UDP_FLOWS,
                    sharePorts != null && sharePorts);
            NettyDataPath dataPath = new NettyDataPath(config);
            Director.Builder d = Director.builder().dataPath(additionalDataPath == null ? dataPath
                    : DataPath.byForwardingMethod(dataPath, additionalDataPath));
            if (ticker != null) {
                d.ticker(ticker);
            }
            if (directorOptions != null) {
                directorOptions.accept(d);
            }
            Director director = d.build();
            dataPath.timeouts(director::timeouts);
            return new NettyLoadBalancer(director, dataPath, t.transport());
        }

        /** The options set, for example {@code NettyLoadBalancer.Builder[transport=EPOLL, ioThreads=4]}. */
        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            if (transport != null) {
                parts.add("transport=" + transport);
            }
            if (ioThreads != null) {
                parts.add("ioThreads=" + ioThreads);
            }
            if (connectTimeout != null) {
                parts.add("connectTimeout=" + connectTimeout);
            }
            if (connectAttempts != null) {
                parts.add("connectAttempts=" + connectAttempts);
            }
            if (relayBuffer != null) {
                parts.add("relayBuffer=" + relayBuffer);
            }
            if (sourceAddresses != null) {
                parts.add("sourceAddresses=" + sourceAddresses.stream().map(Addresses::toString).toList());
            }
            if (drainTimeout != null) {
                parts.add("drainTimeout=" + drainTimeout);
            }
            if (allocator != null) {
                parts.add("allocator=" + allocator.getClass().getSimpleName());
            }
            if (freeBind != null) {
                parts.add("freeBind=" + freeBind);
            }
            if (maxDatagramSize != null) {
                parts.add("maxDatagramSize=" + maxDatagramSize);
            }
            if (maxUdpFlows != null) {
                parts.add("maxUdpFlows=" + maxUdpFlows);
            }
            if (sharePorts != null) {
                parts.add("sharePorts=" + sharePorts);
            }
            if (additionalDataPath != null) {
                parts.add("additionalDataPath=" + additionalDataPath);
            }
            if (directorOptions != null) {
                parts.add("director=...");
            }
            return "NettyLoadBalancer.Builder" + parts;
        }
    }
}
