package io.jvs.netty.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;

/**
 * Relays one client connection to its real server.
 *
 * <p>Both legs live on the client's event loop, so the relay needs no locks. Bytes pass through untouched: each
 * buffer read from one leg is written to the other without a flush, and the written buffers are flushed together
 * when the read batch ends (one {@code writev} for many reads, which is what keeps pipelined small requests cheap).
 * Backpressure: when a leg's outbound buffer passes the relay buffer size (its high water mark) the other leg
 * stops reading, and it reads again once the outbound buffer has drained below half of it. A direction therefore
 * never holds more than the relay buffer plus one receive buffer, however fast its sender and however slow its
 * reader.
 *
 * <p>Endings: a FIN from either side is forwarded as a FIN once everything before it was written, while the other
 * direction keeps flowing (half-close; both legs allow half-closure); the relay closes both legs once both
 * directions have ended. Once a leg has been sent a FIN it no longer allows half-closure, so the FIN that ends the
 * connection makes the transport close that leg (one {@code shutdown(SHUT_RD)}, failing with ENOTCONN, and an
 * exception fewer per connection), and the relay closes the other leg once flushed, which forwards the FIN. A reset
 * or an I/O error on one leg resets the other ({@code SO_LINGER 0}). The {@link Connection} hears of every event:
 * backend connected, client FIN, server FIN, reset, closed.
 *
 * <p>A workaround for Netty 4.2.18's epoll transport (still in 4.2.20's classes): once a socket's input has ended
 * and it has nothing to write, Netty removes it from epoll (EPOLL_CTL_DEL) but keeps treating it as registered, so
 * the next time a write to it must wait for writability, {@code epoll_ctl(MOD)} fails with ENOENT and Netty drops
 * every pending byte and shuts the output down. A half-closed connection whose other direction still carries
 * data would be cut short. So before writing to such a socket again, the relay takes it out of its event loop
 * and registers it again (a fresh EPOLL_CTL_ADD), and flushes only once that is done; bytes written meanwhile
 * wait, and count against the relay buffer as usual.
 *
 * <p>Admission: the director places the connection when the client is accepted (or, behind a PROXY header, when the
 * header is in); a client it refuses (access lists, per-source limits, no server, a full table, short memory) is reset
 * at once. On a service that {@linkplain io.jvs.api.VirtualService#clientDataTimeout() awaits client data} the relay
 * then reads the client's first bytes before it contacts the real server; a client that sends none within the timeout
 * is reset and reported ({@link Connection#onClientDataTimeout()}), one that closes first is closed.
 *
 * <p>Connecting: to the real server the director picked, from the client's address (NAT, IP_TRANSPARENT) or from
 * the next configured source address (full NAT), within the connect timeout. A server that refuses, is
 * unreachable or times out counts a failure and the connection moves to another server
 * ({@link Connection#reschedule()}), up to the configured number of attempts, without the client noticing.
 */
final class TcpRelay implements Connection.Closer {

    private static final Logger LOG = System.getLogger(TcpRelay.class.getName());
    private static final String PROXY_DECODER = "proxy-protocol-decoder";
    private static final String PROXY_ENCODER = "proxy-protocol-encoder";

    private final NettyDataPath dataPath;
    private final ServiceState service;
    private final LoopState loop;
    final Channel client;
    private final Leg clientLeg = new Leg(true);
    /** The server leg's handler; a new one for every connect attempt (a handler belongs to one pipeline). */
    private Leg serverLeg;
    private final ChannelFutureListener connected = this::connectDone;
    private final ChannelFutureListener legClosed = f -> legClosed();
    private Channel server;
    private Connection conn;
    /** The client and the address it reached, from the socket or from an accepted PROXY header. */
    private InetSocketAddress clientAddress;
    private InetSocketAddress virtualAddress;
    /** Client bytes read after a PROXY header, before the real server was connected. */
    private ByteBuf early;
    private ScheduledFuture<?> headerTimeout;
    private ScheduledFuture<?> dataTimeout;
    private int attempts;
    private int localFailures;
    private boolean awaitingHeader;
    /** Placed, and waiting for the client's first bytes before connecting to the real server. */
    private boolean awaitingData;
    private boolean backendUp;
    private boolean clientFinPending;
    private boolean toServerShut;
    private boolean toClientShut;
    private boolean aborted;
    private boolean finished;
    /** Links in {@link LoopState}'s list of live relays. */
    TcpRelay prev;
    TcpRelay next;

    TcpRelay(NettyDataPath dataPath, ServiceState service, Channel client, LoopState loop, boolean acceptProxy) {
        this.dataPath = dataPath;
        this.service = service;
        this.client = client;
        this.loop = loop;
        this.awaitingHeader = acceptProxy;
        if (acceptProxy) {
            client.pipeline().addLast(PROXY_DECODER, new HAProxyMessageDecoder());
        }
        client.pipeline().addLast(clientLeg);
        client.closeFuture().addListener(legClosed);
    }

    /** The client channel is registered and active: place the connection, or wait for its PROXY header. */
    private void start() {
        loop.link(this);
        if (awaitingHeader) {
            // Until the header is in, every close is a rejection, and a rejection is a reset (the decoder closes
            // the channel itself when the header is invalid).
            client.config().setOption(ChannelOption.SO_LINGER, 0);
            headerTimeout = client.eventLoop().schedule(this::headerTimedOut, dataPath.config().connectTimeoutMillis(),
                    TimeUnit.MILLISECONDS);
            client.read();
            return;
        }
        open((InetSocketAddress) client.remoteAddress(), (InetSocketAddress) client.localAddress());
    }

    private void open(InetSocketAddress from, InetSocketAddress to) {
        clientAddress = from;
        virtualAddress = to;
        conn = service.binding.open(Protocol.TCP, from, to);
        if (conn == null) {
            dataPath.noDestination(); // no real server: refuse, as IPVS does with an ICMP unreachable
            abort(client);
            return;
        }
        conn.attach(this);
        long wait = service.binding.settings().clientDataTimeout().toMillis();
        if (wait > 0 && early == null) {
            awaitingData = true;
            client.config().setOption(ChannelOption.SO_LINGER, 0); // a client closed now is refused: reset
            dataTimeout = client.eventLoop().schedule(this::dataTimedOut, wait, TimeUnit.MILLISECONDS);
            client.read();
            return;
        }
        connect();
    }

    // ---- waiting for the client's first bytes (awaitClientData)

    /** The first bytes are in {@link #early}: now the real server is worth a connection. */
    private void dataReceived() {
        awaitingData = false;
        dataTimeout.cancel(false);
        client.config().setOption(ChannelOption.SO_LINGER, -1);
        connect();
    }

    private void dataTimedOut() {
        if (awaitingData && !finished && !aborted) {
            awaitingData = false;
            conn.onClientDataTimeout();
            LOG.log(Level.DEBUG, () -> conn + ": no data from the client within "
                    + service.binding.settings().clientDataTimeout().toMillis() + " ms: reset");
            abort(client);
        }
    }

    // ---- PROXY protocol from an upstream balancer

    private void headerReceived(HAProxyMessage header) {
        try {
            if (!awaitingHeader || finished) {
                return;
            }
            awaitingHeader = false;
            headerTimeout.cancel(false);
            client.config().setOption(ChannelOption.SO_LINGER, -1);
            InetSocketAddress from = (InetSocketAddress) client.remoteAddress();
            InetSocketAddress to = (InetSocketAddress) client.localAddress();
            if (header.command() == HAProxyCommand.PROXY && (header.proxiedProtocol() == HAProxyProxiedProtocol.TCP4
                    || header.proxiedProtocol() == HAProxyProxiedProtocol.TCP6)) {
                InetAddress src = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                InetAddress dst = NetUtil.createInetAddressFromIpAddressString(header.destinationAddress());
                if (src == null || dst == null) {
                    proxyRejected("unparsable addresses in " + header);
                    return;
                }
                from = new InetSocketAddress(src, header.sourcePort());
                to = new InetSocketAddress(dst, header.destinationPort());
            } // LOCAL (the upstream's own health check) or UNKNOWN: the connection's own addresses
            open(from, to);
        } finally {
            header.release();
        }
    }

    private void headerTimedOut() {
        if (awaitingHeader && !finished) {
            awaitingHeader = false;
            proxyRejected("no PROXY protocol header within " + dataPath.config().connectTimeoutMillis() + " ms");
        }
    }

    private void proxyRejected(String why) {
        dataPath.proxyProtocolRejected();
        dataPath.proxyProtocolLog.log(() -> service.binding.id() + ": reset a client from "
                + Addresses.toString((InetSocketAddress) client.remoteAddress()) + ": " + why);
        abort(client);
    }

    // ---- connecting to the real server

    private void connect() {
        attempts++;
        SocketChannel ch;
        try {
            ch = dataPath.transports().newSocketChannel(conn.destinationAddress());
        } catch (ChannelException e) {
            if (NettyDataPath.isOutOfFiles(e)) {
                dataPath.outOfFiles(e);
            } else {
                dataPath.relayErrorLog.log(() -> conn + ": cannot create a socket: " + e);
            }
            abort(client);
            return;
        }
        dataPath.configure(ch);
        ch.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, dataPath.config().connectTimeoutMillis());
        InetSocketAddress remote = conn.destinationAddress();
        InetSocketAddress local;
        try {
            local = dataPath.localAddress(ch, conn, remote, clientAddress);
        } catch (RuntimeException e) {
            ch.unsafe().closeForcibly();
            dataPath.natLog.log(() -> conn + ": " + e.getMessage());
            abort(client);
            return;
        }
        serverLeg = new Leg(false);
        ch.pipeline().addLast(serverLeg);
        server = ch;
        ch.closeFuture().addListener(legClosed);
        ChannelFuture registered = client.eventLoop().register(ch);
        if (registered.isDone()) {
            registered(registered, remote, local);
        } else {
            registered.addListener((ChannelFutureListener) r -> registered(r, remote, local));
        }
    }

    private void registered(ChannelFuture registration, InetSocketAddress remote, InetSocketAddress local) {
        Channel ch = registration.channel();
        if (!registration.isSuccess()) {
            dataPath.relayErrorLog.log(() -> conn + ": cannot register a socket: " + registration.cause());
            ch.unsafe().closeForcibly();
            abort(client);
            return;
        }
        (local == null ? ch.connect(remote) : ch.connect(remote, local)).addListener(connected);
    }

    private void connectDone(ChannelFuture f) {
        Channel ch = f.channel();
        if (ch != server) {
            return; // an earlier attempt, already given up
        }
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            ch.close(); // a failed connect may leave the socket open
            if (finished || aborted || !client.isActive()) {
                abort(client);
                return;
            }
            if (isLocalAddressFailure(cause)) {
                dataPath.localAddressFailed();
                SourceAddresses s = dataPath.sources();
                localFailures++;
                dataPath.localAddressLog.log(() -> conn + ": no local address for the connection to the real server ("
                        + cause.getMessage() + "): local ports exhausted (net.ipv4.ip_local_port_range), or a source "
                        + "address that is not local; the client is reset");
                if (s != null && conn.destination().server().forwardingMethod() == ForwardingMethod.FULLNAT
                        && localFailures < s.count(conn.destinationAddress())) {
                    attempts--;
                    connect(); // the next source address
                } else {
                    abort(client);
                }
                return;
            }
            dataPath.connectFailed();
            LOG.log(Level.DEBUG, () -> conn + ": connect failed: " + cause);
            if (attempts < dataPath.config().connectAttempts() && conn.reschedule()) {
                connect(); // the next server; the client never sees the failure
            } else {
                abort(client);
            }
            return;
        }
        if (finished || aborted || !client.isActive()) {
            abort(ch);
            return;
        }
        backendUp = true;
        conn.onBackendConnected();
        boolean wrote = false;
        ProxyProtocol pp = conn.destination().server().proxyProtocol();
        if (pp != ProxyProtocol.NONE) {
            ch.pipeline().addFirst(PROXY_ENCODER, HAProxyMessageEncoder.INSTANCE);
            ch.write(proxyHeader(pp), ch.voidPromise());
            ch.pipeline().remove(PROXY_ENCODER);
            wrote = true;
        }
        if (early != null) {
            conn.countInbound(early.readableBytes());
            ch.write(early, ch.voidPromise());
            early = null;
            wrote = true;
        }
        if (wrote) {
            ch.flush();
        }
        if (clientFinPending) {
            conn.onClientFin();
            clientLeg.forwardFin();
        } else {
            client.config().setAutoRead(true);
        }
        ch.config().setAutoRead(true);
    }

    /** Whether nothing waits in {@code ch}'s outbound buffer (so epoll may have dropped its registration). */
    private static boolean nothingPending(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() == 0;
    }

    /** Whether a connect failed for want of a local address or port, which is not the real server's fault. */
    static boolean isLocalAddressFailure(Throwable cause) {
        if (cause instanceof BindException) {
            return true;
        }
        String m = cause.getMessage();
        return m != null && (m.contains("Cannot assign requested address") || m.contains("Address already in use"));
    }

    private HAProxyMessage proxyHeader(ProxyProtocol pp) {
        HAProxyProtocolVersion v = pp == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        InetAddress src = clientAddress.getAddress();
        InetAddress dst = virtualAddress.getAddress();
        boolean v4 = src instanceof Inet4Address;
        if (v4 != (dst instanceof Inet4Address)) {
            // Cannot be said in one header: tell the server the addresses are unknown.
            return new HAProxyMessage(v, pp == ProxyProtocol.V1 ? HAProxyCommand.PROXY : HAProxyCommand.LOCAL,
                    HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        }
        return new HAProxyMessage(v, HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                Addresses.toString(src), Addresses.toString(dst), clientAddress.getPort(), virtualAddress.getPort());
    }

    // ---- endings

    /** A leg closed: once the client and the current server leg are both closed, the connection is over. */
    private void legClosed() {
        if (finished || client.isOpen() || (server != null && server.isOpen())) {
            return;
        }
        finished = true;
        if (headerTimeout != null) {
            headerTimeout.cancel(false);
        }
        if (dataTimeout != null) {
            dataTimeout.cancel(false);
        }
        if (early != null) {
            early.release();
            early = null;
        }
        loop.unlink(this);
        if (conn != null) {
            conn.onClosed();
        }
        dataPath.relayFinished(service, backendUp);
    }

    /** The client could not be registered with its event loop: it never started. */
    void registrationFailed() {
        if (!finished) {
            finished = true;
            dataPath.relayFinished(service, false);
        }
    }

    /** Closes both legs on the director's request (idle timeout, table flush, shutdown). Any thread. */
    @Override
    public void close(boolean reset) {
        EventLoop l = client.eventLoop();
        if (l.inEventLoop()) {
            closeNow(reset);
        } else {
            l.execute(() -> closeNow(reset));
        }
    }

    private void closeNow(boolean reset) {
        if (finished) {
            return;
        }
        if (reset) {
            if (conn != null && !aborted) {
                conn.onReset();
            }
            aborted = true;
            abort(client);
            if (server != null) {
                abort(server);
            }
        } else {
            closeOnFlush(client);
            if (server != null) {
                closeOnFlush(server);
            }
        }
    }

    static void closeOnFlush(Channel ch) {
        if (!ch.isRegistered()) {
            ch.unsafe().closeForcibly();
        } else if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    /** Closes with {@code SO_LINGER 0}, so the peer sees a reset rather than an orderly end. */
    static void abort(Channel ch) {
        if (!ch.isRegistered()) {
            ch.unsafe().closeForcibly();
            return;
        }
        if (ch.isOpen()) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException ignored) {
                // The socket is already gone; close() below is all there is left to do.
            }
            ch.close();
        }
    }

    /** One leg's handler: relays what it reads to the other leg. */
    private final class Leg extends ChannelDuplexHandler {
        private final boolean fromClient;
        /** Whether buffers were written to the peer since its last flush. */
        private boolean unflushed;
        /** Whether this leg's socket is being registered again with its event loop (see {@link #rearm()}). */
        boolean rearming;
        /**
         * Whether this leg was sent a FIN and so no longer allows half-closure: its own FIN, the connection's last,
         * makes the transport close it at once, which {@link #channelInactive} reports as that FIN.
         */
        private boolean finClosesLeg;
        /** Whether the relay asked for this leg to be closed (the transport's close on a FIN does not pass here). */
        private boolean closeRequested;

        Leg(boolean fromClient) {
            this.fromClient = fromClient;
        }

        private Channel self() {
            return fromClient ? client : server;
        }

        private Channel peer() {
            return fromClient ? server : client;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (fromClient) {
                start();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HAProxyMessage) {
                headerReceived((HAProxyMessage) msg);
                return;
            }
            if (!(msg instanceof ByteBuf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ByteBuf buf = (ByteBuf) msg;
            if (fromClient && !backendUp) { // bytes after a PROXY header or awaited, before the server is connected
                if (finished || aborted) {
                    buf.release();
                } else {
                    early = early == null ? buf : Unpooled.wrappedBuffer(early, buf);
                    if (awaitingData) {
                        dataReceived();
                    }
                }
                return;
            }
            Channel peer = peer();
            if (peer == null || !peer.isActive()) {
                buf.release();
                return;
            }
            if (fromClient) {
                conn.countInbound(buf.readableBytes());
            } else {
                conn.countOutbound(buf.readableBytes());
            }
            Leg peerLeg = peerLeg();
            if (dataPath.rearmHalfClosed() && !peerLeg.rearming && ((DuplexChannel) peer).isInputShutdown()
                    && nothingPending(peer)) {
                peerLeg.rearm();
            }
            peer.write(buf, peer.voidPromise());
            unflushed = true;
            if (!peer.isWritable()) {
                ctx.channel().config().setAutoRead(false); // the peer is full: stop reading until it drains
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (fromClient && awaitingData) {
                client.read(); // a read that brought nothing: keep waiting for the first bytes
            }
            if (unflushed) {
                unflushed = false;
                Channel peer = peer();
                if (peer != null && !peerLeg().rearming) {
                    peer.flush(); // (a re-arming peer flushes once it is registered again)
                }
            }
        }

        private Leg peerLeg() {
            return fromClient ? serverLeg : clientLeg;
        }

        /** Takes this leg's socket out of its event loop and registers it again, then flushes it (see class doc). */
        void rearm() {
            Channel ch = self();
            EventLoop loop = ch.eventLoop();
            rearming = true;
            ch.config().setAutoRead(false); // its input has ended: nothing to read once registered again
            ch.deregister().addListener((ChannelFutureListener) d -> {
                if (!ch.isOpen()) {
                    rearming = false;
                    return;
                }
                loop.register(ch).addListener((ChannelFutureListener) r -> {
                    rearming = false;
                    if (r.isSuccess()) {
                        ch.flush();
                    } else {
                        failed(r.cause());
                    }
                });
            });
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            Channel peer = peer();
            if (ctx.channel().isWritable() && peer != null && backendUp && !finished && !aborted
                    && peer.isActive() && !((DuplexChannel) peer).isInputShutdown()) {
                // This leg drained below the low water mark: let the peer send to it again. Not once the peer's
                // input has ended: there is nothing left to read, and Netty 4.2.18's epoll transport fails to
                // re-arm a half-closed socket it has taken out of epoll (epoll_ctl ENOENT).
                peer.config().setAutoRead(true);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (aborted || finished) {
                    return;
                }
                if (fromClient && !backendUp) {
                    // (epoll reads to the end of a client that sent its FIN, even before the relay asks it to.)
                    if (awaitingHeader) {
                        proxyRejected("the connection ended before a PROXY protocol header");
                    } else if (awaitingData) {
                        // It sent nothing and is done: no real server is contacted for an empty connection.
                        awaitingData = false;
                        dataTimeout.cancel(false);
                        client.config().setOption(ChannelOption.SO_LINGER, -1);
                        conn.onClientFin();
                        closeOnFlush(client);
                    } else {
                        clientFinPending = true; // reported and forwarded once the server is connected
                    }
                    return;
                }
                if (fromClient) {
                    conn.onClientFin();
                } else {
                    conn.onServerFin();
                }
                forwardFin();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        /** Sends the peer a FIN after everything already written to it, then closes if both directions ended. */
        void forwardFin() {
            Channel peer = peer();
            if (peer == null || !peer.isActive()) {
                self().close();
                return;
            }
            unflushed = false;
            ChannelFuture written = peerLeg().rearming ? peer.write(Unpooled.EMPTY_BUFFER)
                    : peer.writeAndFlush(Unpooled.EMPTY_BUFFER);
            written.addListener((ChannelFutureListener) w -> {
                if (!w.isSuccess()) {
                    failed(w.cause());
                    return;
                }
                dataPath.transports().shutdownOutput((DuplexChannel) peer).addListener((ChannelFutureListener) s -> {
                    if (fromClient) {
                        toServerShut = true;
                    } else {
                        toClientShut = true;
                    }
                    if (toServerShut && toClientShut) {
                        client.close();
                        server.close();
                    } else if (s.isSuccess() && peer.isActive() && !((DuplexChannel) peer).isInputShutdown()) {
                        // The peer's FIN will end the connection: let the transport close the peer when it comes
                        // rather than shut its input down (a shutdown(SHUT_RD) that fails with ENOTCONN, and an
                        // exception, per connection) and have us shut the other leg's output before closing both.
                        peer.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, false);
                        peerLeg().finClosesLeg = true;
                    }
                });
            });
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            closeRequested = true;
            ctx.close(promise);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (finClosesLeg && !closeRequested && !aborted && !finished && conn != null) {
                // The transport closed this leg on its FIN, the last direction ending (see forwardFin): the other
                // leg's input has ended already, so closing it once flushed forwards this FIN.
                if (fromClient) {
                    conn.onClientFin();
                } else {
                    conn.onServerFin();
                }
            }
            // This leg closed without both directions ending (we closed it, or the socket went away), or on its last
            // FIN: let the other leg deliver what it has, then close it too.
            Channel peer = peer();
            if (peer != null && peer.isActive() && !aborted) {
                closeOnFlush(peer);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (fromClient && awaitingHeader) {
                // Whatever the decoder throws is a bad header: not only HAProxyProtocolException (Netty 4.2.18 lets
                // an IndexOutOfBoundsException out of a v2 header whose TLV lengths overrun it), and a client that
                // fails before its header is rejected as one that ends before it.
                awaitingHeader = false;
                if (headerTimeout != null) {
                    headerTimeout.cancel(false);
                }
                Throwable why = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
                proxyRejected((cause instanceof IOException ? "the connection failed before a PROXY protocol header: "
                        : "invalid PROXY protocol header: ") + why.getMessage());
                return;
            }
            if (cause instanceof HAProxyProtocolException || (cause.getCause() instanceof HAProxyProtocolException)) {
                return; // the decoder's failure after a rejection already made
            }
            failed(cause);
        }

        /** A reset or I/O error on this leg: reset the other one and close both. */
        private void failed(Throwable cause) {
            if (aborted || finished) {
                return;
            }
            if (cause instanceof ClosedChannelException) {
                // A write to a leg that was closing anyway: end the connection without inventing a reset.
                closeOnFlush(client);
                if (server != null) {
                    closeOnFlush(server);
                }
                return;
            }
            if (cause instanceof IOException) {
                LOG.log(Level.DEBUG, () -> conn + ": " + (fromClient ? "client" : "server") + " leg: " + cause);
            } else {
                dataPath.relayErrorLog.log(() -> (conn == null ? "" : conn + ": ") + (fromClient ? "client" : "server")
                        + " leg failed: " + cause, cause);
            }
            aborted = true;
            if (conn != null) {
                if (fromClient) {
                    conn.onClientReset();
                } else {
                    conn.onServerReset();
                }
            }
            Channel peer = peer();
            if (peer != null) {
                abort(peer);
            }
            abort(self());
        }
    }
}
