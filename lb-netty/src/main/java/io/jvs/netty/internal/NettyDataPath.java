package io.jvs.netty.internal;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import io.jvs.netty.DataPathStats;
import io.jvs.netty.Transport;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.DatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
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
import java.util.function.Supplier;

/**
 * The Netty data path: listening sockets for every service endpoint, a {@link TcpRelay} per TCP client connection and
 * a {@link UdpFlow} per UDP client (received by a {@link UdpListener}). It owns the event loops and the listeners;
 * what happens to a client is the {@link AcceptGate}'s, the relays' and the UDP listeners' business, and they share
 * the {@link SocketSetup} and the {@link DataPathCounters}, not this class.
 *
 * <p>Threads: {@code ioThreads} event loops. Where the transport offers SO_REUSEPORT each endpoint has one listening
 * socket per event loop, and a client accepted on a loop is relayed on that loop; otherwise one listener hands
 * clients to the loops in turn. Either way a client's connection to its real server lives on the client's loop,
 * so a connection is never touched by two threads.
 */
public final class NettyDataPath implements DataPath {

    private static final Logger LOG = System.getLogger("io.jvs.netty.NettyLoadBalancer");
    /** Datagrams one {@code recvmmsg} on a UDP listener reads at most. */
    private static final int UDP_READ_BATCH = 32;
    /** Socket buffers of UDP listeners, for bursts (the kernel caps them at net.core.rmem_max / wmem_max). */
    private static final int UDP_LISTENER_BUFFER = 4 << 20;

    private final DataPathConfig config;
    private final Transports transports;
    private final MultiThreadIoEventLoopGroup group;
    private final EventLoop[] loops;
    private final Map<EventExecutor, LoopState> loopStates;
    private final Map<Key, List<ListenSocket>> listeners = new ConcurrentHashMap<>();
    private final WriteBufferWaterMark udpListenerWaterMark = new WriteBufferWaterMark(1 << 20, 2 << 20);
    private final SocketSetup setup;
    private final DataPathCounters counters = new DataPathCounters();
    private final AcceptGate gate;
    private final RelayContext context;
    /** Whether TCP is relayed by {@link LeanRelay}s (epoll, unless turned off by {@link #LEAN_RELAY_PROPERTY}). */
    private final boolean lean;
    private volatile boolean closed;

    /**
     * The system property that turns the lean TCP relay off ({@code false}): TCP is then relayed over Netty channels
     * on epoll too, as on the other transports. For comparisons, and as a way back should the lean relay misbehave.
     */
    public static final String LEAN_RELAY_PROPERTY = "io.jvs.netty.leanRelay";

    public NettyDataPath(DataPathConfig config) {
        this.config = config;
        this.transports = config.transports();
        this.group = new MultiThreadIoEventLoopGroup(config.ioThreads(), new DefaultThreadFactory("jvs-io", true),
                transports.ioHandlerFactory());
        this.lean = transports.transport() == Transport.EPOLL
                && !"false".equalsIgnoreCase(System.getProperty(LEAN_RELAY_PROPERTY, "true"));
        List<EventLoop> list = new ArrayList<>();
        Map<EventExecutor, LoopState> states = new IdentityHashMap<>();
        for (EventExecutor e : group) {
            list.add((EventLoop) e);
            states.put(e, new LoopState((EventLoop) e, lean
                    ? new LeanLoop((io.netty.channel.IoEventLoop) e, config.connectTimeoutMillis()) : null));
        }
        this.loops = list.toArray(new EventLoop[0]);
        this.loopStates = Collections.unmodifiableMap(states);
        this.setup = new SocketSetup(config, loopStates);
        this.gate = new AcceptGate(group, loops[0], loopStates);
        this.context = new RelayContext(setup, counters, gate);
        gate.context(context);
        LOG.log(Level.INFO, "JVS data path: " + transports + " transport" + (lean ? " (lean TCP relay)" : "") + ", "
                + loops.length + " event loops, "
                + (transports.reusePort() ? "a listening socket per event loop (SO_REUSEPORT)" : "one listening socket "
                + "per endpoint") + ", relay buffer " + config.relayBuffer() + " bytes per direction, NAT forwarding "
                + (setup.nat() ? "available (IP_TRANSPARENT)" : "unavailable: " + setup.natUnavailable())
                + ", UDP datagrams up to " + config.maxDatagramSize() + " bytes, at most " + config.maxUdpFlows()
                + " UDP flows"
                + (config.sourceAddresses().isEmpty() ? "" : ", source addresses " + config.sourceAddresses().stream()
                        .map(Addresses::toString).reduce((a, b) -> a + " " + b).orElse("")));
    }

    /** The source of the {@code udp} timeout (the director's {@code --set}), for one-packet clients. */
    public void timeouts(Supplier<Timeouts> source) {
        setup.timeouts(source);
    }

    /** The counters, as {@link DataPathStats}. */
    public DataPathStats stats() {
        return counters.stats();
    }

    // ---- DataPath

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return setup.nat() ? EnumSet.of(ForwardingMethod.FULLNAT, ForwardingMethod.NAT)
                : EnumSet.of(ForwardingMethod.FULLNAT);
    }

    @Override
    public void check(VirtualService service) {
        for (Endpoint e : service.endpoints()) {
            if (e.protocol() != Protocol.TCP && e.protocol() != Protocol.UDP) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": this data path carries TCP and UDP only");
            }
            if (e.protocol() == Protocol.UDP && service.defences().acceptsProxyProtocol()) {
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
    public CompletableFuture<Void> bind(RunningService service, Endpoint endpoint) {
        if (closed) {
            return CompletableFuture.failedFuture(new LoadBalancerException(Reason.CLOSED, "data path is closed"));
        }
        if (transports.reusePort() && !config.sharePorts() && !ownPort(endpoint)) {
            String taken = takenByAnother(endpoint);
            if (taken != null) {
                return CompletableFuture.failedFuture(new LoadBalancerException(Reason.BIND_FAILED, "cannot listen on "
                        + endpoint + " for " + service.id() + ": " + taken));
            }
        }
        ServiceState svc = gate.service(service);
        int n = transports.reusePort() ? loops.length : 1;
        List<ListenSocket> sockets = new ArrayList<>(n);
        List<CompletableFuture<Void>> bound = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            EventLoop loop = loops[i];
            if (endpoint.protocol() == Protocol.UDP) {
                Channel ch = datagramListener(svc, endpoint);
                sockets.add(ListenSocket.of(ch));
                bound.add(registerAndBind(ch, loop, endpoint.address()));
                svc.addDatagramListener(sockets.get(i));
            } else if (lean) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                bound.add(done);
                int index = i;
                sockets.add(null);
                LeanListener.open(gate, svc, loopStates.get(loop), endpoint.address(), config.freeBind())
                        .whenComplete((l, failure) -> {
                            if (failure != null) {
                                done.completeExceptionally(failure);
                            } else {
                                synchronized (sockets) {
                                    sockets.set(index, l);
                                }
                                done.complete(null);
                            }
                        });
            } else {
                Channel ch = serverListener(svc, transports.reusePort() ? loop : null);
                sockets.add(ListenSocket.of(ch));
                svc.addListener(sockets.get(i)); // (paused now if the service is)
                bound.add(registerAndBind(ch, loop, endpoint.address()));
            }
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        CompletableFuture.allOf(bound.toArray(new CompletableFuture<?>[0])).whenComplete((ok, failure) -> {
            if (failure == null) {
                listeners.put(new Key(service, endpoint), sockets);
                LOG.log(Level.INFO, "listening on " + endpoint + (endpoint.equals(soleEndpoint(service)) ? ""
                        : " for " + service.id()) + (n > 1 ? " (" + n + " sockets)" : ""));
                result.complete(null);
                return;
            }
            Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
            synchronized (sockets) {
                for (ListenSocket l : sockets) {
                    if (l != null) {
                        svc.removeListener(l);
                        l.closeAsync();
                    }
                }
            }
            result.completeExceptionally(new LoadBalancerException(Reason.BIND_FAILED, "cannot listen on " + endpoint
                    + " for " + service.id() + ": " + cause.getMessage(), cause));
        });
        return result;
    }

    /** Registers listening channel {@code ch} with {@code loop} and binds it to {@code address}. */
    private static CompletableFuture<Void> registerAndBind(Channel ch, EventLoop loop, InetSocketAddress address) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.register(ch).addListener((ChannelFutureListener) r -> {
            if (!r.isSuccess()) {
                done.completeExceptionally(r.cause());
                return;
            }
            ch.bind(address).addListener((ChannelFutureListener) b -> {
                if (b.isSuccess()) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(b.cause());
                }
            });
        });
        return done;
    }

    /** The one endpoint of a TCP or UDP service (its id says it all in logs), or null for a firewall-mark group. */
    private static Endpoint soleEndpoint(RunningService service) {
        return service.id().isFwmark() ? null : Endpoint.of(service.id().protocol(), service.id().address());
    }

    /** Whether one of our own listeners has {@code endpoint}'s protocol and port (then the probe cannot tell). */
    private boolean ownPort(Endpoint endpoint) {
        for (Key k : listeners.keySet()) {
            if (k.endpoint.protocol() == endpoint.protocol()
                    && k.endpoint.address().getPort() == endpoint.address().getPort()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Null if no other socket holds {@code endpoint}'s address and port, else what holds it. With SO_REUSEPORT, every
     * process of the same user that also sets it could join the listeners and take a share of the clients (a second
     * daemon started by mistake would take half of them): a socket bound without SO_REUSEPORT first finds out.
     */
    private static String takenByAnother(Endpoint endpoint) {
        InetSocketAddress a = endpoint.address();
        try {
            if (endpoint.protocol() == Protocol.UDP) {
                try (DatagramSocket s = new DatagramSocket(null)) {
                    s.bind(a);
                }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(a, 1);
                }
            }
            return null;
        } catch (IOException e) {
            if (e instanceof java.net.BindException && String.valueOf(e.getMessage()).contains("in use")) {
                return "the address is in use by another socket (another process?); JVS does not share a listening "
                        + "port with another process unless told to (sharePorts)";
            }
            return null; // any other failure shows again, and better, when the listeners bind
        }
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
        sc.pipeline().addLast(gate.acceptor(svc, childLoop));
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
        c.setAllocator(config.allocator() != null ? setup.allocator() : DatagramReadBuffers.available()
                ? new DatagramReadBuffers(readBuffer, 2, setup.allocator()) : PooledByteBufAllocator.DEFAULT);
        c.setWriteBufferWaterMark(udpListenerWaterMark);
        c.setOption(ChannelOption.SO_RCVBUF, UDP_LISTENER_BUFFER);
        c.setOption(ChannelOption.SO_SNDBUF, UDP_LISTENER_BUFFER);
        if (transports.reusePort()) {
            transports.setReusePort(ch);
        }
        if (config.freeBind()) {
            c.setOption(transports.freeBindOption(), true);
        }
        ch.pipeline().addLast(new UdpListener(context, svc, endpoint.address(), slot));
        return ch;
    }

    @Override
    public CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint) {
        List<ListenSocket> sockets = listeners.remove(new Key(service, endpoint));
        if (sockets == null) {
            return CompletableFuture.completedFuture(null);
        }
        ServiceState svc = gate.existing(service);
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (ListenSocket l : sockets) {
            if (svc != null) {
                svc.removeListener(l);
            }
            closing.add(l.closeAsync());
        }
        if (svc != null && !svc.hasListeners()) {
            gate.forget(service, svc);
            resetHeld(svc); // the service is gone: a held client would only be refused
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0])).thenRun(() ->
                LOG.log(Level.INFO, "stopped listening on " + endpoint + (endpoint.equals(soleEndpoint(service)) ? ""
                        : " for " + service.id())));
    }

    private static void resetHeld(ServiceState svc) {
        for (Relay r; (r = svc.nextHeld()) != null; ) {
            r.retryAfterHold(true);
        }
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
        gate.close();
        for (List<ListenSocket> sockets : listeners.values()) {
            for (ListenSocket l : sockets) {
                l.closeAsync();
            }
        }
        listeners.clear();
        for (ServiceState svc : gate.services()) {
            resetHeld(svc);
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
        int left = counters.open.get();
        if (left > 0) {
            LOG.log(Level.INFO, "resetting " + left + " connections still open after the drain timeout of "
                    + config.drainTimeoutMillis() + " ms");
            for (LoopState s : loopStates.values()) {
                s.loop.execute(() -> {
                    for (Relay r : s.relays()) {
                        r.close(true);
                    }
                });
            }
            if (!onLoop) {
                waitForConnections(2000);
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        group.terminationFuture().addListener(f -> {
            for (LoopState s : loopStates.values()) {
                if (s.lean() != null) {
                    s.lean().release(); // the loops have ended: nothing reads into their buffers any more
                }
            }
        });
        if (!onLoop) {
            group.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private void waitForConnections(long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (counters.open.get() > 0 && deadline - System.nanoTime() > 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The addresses listened on, for logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NettyDataPath[" + transports);
        for (List<ListenSocket> sockets : listeners.values()) {
            InetSocketAddress a = sockets.isEmpty() ? null : sockets.get(0).localAddress();
            if (a != null) {
                sb.append(' ').append(Addresses.toString(a));
            }
        }
        return sb.append(']').toString();
    }

    private static final class Key {
        final RunningService service;
        final Endpoint endpoint;

        Key(RunningService service, Endpoint endpoint) {
            this.service = service;
            this.endpoint = endpoint;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).service == service && ((Key) o).endpoint.equals(endpoint);
        }

        @Override
        public int hashCode() {
            return Objects.hash(System.identityHashCode(service), endpoint);
        }
    }
}
