package io.jvs.netty.internal;

import io.jvs.api.Cidr;
import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.api.RealServer;
import io.jvs.api.Timeouts;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.ServiceBinding;
import io.jvs.netty.DataPathStats;
import io.jvs.netty.Transport;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The Netty data path: listening sockets for every service endpoint, a {@link TcpRelay} per TCP client connection
 * and a {@link UdpFlow} per UDP client (received by a {@link UdpListener}).
 *
 * <p>Threads: {@code ioThreads} event loops. Where the transport offers SO_REUSEPORT each endpoint has one listening
 * socket per event loop, and a client accepted on a loop is relayed on that loop; otherwise one listener hands
 * clients to the loops in turn. Either way a client's connection to its real server lives on the client's loop,
 * so a connection is never touched by two threads.
 */
public final class NettyDataPath implements DataPath {

    /**
     * The largest buffer one relay read fills. Not 64 KiB: Netty 4.2.18's adaptive allocator serves 64 KiB requests
     * from its fallback path (a fresh, zeroed direct buffer for every read, cold in the cache), which cost a bulk
     * transfer about 40 % more CPU per byte than 32 KiB reads (iperf3, one stream through the director on loopback:
     * 8.6-10.4 against 12.4-17.6 Gbit/s).
     */
    private static final int MAX_READ = 32 * 1024;
    private static final Logger LOG = System.getLogger("io.jvs.netty.NettyLoadBalancer");
    private static final long OUT_OF_FILES_PAUSE_MILLIS = 250;
    /** The largest UDP payload over IPv4 (65,535 minus the IP and UDP headers). */
    static final int MAX_UDP_PAYLOAD = 65_507;
    /** Datagrams one {@code recvmmsg} on a UDP listener reads at most. */
    private static final int UDP_READ_BATCH = 32;
    /** Socket buffers of UDP listeners, for bursts (the kernel caps them at net.core.rmem_max / wmem_max). */
    private static final int UDP_LISTENER_BUFFER = 4 << 20;

    private final DataPathConfig config;
    private final Transports transports;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop[] loops;
    private final Map<EventExecutor, LoopState> loopStates;
    private final Map<ServiceBinding, ServiceState> services = new ConcurrentHashMap<>();
    private final Map<Key, List<Channel>> listeners = new ConcurrentHashMap<>();
    private final WriteBufferWaterMark waterMark;
    private final RecvByteBufAllocator recvAllocator;
    /** The buffer of a UDP flow's socket: the longest datagram accepted plus one byte, and room for a PROXY header. */
    private final int legBufferSize;
    private final RecvByteBufAllocator legRecvAllocator;
    private final ByteBufAllocator allocator;
    private final SourceAddresses sources;
    private final boolean nat;
    private final boolean rearmHalfClosed;
    private final String natUnavailable;

    private final AtomicInteger open = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder noDestination = new LongAdder();
    private final LongAdder serviceLimitHeld = new LongAdder();
    private final LongAdder proxyProtocolRejected = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder localAddressFailures = new LongAdder();
    private final LongAdder acceptPauses = new LongAdder();
    private final AtomicInteger udpFlows = new AtomicInteger();
    private final LongAdder udpFlowLimitDrops = new LongAdder();
    private final LongAdder udpOversized = new LongAdder();
    private final LongAdder udpDropped = new LongAdder();
    private final WriteBufferWaterMark udpListenerWaterMark = new WriteBufferWaterMark(1 << 20, 2 << 20);
    private volatile Supplier<Timeouts> timeouts = () -> Timeouts.DEFAULT;
    private volatile boolean outOfFiles;
    private volatile boolean closed;

    final RateLimitedLog outOfFilesLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog acceptErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog localAddressLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog proxyProtocolLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog natLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog relayErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpLimitLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpOversizeLog = new RateLimitedLog(LOG, Level.WARNING);

    public NettyDataPath(DataPathConfig config) {
        this.config = config;
        this.transports = config.transports();
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("jvs-io", true),
                transports.ioHandlerFactory());
        List<EventLoop> list = new ArrayList<>();
        Map<EventExecutor, LoopState> states = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            list.add((EventLoop) e);
            states.put(e, new LoopState((EventLoop) e));
        }
        this.loops = list.toArray(new EventLoop[0]);
        this.loopStates = Collections.unmodifiableMap(states);
        int buffer = config.relayBuffer();
        this.waterMark = new WriteBufferWaterMark(buffer / 2, buffer);
        this.recvAllocator = new AdaptiveRecvByteBufAllocator(64, Math.min(2048, buffer), Math.min(MAX_READ, buffer));
        this.legBufferSize = config.maxDatagramSize() + 1 + ProxyV2.MAX_LENGTH;
        this.legRecvAllocator = new FixedRecvByteBufAllocator(legBufferSize);
        this.allocator = config.allocator() == null ? ByteBufAllocator.DEFAULT : config.allocator();
        this.sources = config.sourceAddresses().isEmpty() ? null : new SourceAddresses(config.sourceAddresses());
        this.natUnavailable = probeTransparent(transports);
        this.nat = natUnavailable == null;
        this.rearmHalfClosed = transports.transport() == Transport.EPOLL;
        LOG.log(Level.INFO, "JVS data path: " + transports + " transport, " + loops.length + " event loops, "
                + (transports.reusePort() ? "a listening socket per event loop (SO_REUSEPORT)" : "one listening socket "
                + "per endpoint") + ", relay buffer " + buffer + " bytes per direction, NAT forwarding "
                + (nat ? "available (IP_TRANSPARENT)" : "unavailable: " + natUnavailable)
                + ", UDP datagrams up to " + config.maxDatagramSize() + " bytes, at most " + config.maxUdpFlows()
                + " UDP flows"
                + (sources == null ? "" : ", source addresses " + config.sourceAddresses().stream()
                        .map(Addresses::toString).reduce((a, b) -> a + " " + b).orElse("")));
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

    // ---- settings, for the relays

    Transports transports() {
        return transports;
    }

    DataPathConfig config() {
        return config;
    }

    SourceAddresses sources() {
        return sources;
    }

    /**
     * Whether the transport relays empty (zero-length) UDP datagrams: io_uring does; Netty 4.2.18's epoll and NIO
     * datagram channels count an empty write as done without sending it (and epoll reads an empty reply as nothing).
     */
    boolean relaysEmptyDatagrams() {
        return transports.transport() == Transport.IO_URING;
    }

    /** Whether half-closed sockets must be re-armed before writing to them again (epoll; see {@link TcpRelay}). */
    boolean rearmHalfClosed() {
        return rearmHalfClosed;
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
     * The allocator of UDP flows' buffers on {@code loop}: reused memory of {@link #legBufferSize} bytes (so a reply, or
     * a datagram with its PROXY header, fits one), or the configured allocator if one was set.
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

    // ---- DataPath

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return nat ? EnumSet.of(ForwardingMethod.FULLNAT, ForwardingMethod.NAT) : EnumSet.of(ForwardingMethod.FULLNAT);
    }

    @Override
    public void check(VirtualService service) {
        for (Endpoint e : service.endpoints()) {
            if (e.protocol() != Protocol.TCP && e.protocol() != Protocol.UDP) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": this data path carries TCP and UDP only");
            }
            if (e.protocol() == Protocol.UDP && service.acceptsProxyProtocol()) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": accepting PROXY protocol headers is for TCP endpoints only (a UDP endpoint cannot "
                        + "read one per client)");
            }
            if (e.address().getPort() == 0) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": port 0 (every port) needs a packet data path; a socket data path listens on one port");
            }
        }
    }

    @Override
    public CompletableFuture<Void> bind(ServiceBinding binding, Endpoint endpoint) {
        if (closed) {
            return CompletableFuture.failedFuture(new LoadBalancerException(Reason.CLOSED, "data path is closed"));
        }
        ServiceState svc = services.computeIfAbsent(binding, b -> new ServiceState(b, this));
        int n = transports.reusePort() ? loops.length : 1;
        List<Channel> channels = new ArrayList<>(n);
        List<CompletableFuture<Void>> bound = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            EventLoop loop = loops[i];
            Channel sc = endpoint.protocol() == Protocol.UDP ? datagramListener(svc, endpoint)
                    : serverListener(svc, transports.reusePort() ? loop : null);
            channels.add(sc);
            CompletableFuture<Void> done = new CompletableFuture<>();
            bound.add(done);
            loop.register(sc).addListener((ChannelFutureListener) r -> {
                if (!r.isSuccess()) {
                    done.completeExceptionally(r.cause());
                    return;
                }
                sc.bind(endpoint.address()).addListener((ChannelFutureListener) b -> {
                    if (b.isSuccess()) {
                        done.complete(null);
                    } else {
                        done.completeExceptionally(b.cause());
                    }
                });
            });
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        CompletableFuture.allOf(bound.toArray(new CompletableFuture<?>[0])).whenComplete((ok, failure) -> {
            if (failure == null) {
                listeners.put(new Key(binding, endpoint), channels);
                LOG.log(Level.INFO, "listening on " + endpoint + forService(endpoint, binding)
                        + (n > 1 ? " (" + n + " sockets)" : ""));
                result.complete(null);
                return;
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            for (Channel ch : channels) {
                svc.removeListener(ch);
                ch.close();
            }
            result.completeExceptionally(new LoadBalancerException(Reason.BIND_FAILED, "cannot listen on " + endpoint
                    + " for " + binding.id() + ": " + cause.getMessage(), cause));
        });
        return result;
    }

    /** A TCP listening socket, not yet registered; {@code childLoop} is null to spread clients over all loops. */
    private Channel serverListener(ServiceState svc, EventLoop childLoop) {
        ServerChannel sc = transports.newServerChannel();
        sc.config().setOption(ChannelOption.SO_REUSEADDR, true);
        sc.config().setOption(ChannelOption.SO_BACKLOG, 4096);
        if (transports.reusePort()) {
            transports.setReusePort(sc);
        }
        if (config.freeBind()) {
            sc.config().setOption(transports.freeBindOption(), true);
        }
        sc.pipeline().addLast(new Acceptor(svc, childLoop));
        svc.addListener(sc);
        return sc;
    }

    /**
     * A UDP listening socket, not yet registered: it reads many datagrams per system call where the transport can
     * (each into a slot one byte longer than the largest datagram relayed, so a longer one is seen and dropped
     * rather than cut short); UDP_GRO is not used, since Netty 4.2.18 breaks it together with batched reads.
     */
    private Channel datagramListener(ServiceState svc, Endpoint endpoint) {
        DatagramChannel ch = transports.newDatagramChannel(endpoint.address().getAddress());
        ChannelConfig c = ch.config();
        int slot = config.maxDatagramSize() + 1;
        ChannelOption<Integer> batch = transports.maxDatagramPayloadOption();
        int readBuffer = batch == null ? slot : slot * UDP_READ_BATCH;
        FixedRecvByteBufAllocator recv = new FixedRecvByteBufAllocator(readBuffer);
        recv.maxMessagesPerRead(2 * UDP_READ_BATCH);
        c.setRecvByteBufAllocator(recv);
        if (batch != null) {
            c.setOption(batch, slot);
        }
        // Netty's allocators would allocate and zero a batch buffer on most reads (see DatagramReadBuffers).
        c.setAllocator(config.allocator() != null ? allocator : DatagramReadBuffers.available()
                ? new DatagramReadBuffers(readBuffer, 2, allocator) : PooledByteBufAllocator.DEFAULT);
        c.setWriteBufferWaterMark(udpListenerWaterMark);
        c.setOption(ChannelOption.SO_RCVBUF, UDP_LISTENER_BUFFER);
        c.setOption(ChannelOption.SO_SNDBUF, UDP_LISTENER_BUFFER);
        if (transports.reusePort()) {
            transports.setReusePort(ch);
        }
        if (config.freeBind()) {
            c.setOption(transports.freeBindOption(), true);
        }
        ch.pipeline().addLast(new UdpListener(this, svc, endpoint.address(), slot));
        svc.addDatagramListener(ch);
        return ch;
    }

    @Override
    public CompletableFuture<Void> unbind(ServiceBinding binding, Endpoint endpoint) {
        List<Channel> channels = listeners.remove(new Key(binding, endpoint));
        if (channels == null) {
            return CompletableFuture.completedFuture(null);
        }
        ServiceState svc = services.get(binding);
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Channel ch : channels) {
            if (svc != null) {
                svc.removeListener(ch);
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            ch.close().addListener((ChannelFutureListener) c -> f.complete(null));
            closing.add(f);
        }
        if (svc != null && !svc.hasListeners()) {
            services.remove(binding, svc);
            for (ServiceState.Held h; (h = svc.nextHeld()) != null; ) {
                resetUnregistered(h.child()); // the service is gone: a held client would only be refused
                svc.release();
            }
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).thenRun(() ->
                LOG.log(Level.INFO, "stopped listening on " + endpoint + forService(endpoint, binding)));
    }

    /** {@code " for FWM 7"} when the endpoint belongs to a service of another name; empty when it names itself. */
    private static String forService(Endpoint endpoint, ServiceBinding binding) {
        return endpoint.toString().equals(binding.id().toString()) ? "" : " for " + binding.id();
    }

    /**
     * Stops accepting, lets open connections finish for up to the drain timeout, resets those still open, and
     * stops the event loops. Called by the director after every endpoint was unbound.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (List<Channel> channels : listeners.values()) {
            for (Channel ch : channels) {
                ch.close();
            }
        }
        listeners.clear();
        for (ServiceState svc : services.values()) {
            for (ServiceState.Held h; (h = svc.nextHeld()) != null; ) {
                resetUnregistered(h.child());
                svc.release();
            }
        }
        boolean onLoop = false;
        for (EventLoop l : loops) {
            onLoop |= l.inEventLoop();
        }
        if (onLoop) {
            LOG.log(Level.WARNING, "closing from an event loop: open connections are reset without draining");
        } else {
            waitForConnections(config.drainTimeoutMillis());
        }
        int left = open.get();
        if (left > 0) {
            LOG.log(Level.INFO, "resetting " + left + " connections still open after the drain timeout of "
                    + config.drainTimeoutMillis() + " ms");
            for (LoopState s : loopStates.values()) {
                s.loop.execute(() -> {
                    for (TcpRelay r : s.relays()) {
                        r.close(true);
                    }
                });
            }
            if (!onLoop) {
                waitForConnections(2000);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        if (!onLoop) {
            group.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private void waitForConnections(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (open.get() > 0 && deadline - System.nanoTime() > 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The counters, as {@link DataPathStats}. */
    public DataPathStats stats() {
        return new DataPathStats(open.get(), accepted.sum(), noDestination.sum(), serviceLimitHeld.sum(),
                proxyProtocolRejected.sum(), connectFailures.sum(), localAddressFailures.sum(), acceptPauses.sum(),
                udpFlows.get(), udpFlowLimitDrops.sum(), udpOversized.sum(), udpDropped.sum());
    }

    // ---- accepting

    /**
     * Handles one listening socket: hands accepted clients to {@link #accept} and accept errors to
     * {@link #acceptFailed}. One per listening socket (it knows the socket's event loop).
     */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        private final ServiceState service;
        /** The loop accepted clients are relayed on, or null to spread them over all loops. */
        private final EventLoop childLoop;

        Acceptor(ServiceState service, EventLoop childLoop) {
            this.service = service;
            this.childLoop = childLoop;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            accept(service, (Channel) msg, childLoop != null ? childLoop : group.next());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            acceptFailed(service, ctx.channel(), cause);
        }
    }

    private void accept(ServiceState svc, Channel child, EventLoop loop) {
        accepted.increment();
        if (closed) {
            resetUnregistered(child);
            return;
        }
        int max = svc.binding.settings().maxConnections();
        if (!svc.acquire(max)) {
            // Another loop took the last slot in this instant: hold the client until one is free.
            serviceLimitHeld.increment();
            svc.hold(child, loop);
            svc.refresh();
            admitHeld(svc, max); // in case every connection ended meanwhile
            return;
        }
        if (max > 0 && svc.open() >= max) {
            svc.refresh(); // at the limit: stop accepting until a connection ends
        }
        admit(svc, child, loop);
    }

    /** Relays an accepted client that holds one of its service's slots. */
    private void admit(ServiceState svc, Channel child, EventLoop loop) {
        VirtualService settings = svc.binding.settings();
        boolean proxy = settings.acceptsProxyProtocol();
        if (proxy && !trusted(settings.proxyProtocolSources(), (InetSocketAddress) child.remoteAddress())) {
            proxyProtocolRejected.increment();
            proxyProtocolLog.log(() -> svc.binding.id() + ": reset a client from "
                    + Addresses.toString((InetSocketAddress) child.remoteAddress())
                    + ", which is not among the networks trusted to send a PROXY protocol header "
                    + settings.proxyProtocolSources());
            resetUnregistered(child);
            slotFreed(svc);
            return;
        }
        open.incrementAndGet();
        configure(child);
        TcpRelay relay = new TcpRelay(this, svc, child, loopStates.get(loop), proxy);
        ChannelFuture registered = loop.register(child);
        if (!registered.isDone() || !registered.isSuccess()) {
            registered.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    relayErrorLog.log(() -> "cannot register an accepted client: " + f.cause());
                    resetUnregistered(child);
                    relay.registrationFailed();
                }
            });
        }
    }

    /** A slot of {@code svc} was freed: give it to a held client, else let the listeners accept again. */
    private void slotFreed(ServiceState svc) {
        svc.release();
        int max = svc.binding.settings().maxConnections();
        admitHeld(svc, max);
        if (svc.paused()) {
            svc.refresh();
        }
    }

    private void admitHeld(ServiceState svc, int max) {
        while (svc.hasHeld() && svc.acquire(max)) {
            ServiceState.Held h = svc.nextHeld();
            if (h == null) {
                svc.release();
                continue;
            }
            if (closed) {
                resetUnregistered(h.child());
                svc.release();
                continue;
            }
            admit(svc, h.child(), h.loop());
            return;
        }
    }

    private static boolean trusted(List<Cidr> networks, InetSocketAddress client) {
        InetAddress a = client.getAddress();
        for (Cidr c : networks) {
            if (c.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /** Resets an accepted client that was never registered with an event loop. */
    private static void resetUnregistered(Channel child) {
        try {
            child.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // Already gone; closing is all that is left.
        }
        child.unsafe().closeForcibly();
    }

    private void acceptFailed(ServiceState svc, Channel listener, Throwable cause) {
        if (isOutOfFiles(cause)) {
            // This listener stays readable while its backlog is not empty: stop it now, whatever the other loops
            // are doing, or its loop would spin on accept(). On epoll and NIO, turning auto-read on and off again
            // (we are on its loop) also drops a read that may still be pending and would keep it armed; io_uring
            // must not be asked to read again (it would submit another accept that fails at once).
            ChannelConfig c = listener.config();
            if (transports.transport() != Transport.IO_URING) {
                c.setAutoRead(true);
            }
            c.setAutoRead(false);
            svc.listenerPaused();
            outOfFiles(cause);
        } else {
            acceptErrorLog.log(() -> "accept failed: " + cause);
        }
    }

    /** Whether {@code cause} says the process or the system ran out of file descriptors or socket memory. */
    static boolean isOutOfFiles(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (t instanceof IOException && m != null && (m.contains("Too many open files")
                    || m.contains("No buffer space") || m.contains("Cannot allocate memory"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The process is out of file descriptors: stop accepting on every listener (so the event loops do not spin on
     * a listening socket that stays readable), and try again when a connection ends or after a short pause.
     */
    void outOfFiles(Throwable cause) {
        synchronized (this) {
            if (outOfFiles) {
                return;
            }
            outOfFiles = true;
            acceptPauses.increment();
        }
        outOfFilesLog.log(() -> "out of file descriptors (" + cause.getMessage() + "): accepting paused; "
                + open.get() + " connections open; raise the limit (ulimit -n) for more");
        refreshListeners();
        loops[0].schedule(this::filesMaybeFreed, OUT_OF_FILES_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void filesMaybeFreed() {
        synchronized (this) {
            if (!outOfFiles) {
                return;
            }
            outOfFiles = false;
        }
        refreshListeners();
    }

    private void refreshListeners() {
        for (ServiceState s : services.values()) {
            s.refresh();
        }
    }

    /** Whether accepting is paused for lack of file descriptors. */
    boolean outOfFiles() {
        return outOfFiles;
    }

    // ---- reports from the relays

    /**
     * A relay ended: free its slot, and resume accepting if it was paused for it. A relay that had its server
     * connection freed two descriptors, enough for the next client; one that failed before freed only the client's,
     * and resuming then would only accept a client to reset it.
     */
    void relayFinished(ServiceState svc, boolean hadServer) {
        open.decrementAndGet();
        slotFreed(svc);
        if (outOfFiles && hadServer) {
            filesMaybeFreed();
        }
    }

    void noDestination() {
        noDestination.increment();
    }

    // ---- reports from the UDP listeners and flows

    /** The source of the {@code udp} timeout (the director's {@code --set}), for one-packet clients. */
    public void timeouts(Supplier<Timeouts> source) {
        this.timeouts = source;
    }

    long udpTimeoutNanos() {
        return timeouts.get().udp().toNanos();
    }

    /**
     * Reserves a slot for a new UDP flow of {@code svc}, under the service's {@code maxConnections} and the data
     * path's {@code maxUdpFlows}; false (counted, logged at most every ten seconds) when either is reached.
     */
    boolean acquireUdpFlow(ServiceState svc) {
        int max = svc.binding.settings().maxConnections();
        if (!svc.acquire(max)) {
            udpFlowLimitDrops.increment();
            udpLimitLog.log(() -> svc.binding.id() + ": at its limit of " + max + " connections and flows "
                    + "(maxConnections): datagrams of new UDP clients are dropped");
            return false;
        }
        if (udpFlows.incrementAndGet() > config.maxUdpFlows()) {
            udpFlows.decrementAndGet();
            slotFreed(svc);
            udpFlowLimitDrops.increment();
            udpLimitLog.log(() -> "the data path holds its limit of " + config.maxUdpFlows()
                    + " UDP flows (maxUdpFlows): datagrams of new UDP clients are dropped");
            return false;
        }
        if (max > 0 && svc.open() >= max) {
            svc.refresh(); // at the limit: a firewall-mark service's TCP listeners stop accepting too
        }
        return true;
    }

    /** Gives back a slot {@link #acquireUdpFlow} reserved: the flow ended, or was never made. */
    void udpFlowClosed(ServiceState svc) {
        udpFlows.decrementAndGet();
        slotFreed(svc);
    }

    void udpOversized(int length, int max) {
        udpOversized.increment();
        udpOversizeLog.log(() -> "dropped a UDP datagram of " + length + " bytes or more: longer than " + max
                + " bytes (maxDatagramSize)");
    }

    void udpDropped() {
        udpDropped.increment();
    }

    void proxyProtocolRejected() {
        proxyProtocolRejected.increment();
    }

    void connectFailed() {
        connectFailures.increment();
    }

    void localAddressFailed() {
        localAddressFailures.increment();
    }

    /** The addresses listened on, for logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NettyDataPath[" + transports);
        for (List<Channel> channels : listeners.values()) {
            if (!channels.isEmpty() && channels.get(0).localAddress() != null) {
                sb.append(' ').append(Addresses.toString((InetSocketAddress) channels.get(0).localAddress()));
            }
        }
        return sb.append(']').toString();
    }

    private static final class Key {
        final ServiceBinding binding;
        final Endpoint endpoint;

        Key(ServiceBinding binding, Endpoint endpoint) {
            this.binding = binding;
            this.endpoint = endpoint;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).binding == binding && ((Key) o).endpoint.equals(endpoint);
        }

        @Override
        public int hashCode() {
            return Objects.hash(System.identityHashCode(binding), endpoint);
        }
    }
}
