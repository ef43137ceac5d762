package io.jvs.netty.internal;

import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.Refusal;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.TimeUnit;

/**
 * One client connection relayed below Netty's channel layer, on epoll: the client's descriptor from
 * {@code accept4} and a socket to the real server, each a {@link LeanLeg} registered with the client's event loop
 * (the {@link LeanListener}'s). It does what a {@link TcpRelay} does, in fewer system calls and objects: no
 * {@code getsockname} or {@code getsockopt} per socket, one {@code epoll_ctl} per socket, no {@code epoll_ctl} before a
 * close, no pipeline, promise or channel per connection. A service that reads PROXY protocol headers gets channel
 * relays instead ({@link AcceptGate#acceptLean}).
 *
 * <ol>
 *   <li>The director is asked ({@link io.jvs.core.RunningService#open}); a refused client is reset, one that meets
 *       its service's connection limit is held and asks again when a place is free.</li>
 *   <li>A service that awaits client data waits for the first bytes before a real server is contacted.</li>
 *   <li>The {@link LeanConnector} connects to the real server, moving to another on a failure.</li>
 *   <li>The legs relay bytes, FINs (half-close both ways: the FIN that ends the last direction closes both sockets,
 *       with no {@code shutdown} before it) and resets (a reset or I/O error on one socket resets the other).</li>
 * </ol>
 *
 * <p>Confined to its loop; the director's {@link #close(boolean)} and a held client's retry move there.
 */
final class LeanRelay extends Relay {

    private static final Logger LOG = System.getLogger(LeanRelay.class.getName());

    final LeanLoop lean;
    final int relayBuffer;
    final LeanLeg client;
    /** The socket of the current connect attempt, then of the real server; null before the first attempt. */
    LeanLeg server;
    Connection conn;
    private final LeanConnector connector;
    /** The client and the address it reached: IPv4 as numbers (nothing made per connection), else as objects. */
    private final boolean v4;
    private final int clientIp;
    private final int clientPort;
    private final int virtualIp;
    private final int virtualPort;
    private InetSocketAddress clientAddress;
    private InetSocketAddress virtualAddress;
    boolean backendUp;
    boolean aborted;
    boolean finished;
    /** Waiting for the client's first bytes ({@link io.jvs.api.Defences#clientDataTimeout()}). */
    private boolean dataWait;
    private ScheduledFuture<?> dataTimer;
    /** Client bytes read while waiting for them, written once the real server is connected. */
    private ByteBuf early;
    /** The client's FIN came with its first bytes: reported and forwarded once the server is connected. */
    private boolean clientFinPending;
    /** Links in {@link LeanLoop}'s queue of connects in flight, and the deadline there. */
    LeanRelay connectPrev;
    LeanRelay connectNext;
    long connectDeadline;
    boolean connectWaiting;

    /**
     * A relay of the client on descriptor {@code fd} (address as {@code accept4} reported it in {@code accepted}),
     * which reached {@code virtual} (the listener's address; null if it listens on a wildcard address).
     */
    LeanRelay(RelayContext context, ServiceState service, LoopState loop, int fd, byte[] accepted,
            InetSocketAddress virtual) {
        super(context, service, loop);
        this.lean = loop.lean();
        this.relayBuffer = context.setup().config().relayBuffer();
        this.client = new LeanLeg(this, true, new FileDescriptor(fd));
        this.connector = new LeanConnector(this);
        if (virtual == null) {
            virtual = client.socket().localAddress(); // a wildcard listener: the address the client reached
        }
        this.v4 = LeanSockets.isV4(virtual.getAddress()) && LeanSockets.acceptedV4(accepted);
        if (v4) {
            clientIp = LeanSockets.acceptedV4Address(accepted);
            clientPort = LeanSockets.acceptedPort(accepted);
            virtualIp = LeanSockets.v4(virtual.getAddress());
        } else {
            clientAddress = LeanSockets.accepted(accepted);
            clientIp = 0;
            clientPort = clientAddress.getPort();
            virtualIp = 0;
            virtualAddress = virtual;
        }
        virtualPort = virtual.getPort();
    }

    Connection connection() {
        return conn;
    }

    /** The client's address and port (made at the first call for an IPv4 client). */
    InetSocketAddress clientAddress() {
        InetSocketAddress a = clientAddress;
        if (a == null) {
            clientAddress = a = LeanSockets.v4(clientIp, clientPort);
        }
        return a;
    }

    /** The address the client reached. */
    InetSocketAddress virtualAddress() {
        InetSocketAddress a = virtualAddress;
        if (a == null) {
            virtualAddress = a = LeanSockets.v4(virtualIp, virtualPort);
        }
        return a;
    }

    /** The client was accepted: ask the director. */
    void start() {
        loop.link(this);
        open();
    }

    // ---- admission

    @Override
    void open() {
        FlowRequest r = v4 ? loop.request().setV4(Protocol.TCP.number(), clientIp, clientPort, virtualIp, virtualPort)
                : loop.request().set(Protocol.TCP, clientAddress(), virtualAddress());
        conn = admit(r);
        if (conn == null) {
            return;
        }
        try {
            client.register(LeanSockets.READ);
        } catch (IOException e) {
            context.counters().relayErrorLog.log(() -> conn + ": cannot register the client's socket: " + e);
            abortClient();
            return;
        }
        long wait = service.service.settings().defences().clientDataTimeout().toMillis();
        if (wait > 0) {
            dataWait = true;
            dataTimer = lean.loop.schedule(this::dataTimedOut, wait, TimeUnit.MILLISECONDS);
            return;
        }
        connector.connect();
    }

    @Override
    boolean isOver() {
        return finished || aborted;
    }

    // ---- waiting for the client's first bytes

    private void readEarly() {
        ByteBuf s = lean.scratch();
        int n;
        try {
            n = LeanSockets.read(client.fd(), s, 0, LeanLoop.READ_SIZE);
        } catch (IOException e) {
            failed(client, e);
            return;
        }
        if (n == 0) {
            client.readable = false;
            return; // nothing yet
        }
        endDataWait();
        if (n < 0) { // it ended without sending anything: no real server is contacted
            client.inputEnded = true;
            conn.onClientFin();
            client.close(false);
            return;
        }
        try {
            early = context.setup().allocator().directBuffer(n);
        } catch (OutOfMemoryError e) { // (the direct memory limit is reached)
            failed(client, e);
            return;
        }
        early.writeBytes(s, 0, n);
        client.readable = n == LeanLoop.READ_SIZE;
        clientFinPending = n < LeanLoop.READ_SIZE && client.rdhup;
        connector.connect();
    }

    private void dataTimedOut() {
        if (!dataWait || finished || aborted) {
            return;
        }
        dataWait = false;
        conn.onClientDataTimeout();
        context.counters().count(Refusal.CLIENT_DATA_TIMEOUT);
        LOG.log(Level.DEBUG, () -> conn + ": no data from the client within "
                + service.service.settings().defences().clientDataTimeout().toMillis() + " ms: reset");
        abortClient();
    }

    private void endDataWait() {
        dataWait = false;
        if (dataTimer != null) {
            dataTimer.cancel(false);
            dataTimer = null;
        }
    }

    // ---- the real server

    /** The real server accepted: write what waits for it (a PROXY header, early bytes), then relay. */
    void connected() {
        lean.connectEnded(this);
        server.connecting = false;
        backendUp = true;
        conn.onBackendConnected();
        ProxyProtocol pp = conn.destination().server().proxyProtocol();
        if (pp != ProxyProtocol.NONE) {
            byte[] h = pp == ProxyProtocol.V1 ? ProxyV2.tcpV1(clientAddress(), virtualAddress())
                    : ProxyV2.tcp(clientAddress(), virtualAddress());
            if (!server.queue(io.netty.buffer.Unpooled.wrappedBuffer(h), 0, h.length)) {
                return;
            }
        }
        if (early != null) {
            conn.countInbound(early.readableBytes());
            boolean kept = server.queue(early, early.readerIndex(), early.readableBytes());
            early.release();
            early = null;
            if (!kept) {
                return;
            }
        }
        if (clientFinPending) {
            clientFinPending = false;
            inputEnded(client);
        }
        if (server.out != null) {
            server.writable();
        } else if (!server.closed) {
            drained(server);
        }
    }

    // ---- events

    /** Epoll reported {@code ops} for {@code leg}. */
    void ready(LeanLeg leg, int ops) {
        if ((ops & LeanSockets.RDHUP) != 0) {
            leg.rdhup = true;
        }
        if (leg.connecting) {
            connector.ready(ops);
            return;
        }
        if (dataWait && leg == client) {
            readEarly();
            return;
        }
        if ((ops & LeanSockets.ERR) != 0 && leg.inputEnded) {
            failed(leg, leg.error("read")); // a reset after its FIN, which a read would not tell
            return;
        }
        if ((ops & LeanSockets.OUT) != 0 && (leg.out != null || leg.finToSend || leg.closing)) {
            leg.writable();
        }
        LeanLeg peer = peer(leg);
        if (leg.closed || peer == null) {
            return;
        }
        if ((ops & (LeanSockets.IN | LeanSockets.RDHUP | LeanSockets.HUP | LeanSockets.ERR)) != 0) {
            leg.readable = true;
            leg.pumpTo(peer);
        }
        if ((ops & (LeanSockets.IN | LeanSockets.OUT)) == (LeanSockets.IN | LeanSockets.OUT)) {
            leg.stopWaitingWritable();
        }
    }

    LeanLeg peer(LeanLeg leg) {
        return leg == client ? server : client;
    }

    /** {@code leg} read {@code n} bytes. */
    void count(LeanLeg leg, int n) {
        if (leg.client) {
            conn.countInbound(n);
        } else {
            conn.countOutbound(n);
        }
    }

    /** {@code leg} read all it was given (after {@link LeanLeg#pumpTo} let others have their turn). */
    void resume(LeanLeg leg) {
        LeanLeg peer = peer(leg);
        if (!leg.closed && peer != null) {
            leg.pumpTo(peer);
        }
    }

    /** {@code leg} has room again: its peer may send more. */
    void resumePeer(LeanLeg leg) {
        LeanLeg src = peer(leg);
        if (src != null && src.readable && !src.closed) {
            src.pumpTo(leg);
        }
    }

    /** Everything for {@code leg} is written: send the FIN that waited, or close it, or let its peer send more. */
    void drained(LeanLeg leg) {
        if (leg.finToSend) {
            leg.finToSend = false;
            forwardFin(leg);
        } else if (leg.closing) {
            leg.close(false);
        } else {
            resumePeer(leg);
        }
    }

    /** {@code src}'s input ended (its FIN): forward it, after what is still to be written. */
    void inputEnded(LeanLeg src) {
        src.inputEnded = true;
        src.readable = false;
        if (src.client) {
            conn.onClientFin();
        } else {
            conn.onServerFin();
        }
        LeanLeg dst = peer(src);
        if (dst != null && !dst.closed) {
            if (dst.out == null) {
                forwardFin(dst);
            } else {
                dst.finToSend = true;
            }
        }
        if (src.outputShut && !src.closed) {
            src.close(false); // both its directions are done
        }
    }

    /** Sends {@code dst} a FIN: it closes if its own input ended already (the last direction), else half-closes. */
    private void forwardFin(LeanLeg dst) {
        if (dst.inputEnded) {
            dst.close(false);
        } else {
            dst.shutdownOutput();
        }
    }

    // ---- endings

    /** A reset or I/O error on {@code leg}: reset the other socket and close both. */
    void failed(LeanLeg leg, Throwable cause) {
        if (aborted || finished) {
            return;
        }
        if (cause instanceof ClosedChannelException || cause instanceof NotYetConnectedException) {
            // The socket was closing anyway, or its peer reset it while a FIN was forwarded: end the connection
            // without inventing a reset.
            closeNow(false);
            return;
        }
        if (cause instanceof IOException) {
            LOG.log(Level.DEBUG, () -> this + ": " + leg + ": " + cause);
        } else {
            context.counters().relayErrorLog.log(() -> this + ": " + leg + " failed: " + cause, cause);
        }
        aborted = true;
        endDataWait();
        if (conn != null) {
            if (leg.client) {
                conn.onClientReset();
            } else {
                conn.onServerReset();
            }
        }
        LeanLeg peer = peer(leg);
        if (peer != null) {
            peer.close(true);
        }
        leg.close(true);
    }

    @Override
    void abortClient() {
        aborted = true;
        endDataWait();
        lean.connectEnded(this);
        client.close(true);
    }

    /** Closes both sockets on the director's request (idle timeout, table flush, shutdown). Any thread. */
    @Override
    public void close(boolean reset) {
        if (lean.loop.inEventLoop()) {
            closeNow(reset);
        } else {
            lean.loop.execute(() -> closeNow(reset));
        }
    }

    private void closeNow(boolean reset) {
        if (finished) {
            return;
        }
        lean.connectEnded(this);
        if (reset || dataWait) { // (a client still waited on is refused: a reset, as on the channel path)
            if (conn != null && !aborted && !dataWait) {
                conn.onReset();
            }
            aborted = true;
            endDataWait();
            client.close(true);
            if (server != null) {
                server.close(true);
            }
            return;
        }
        closeWhenWritten(client);
        if (server != null) {
            closeWhenWritten(server);
        }
    }

    private static void closeWhenWritten(LeanLeg leg) {
        if (leg.out == null || leg.connecting) {
            leg.close(false);
        } else {
            leg.closing = true;
        }
    }

    /** A socket's descriptor was closed: once the client's and the current server's are, the connection is over. */
    void legClosed(LeanLeg leg) {
        if (finished || (leg != client && leg != server) || !client.released()
                || (server != null && !server.released())) {
            return; // (an earlier connect attempt's socket, or the other one is still open)
        }
        finished = true;
        endDataWait();
        lean.connectEnded(this);
        if (early != null) {
            early.release();
            early = null;
        }
        ended(conn, backendUp);
    }

    /** The connect timed out (from the loop's queue of connects). */
    void connectTimedOut() {
        connector.timedOut();
    }

    @Override
    public String toString() {
        return conn != null ? conn.toString() : "TCP relay of " + clientAddress();
    }
}
