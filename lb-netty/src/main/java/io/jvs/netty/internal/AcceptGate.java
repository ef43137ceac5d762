package io.jvs.netty.internal;

import io.jvs.api.internal.Addresses;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.netty.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Where clients enter the socket data path: the acceptor of every listening socket, the first check of an accepted
 * client ({@link RunningService#admitPeer}, for services that read PROXY protocol headers), the listeners' pauses
 * (at a service's connection limit, and while the process is out of file descriptors), the clients held at the
 * limit, and the data path's own limit on UDP flows.
 */
final class AcceptGate {

    private static final long OUT_OF_FILES_PAUSE_MILLIS = 250;

    private final EventLoopGroup group;
    private final EventLoop firstLoop;
    private final Map<EventExecutor, LoopState> loopStates;
    private final Map<RunningService, ServiceState> services = new ConcurrentHashMap<>();
    /** Places taken under the data path's {@code maxUdpFlows} (a flow takes one before it is made). */
    private final java.util.concurrent.atomic.AtomicInteger udpFlowPlaces = new java.util.concurrent.atomic.AtomicInteger();
    private RelayContext context;
    private volatile boolean outOfFiles;
    private volatile boolean closed;

    AcceptGate(EventLoopGroup group, EventLoop firstLoop, Map<EventExecutor, LoopState> loopStates) {
        this.group = group;
        this.firstLoop = firstLoop;
        this.loopStates = loopStates;
    }

    /** Completes the gate with the context its relays get (which holds the gate itself). */
    void context(RelayContext context) {
        this.context = context;
    }

    /** The state of {@code service}, made at its first endpoint. */
    ServiceState service(RunningService service) {
        return services.computeIfAbsent(service, s -> new ServiceState(s, this::outOfFiles));
    }

    ServiceState existing(RunningService service) {
        return services.get(service);
    }

    void forget(RunningService service, ServiceState state) {
        services.remove(service, state);
    }

    Collection<ServiceState> services() {
        return services.values();
    }

    void close() {
        closed = true;
    }

    /** The handler of a listening socket: {@code childLoop} is the loop its clients live on, or null for any. */
    ChannelInboundHandlerAdapter acceptor(ServiceState service, EventLoop childLoop) {
        return new Acceptor(service, childLoop);
    }

    /** Hands accepted clients to {@link #accept} and accept errors to {@link #acceptFailed}. */
    private final class Acceptor extends ChannelInboundHandlerAdapter {
        private final ServiceState service;
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

    /**
     * A client accepted by a {@link LeanListener} on its loop (descriptor {@code fd}, address as {@code accept4}
     * reported it; {@code virtual} the listener's address, null for a wildcard one): relayed by a {@link LeanRelay},
     * or, for a service that reads PROXY protocol headers, handed to a channel relay.
     */
    void acceptLean(ServiceState svc, LeanListener listener, int fd, byte[] accepted, InetSocketAddress virtual) {
        if (svc.service.settings().defences().acceptsProxyProtocol()) {
            Channel child;
            try {
                child = new io.netty.channel.epoll.EpollSocketChannel(fd);
            } catch (RuntimeException e) {
                context.counters().accepted.increment();
                context.counters().acceptErrorLog.log(() -> "cannot make a channel of an accepted client: " + e);
                LeanSockets.resetAndClose(fd);
                return;
            }
            accept(svc, child, listener.loop.loop);
            return;
        }
        DataPathCounters counters = context.counters();
        counters.accepted.increment();
        if (closed) {
            LeanSockets.resetAndClose(fd);
            return;
        }
        counters.open.incrementAndGet();
        new LeanRelay(context, svc, listener.loop, fd, accepted, virtual).start();
    }

    /** An accept failed for another reason than a lack of descriptors. */
    void acceptFailed(Throwable cause) {
        context.counters().acceptErrorLog.log(() -> "accept failed: " + cause);
    }

    private void accept(ServiceState svc, Channel child, EventLoop loop) {
        DataPathCounters counters = context.counters();
        counters.accepted.increment();
        if (closed) {
            resetUnregistered(child);
            return;
        }
        boolean proxy = svc.service.settings().defences().acceptsProxyProtocol();
        if (proxy) {
            InetSocketAddress peer = (InetSocketAddress) child.remoteAddress();
            Outcome o = svc.service.admitPeer(peer);
            if (!o.admitted()) {
                counters.count(o);
                counters.proxyProtocolLog.log(() -> svc.service.id() + ": reset a client from "
                        + Addresses.toString(peer) + ", which is not among the networks trusted to send a PROXY "
                        + "protocol header " + svc.service.settings().defences().proxyProtocolSources());
                resetUnregistered(child);
                return;
            }
        }
        counters.open.incrementAndGet();
        context.setup().configure(child);
        TcpRelay relay = new TcpRelay(context, svc, child, loopStates.get(loop), proxy);
        ChannelFuture registered = loop.register(child);
        if (!registered.isDone() || !registered.isSuccess()) {
            registered.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    counters.relayErrorLog.log(() -> "cannot register an accepted client: " + f.cause());
                    resetUnregistered(child);
                    relay.registrationFailed();
                }
            });
        }
    }

    // ---- the service's connection limit

    /**
     * {@code relay}'s client met its service's connection limit: it waits, accepted but not relayed, until a place is
     * free, and the listeners stop accepting meanwhile (later clients wait in the kernel's listen backlog).
     */
    void hold(ServiceState svc, Relay relay) {
        DataPathCounters counters = context.counters();
        counters.serviceLimitHeld.increment();
        relay.held = true;
        counters.open.decrementAndGet(); // waiting, not relayed: not an open connection
        svc.hold(relay);
        svc.refresh();
        admitHeld(svc); // in case every connection ended meanwhile
    }

    /** {@code relay} no longer waits (it is asked again, or it ended): an open connection again. */
    void unheld(Relay relay) {
        if (relay.held) {
            relay.held = false;
            context.counters().open.incrementAndGet();
        }
    }

    /** A connection of {@code svc} ended (or never was): a held client may go on, or the listeners accept again. */
    void placeFreed(ServiceState svc) {
        admitHeld(svc);
        if (svc.paused()) {
            svc.refresh();
        }
    }

    private void admitHeld(ServiceState svc) {
        while (svc.hasHeld() && !svc.service.atConnectionLimit()) {
            Relay r = svc.nextHeld();
            if (r == null) {
                return;
            }
            r.retryAfterHold(closed); // on its own loop; it may meet the limit again and be held again
            if (svc.service.settings().defences().maxConnections() > 0) {
                return; // one per freed place: the others wait for theirs
            }
        }
    }

    /**
     * A relay ended: free its place, and resume accepting if it was paused for it. A relay that had its server
     * connection freed two descriptors, enough for the next client; one that failed before freed only the client's,
     * and resuming then would only accept a client to reset it.
     */
    void relayFinished(ServiceState svc, boolean hadServer) {
        context.counters().open.decrementAndGet();
        placeFreed(svc);
        if (outOfFiles && hadServer) {
            filesMaybeFreed();
        }
    }

    // ---- the data path's limit on UDP flows

    /**
     * Takes a place for a new UDP flow under the data path's {@code maxUdpFlows}; false (counted, logged at most every
     * ten seconds) when the data path holds that many.
     */
    boolean acquireUdpFlow(ServiceState svc) {
        DataPathCounters counters = context.counters();
        int max = context.setup().config().maxUdpFlows();
        if (udpFlowPlaces.incrementAndGet() > max) {
            udpFlowPlaces.decrementAndGet();
            counters.count(io.jvs.api.Refusal.FLOW_LIMIT);
            svc.service.refused(io.jvs.api.Refusal.FLOW_LIMIT);
            counters.udpLimitLog.log(() -> "the data path holds its limit of " + max
                    + " UDP flows (maxUdpFlows): datagrams of new UDP clients are dropped");
            return false;
        }
        return true;
    }

    /** Gives back a place {@link #acquireUdpFlow} took: the flow ended, or was never made. */
    void udpFlowClosed(ServiceState svc) {
        udpFlowPlaces.decrementAndGet();
        placeFreed(svc);
    }

    // ---- descriptor exhaustion

    /** Resets an accepted client that was never registered with an event loop. */
    static void resetUnregistered(Channel child) {
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
            if (context.setup().transports().transport() != Transport.IO_URING) {
                c.setAutoRead(true);
            }
            c.setAutoRead(false);
            svc.listenerPaused();
            outOfFiles(cause);
        } else {
            context.counters().acceptErrorLog.log(() -> "accept failed: " + cause);
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
            context.counters().acceptPauses.increment();
        }
        context.counters().outOfFilesLog.log(() -> "out of file descriptors (" + cause.getMessage()
                + "): accepting paused; " + context.counters().open.get() + " connections open; raise the limit "
                + "(ulimit -n) for more");
        refreshListeners();
        firstLoop.schedule(this::filesMaybeFreed, OUT_OF_FILES_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
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
}
