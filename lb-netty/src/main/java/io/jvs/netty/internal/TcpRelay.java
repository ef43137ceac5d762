package io.jvs.netty.internal;

import io.jvs.api.ProxyProtocol;
import io.jvs.api.Protocol;
import io.jvs.api.Refusal;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;

/**
 * One client connection relayed to its real server: its life from the accepted socket to the last close.
 *
 * <ol>
 *   <li>A client of a service that reads PROXY protocol headers waits for its header ({@link ProxyHeaderHandler});
 *       then, or at once, the director is asked ({@link io.jvs.core.RunningService#open}): a refused client is
 *       reset; one that meets its service's connection limit is held ({@link AcceptGate#hold}) and asks again when a
 *       place is free.</li>
 *   <li>A service that awaits client data waits for the first bytes ({@link ClientDataHandler}) before a real server
 *       is contacted.</li>
 *   <li>The {@link Connector} connects to the real server, moving to another on a failure.</li>
 *   <li>Two {@link RelayLeg}s relay the bytes, half-closes and resets until both directions end.</li>
 * </ol>
 *
 * <p>Both legs live on the client's event loop, so the relay needs no locks. The {@link Connection} hears of every
 * event: backend connected, client FIN, server FIN, reset, closed. The director closes the relay through it
 * ({@link #close(boolean)}: idle timeout, table flush, shutdown).
 */
final class TcpRelay extends Relay implements ProxyHeaderHandler.Listener, ClientDataHandler.Listener {

    private static final Logger LOG = System.getLogger(TcpRelay.class.getName());

    final Channel client;
    final RelayLeg clientLeg;
    /** The server leg's handler; a new one for every connect attempt (a handler belongs to one pipeline). */
    RelayLeg serverLeg;
    private final ChannelFutureListener legClosed = f -> legClosed();
    private final Connector connector;
    private final boolean acceptProxy;
    Channel server;
    Connection conn;
    /** The client and the address it reached, from the socket or from an accepted PROXY header. */
    private InetSocketAddress clientAddress;
    private InetSocketAddress virtualAddress;
    /** The destination an upstream's PROXY header named, passed on in the header to the server; else null. */
    private InetSocketAddress proxiedDestination;
    /** Client bytes read before the real server was connected. */
    private ByteBuf early;
    boolean backendUp;
    /** The client sent FIN before the real server was connected: reported and forwarded once it is. */
    boolean clientFinPending;
    boolean toServerShut;
    boolean toClientShut;
    boolean aborted;
    boolean finished;

    TcpRelay(RelayContext context, ServiceState service, Channel client, LoopState loop, boolean acceptProxy) {
        super(context, service, loop);
        this.client = client;
        this.acceptProxy = acceptProxy;
        this.connector = new Connector(this, context);
        this.clientLeg = new RelayLeg(this, true);
        if (acceptProxy) {
            ProxyHeaderHandler.install(client.pipeline(), this, context.setup().config().connectTimeoutMillis());
        }
        client.pipeline().addLast(clientLeg);
        client.closeFuture().addListener(legClosed);
    }

    Connection connection() {
        return conn;
    }

    InetSocketAddress clientAddress() {
        return clientAddress;
    }

    InetSocketAddress virtualAddress() {
        return virtualAddress;
    }

    /** The destination to name in a PROXY header to the server: the upstream's, else the virtual address. */
    InetSocketAddress proxiedDestination() {
        return proxiedDestination != null ? proxiedDestination : virtualAddress;
    }

    /** The client channel is registered and active: ask the director, or wait for the PROXY header first. */
    void activated() {
        loop.link(this);
        virtualAddress = (InetSocketAddress) client.localAddress();
        if (!acceptProxy) {
            clientAddress = (InetSocketAddress) client.remoteAddress();
            open();
        }
    }

    // ---- admission

    @Override
    void open() {
        FlowRequest r = loop.request().set(Protocol.TCP, clientAddress, virtualAddress);
        conn = admit(r);
        if (conn == null) {
            return;
        }
        long wait = service.service.settings().defences().clientDataTimeout().toMillis();
        if (wait > 0 && early == null) {
            client.pipeline().addBefore(client.pipeline().context(clientLeg).name(), null,
                    new ClientDataHandler(this, wait));
            return;
        }
        connector.connect();
    }

    @Override
    public void headerReceived(InetSocketAddress from, InetSocketAddress to) {
        if (!finished && !aborted) {
            clientAddress = from; // the client is the header's; the service is the one it reached here
            proxiedDestination = to;
            open();
        }
    }

    @Override
    public void headerRejected(String why) {
        context.counters().count(Refusal.PROXY_HEADER);
        service.service.refused(Refusal.PROXY_HEADER);
        context.counters().proxyProtocolLog.log(() -> service.service.id() + ": reset a client from "
                + Addresses.toString((InetSocketAddress) client.remoteAddress()) + ": " + why);
        abortClient();
    }

    // ---- waiting for the client's first bytes

    @Override
    public void dataReceived() {
        if (!finished && !aborted) {
            connector.connect();
        }
    }

    @Override
    public void dataTimedOut() {
        if (finished || aborted) {
            return;
        }
        conn.onClientDataTimeout();
        context.counters().count(Refusal.CLIENT_DATA_TIMEOUT);
        LOG.log(Level.DEBUG, () -> conn + ": no data from the client within "
                + service.service.settings().defences().clientDataTimeout().toMillis() + " ms: reset");
        abortClient();
    }

    @Override
    public void endedWithoutData() {
        if (finished || aborted) {
            return;
        }
        conn.onClientFin(); // no real server is contacted for an empty connection
        closeOnFlush(client);
    }

    /** Keeps client bytes read before the real server was connected; takes ownership of {@code buf}. */
    void early(ByteBuf buf) {
        if (finished || aborted) {
            buf.release();
        } else {
            early = early == null ? buf : Unpooled.wrappedBuffer(early, buf);
        }
    }

    // ---- the real server

    /** The socket of a new connect attempt: its leg, and its close, are the relay's. */
    void serverSocket(Channel ch) {
        serverLeg = new RelayLeg(this, false);
        ch.pipeline().addLast(serverLeg);
        server = ch;
        ch.closeFuture().addListener(legClosed);
    }

    /** Whether the connection is over: ended, reset, or its client gone. */
    @Override
    boolean isOver() {
        return finished || aborted || !client.isActive();
    }

    /** The real server accepted: relay. */
    void backendConnected(Channel ch) {
        if (finished || aborted || !client.isActive()) {
            abort(ch);
            return;
        }
        backendUp = true;
        conn.onBackendConnected();
        boolean wrote = false;
        ProxyProtocol pp = conn.destination().server().proxyProtocol();
        if (pp != ProxyProtocol.NONE) {
            connector.writeProxyHeader(ch, pp);
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

    // ---- endings

    @Override
    void abortClient() {
        abort(client);
    }

    /** A leg closed: once the client and the current server leg are both closed, the connection is over. */
    private void legClosed() {
        if (finished || client.isOpen() || (server != null && server.isOpen())) {
            return;
        }
        finished = true;
        if (early != null) {
            early.release();
            early = null;
        }
        ended(conn, backendUp);
    }

    /** The client could not be registered with its event loop: it never started. */
    void registrationFailed() {
        if (!finished) {
            finished = true;
            context.gate().relayFinished(service, false);
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

    @Override
    public String toString() {
        return conn != null ? conn.toString() : "TCP relay of " + client;
    }
}
