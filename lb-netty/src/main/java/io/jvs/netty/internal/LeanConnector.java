package io.jvs.netty.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.core.Connection;
import io.netty.channel.ChannelException;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.epoll.LinuxSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Opens a {@link LeanRelay}'s connection to its real server, as the {@link Connector} does for channel relays: a
 * non-blocking socket of the server's address family with {@code TCP_NODELAY}, bound to the client's address (NAT,
 * IP_TRANSPARENT) or the next source address (full NAT), both with IP_BIND_ADDRESS_NO_PORT, connected and added to
 * epoll in one go ({@code EPOLLOUT} reports the outcome). A failure (refused, unreachable, no answer within the connect
 * timeout) counts and moves the connection to another server ({@link Connection#reschedule()}) up to the configured
 * number of attempts, without the client noticing; a connect that finds no local address tries the next source
 * address.
 */
final class LeanConnector {


    private final LeanRelay relay;
    private final ConnectAttempts attempts;

    LeanConnector(LeanRelay relay) {
        this.relay = relay;
        this.attempts = new ConnectAttempts(relay.context);
    }

    /** Starts an attempt to connect the relay's connection to its server. */
    void connect() {
        attempts.started();
        Connection conn = relay.connection();
        RelayContext context = relay.context;
        InetSocketAddress remote = conn.destinationAddress();
        LinuxSocket s;
        try {
            s = LinuxSocket.newSocketStream(!LeanSockets.isV4(remote.getAddress()));
        } catch (ChannelException e) {
            if (AcceptGate.isOutOfFiles(e)) {
                context.gate().outOfFiles(e);
            } else {
                context.counters().relayErrorLog.log(() -> conn + ": cannot create a socket: " + e);
            }
            relay.abortClient();
            return;
        }
        LeanLeg leg = new LeanLeg(relay, false, s);
        relay.server = leg;
        leg.connecting = true;
        boolean connected;
        try {
            s.setTcpNoDelay(true);
            InetSocketAddress local = localAddress(s, conn, remote);
            if (local != null) {
                s.bind(local);
            }
            connected = s.connect(remote);
        } catch (IllegalStateException e) {
            leg.close(false);
            context.counters().natLog.log(() -> conn + ": " + e.getMessage());
            relay.abortClient();
            return;
        } catch (IOException e) {
            leg.close(false);
            failed(e);
            return;
        }
        try {
            leg.register(LeanSockets.READ_WRITE); // (EPOLLOUT: connected, or refused with EPOLLERR)
        } catch (IOException e) {
            leg.close(false);
            context.counters().relayErrorLog.log(() -> conn + ": cannot register a socket: " + e);
            relay.abortClient();
            return;
        }
        if (connected) {
            relay.connected();
        } else {
            relay.lean.connectStarted(relay);
        }
    }

    /** Epoll reported {@code ops} for the connecting socket. */
    void ready(int ops) {
        LeanLeg leg = relay.server;
        if ((ops & (LeanSockets.ERR | LeanSockets.HUP)) != 0) {
            failed(leg.error("connect"));
            return;
        }
        if ((ops & LeanSockets.OUT) == 0) {
            return;
        }
        relay.connected();
        if ((ops & (LeanSockets.IN | LeanSockets.RDHUP)) != 0 && !leg.closed) { // the server spoke first
            relay.ready(leg, ops & ~LeanSockets.OUT);
        }
    }

    /** No answer within the connect timeout. */
    void timedOut() {
        LeanLeg leg = relay.server;
        if (leg != null && leg.connecting && !relay.finished) {
            failed(new ConnectTimeoutException("connection timed out after "
                    + relay.context.setup().config().connectTimeoutMillis() + " ms: "
                    + relay.connection().destinationAddress()));
        }
    }

    private void failed(Throwable cause) {
        relay.lean.connectEnded(relay);
        LeanLeg leg = relay.server;
        leg.connecting = false;
        leg.close(false); // a failed connect may leave the socket open
        if (relay.finished || relay.aborted || relay.client.closed) {
            relay.abortClient();
            return;
        }
        if (attempts.retry(relay.connection(), cause)) {
            connect(); // the next server or source address; the client never sees the failure
        } else {
            relay.abortClient();
        }
    }

    /**
     * The address to bind the socket toward the real server to, as {@link SocketSetup#localAddress} chooses it for
     * channels: the client's (NAT), the next source address (full NAT), or null (the kernel's choice).
     *
     * @throws IllegalStateException if NAT forwarding cannot be done for this connection
     */
    private InetSocketAddress localAddress(LinuxSocket s, Connection conn, InetSocketAddress remote)
            throws IOException {
        RealServer rs = conn.destination().server();
        if (rs.forwardingMethod() == ForwardingMethod.NAT) {
            InetAddress c = relay.clientAddress().getAddress();
            if (LeanSockets.isV4(c) != LeanSockets.isV4(remote.getAddress())) {
                throw new IllegalStateException("NAT forwarding needs the client and the real server in one address "
                        + "family; use full NAT (with PROXY protocol) to mix IPv4 and IPv6");
            }
            try {
                LeanSockets.setTransparent(s);
            } catch (IOException e) {
                throw new IllegalStateException("NAT forwarding: IP_TRANSPARENT refused (" + e.getMessage()
                        + "); the process needs CAP_NET_ADMIN", e);
            }
            LeanSockets.setBindAddressNoPort(s);
            return new InetSocketAddress(c, 0);
        }
        SourceAddresses sources = relay.context.setup().sources();
        InetAddress src = sources == null ? null : sources.next(remote);
        if (src == null) {
            return null;
        }
        LeanSockets.setBindAddressNoPort(s);
        return new InetSocketAddress(src, 0);
    }
}
