package io.jvs.netty.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.core.Connection;
import io.jvs.netty.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.EventExecutor;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How the data path's sockets are set up: the options every relayed socket gets, the local address of a socket toward
 * a real server (the client's for NAT, a source address for full NAT), the buffers of UDP flows. Immutable after
 * construction but for the source of the {@code udp} timeout; shared by every event loop.
 */
final class SocketSetup {

    /**
     * The largest buffer one relay read fills. Not 64 KiB: Netty 4.2.18's adaptive allocator serves 64 KiB requests
     * from its fallback path (a fresh, zeroed direct buffer for every read, cold in the cache), which cost a bulk
     * transfer about 40 % more CPU per byte than 32 KiB reads (iperf3, one stream through the director on loopback:
     * 8.6-10.4 against 12.4-17.6 Gbit/s).
     */
    private static final int MAX_READ = 32 * 1024;
    /** The largest UDP payload over IPv4 (65,535 minus the IP and UDP headers). */
    static final int MAX_UDP_PAYLOAD = 65_507;

    private final DataPathConfig config;
    private final Transports transports;
    private final Map<EventExecutor, LoopState> loopStates;
    private final WriteBufferWaterMark waterMark;
    private final RecvByteBufAllocator recvAllocator;
    /** The buffer of a UDP flow's socket: the longest datagram accepted plus one byte, and room for a PROXY header. */
    private final int legBufferSize;
    private final RecvByteBufAllocator legRecvAllocator;
    private final ByteBufAllocator allocator;
    private final SourceAddresses sources;
    private final String natUnavailable;
    private final boolean rearmHalfClosed;
    private volatile Supplier<Timeouts> timeouts = () -> Timeouts.DEFAULT;
    /** The director's clock, for one-packet clients' idle time. */
    private volatile Ticker ticker = Ticker.system();

    SocketSetup(DataPathConfig config, Map<EventExecutor, LoopState> loopStates) {
        this.config = config;
        this.transports = config.transports();
        this.loopStates = loopStates;
        int buffer = config.relayBuffer();
        this.waterMark = new WriteBufferWaterMark(buffer / 2, buffer);
        this.recvAllocator = new AdaptiveRecvByteBufAllocator(64, Math.min(2048, buffer), Math.min(MAX_READ, buffer));
        this.legBufferSize = config.maxDatagramSize() + 1 + ProxyV2.MAX_LENGTH;
        this.legRecvAllocator = new FixedRecvByteBufAllocator(legBufferSize);
        this.allocator = config.allocator() == null ? ByteBufAllocator.DEFAULT : config.allocator();
        this.sources = config.sourceAddresses().isEmpty() ? null : new SourceAddresses(config.sourceAddresses());
        this.natUnavailable = probeTransparent(transports);
        this.rearmHalfClosed = transports.transport() == Transport.EPOLL;
    }

    /** Null if client sockets can bind foreign addresses here, else why not. */
    private static String probeTransparent(Transports t) {
        if (!t.transparent()) {
            return "the " + t + " transport has no IP_TRANSPARENT (use epoll)";
        }
        SocketChannel ch = null;
        try {
            ch = t.newSocketChannel();
            t.setTransparent(ch);
            return null;
        } catch (RuntimeException e) {
            return "IP_TRANSPARENT refused (" + e.getMessage() + "; it needs CAP_NET_ADMIN)";
        } finally {
            if (ch != null) {
                ch.unsafe().closeForcibly();
            }
        }
    }

    Transports transports() {
        return transports;
    }

    DataPathConfig config() {
        return config;
    }

    SourceAddresses sources() {
        return sources;
    }

    ByteBufAllocator allocator() {
        return allocator;
    }

    /** Whether NAT forwarding (IP_TRANSPARENT) can be done here. */
    boolean nat() {
        return natUnavailable == null;
    }

    /** Why NAT forwarding cannot be done here, or null. */
    String natUnavailable() {
        return natUnavailable;
    }

    /**
     * Whether the transport relays empty (zero-length) UDP datagrams: io_uring does; Netty 4.2.18's epoll and NIO
     * datagram channels count an empty write as done without sending it (and epoll reads an empty reply as nothing).
     */
    boolean relaysEmptyDatagrams() {
        return transports.transport() == Transport.IO_URING;
    }

    /** Whether half-closed sockets must be re-armed before writing to them again (epoll; see {@link RelayLeg}). */
    boolean rearmHalfClosed() {
        return rearmHalfClosed;
    }

    /** The source of the {@code udp} timeout (the director's {@code --set}), for one-packet clients. */
    void timeouts(Supplier<Timeouts> source) {
        this.timeouts = source;
    }

    /** The director's clock ({@code NettyLoadBalancer.Builder.ticker}), so that a fake one drives idle expiry. */
    void ticker(Ticker ticker) {
        this.ticker = ticker;
    }

    /** The director's time, in nanoseconds. */
    long nanoTime() {
        return ticker.nanoTime();
    }

    long udpTimeoutNanos() {
        return timeouts.get().udp().toNanos();
    }

    /** Applies the client-socket settings every relayed socket gets (both legs). */
    void configure(Channel ch) {
        ChannelConfig c = ch.config();
        c.setAutoRead(false);
        c.setAllocator(allocator);
        c.setRecvByteBufAllocator(recvAllocator);
        c.setWriteBufferWaterMark(waterMark);
        c.setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (!io.netty.util.internal.PlatformDependent.canEnableTcpNoDelayByDefault()) {
            c.setOption(ChannelOption.TCP_NODELAY, true); // Netty already set it everywhere else: save the syscall
        }
    }

    /**
     * Applies the settings every UDP socket toward a real server gets; it will live on {@code loop}. It reads each
     * reply into a buffer of {@link #udpBuffers}' size.
     */
    void configureLeg(DatagramChannel ch, EventLoop loop) {
        ChannelConfig c = ch.config();
        c.setAllocator(udpBuffers(loop));
        c.setRecvByteBufAllocator(legRecvAllocator);
        c.setWriteBufferWaterMark(waterMark);
    }

    /**
     * The allocator of UDP flows' buffers on {@code loop}: reused memory of {@link #legBufferSize} bytes (so a reply,
     * or a datagram with its PROXY header, fits one), or the configured allocator if one was set.
     */
    ByteBufAllocator udpBuffers(EventLoop loop) {
        if (config.allocator() != null || !DatagramReadBuffers.available()) {
            return allocator;
        }
        return loopStates.get(loop).udpBuffers(legBufferSize, allocator);
    }

    /**
     * The address to bind a socket toward {@code conn}'s real server before connecting it: the client's (NAT, with
     * IP_TRANSPARENT; any port), the next configured source address (full NAT; any port), or null (the kernel's
     * choice).
     *
     * @throws IllegalStateException if NAT forwarding cannot be done for this connection
     */
    InetSocketAddress localAddress(Channel ch, Connection conn, InetSocketAddress remote, InetSocketAddress client) {
        RealServer rs = conn.destination().server();
        Transports t = transports;
        if (rs.forwardingMethod() == ForwardingMethod.NAT) {
            InetAddress c = client.getAddress();
            if ((c instanceof Inet4Address) != (remote.getAddress() instanceof Inet4Address)) {
                throw new IllegalStateException("NAT forwarding needs the client and the real server in one address "
                        + "family; use full NAT (with PROXY protocol) to mix IPv4 and IPv6");
            }
            try {
                t.setTransparent(ch);
            } catch (RuntimeException e) {
                throw new IllegalStateException("NAT forwarding: IP_TRANSPARENT refused (" + e.getMessage()
                        + "); the process needs CAP_NET_ADMIN", e);
            }
            if (ch instanceof SocketChannel) {
                t.setBindAddressNoPort((SocketChannel) ch);
            }
            return new InetSocketAddress(c, 0);
        }
        InetAddress src = sources == null ? null : sources.next(remote);
        if (src == null) {
            return null;
        }
        if (ch instanceof SocketChannel) {
            t.setBindAddressNoPort((SocketChannel) ch);
        }
        return new InetSocketAddress(src, 0);
    }
}
