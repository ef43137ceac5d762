package io.jvs.netty.internal;

import io.jvs.api.ProxyProtocol;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Opens a relay's connection to its real server: a socket on the client's event loop, bound to the client's address
 * (NAT, IP_TRANSPARENT) or the next configured source address (full NAT), connected within the connect timeout. A
 * server that refuses, is unreachable or times out counts a failure and the connection moves to another server
 * ({@link Connection#reschedule()}), up to the configured number of attempts, without the client noticing; a
 * connect that finds no local address tries the next source address. Once connected, the PROXY protocol header the
 * server asked for is written first.
 */
final class Connector {

    private static final String PROXY_ENCODER = "proxy-protocol-encoder";

    private final TcpRelay relay;
    private final RelayContext context;
    private final ChannelFutureListener connected = this::connectDone;
    private final ConnectAttempts attempts;
    /** The socket of the current attempt. */
    private Channel server;

    Connector(TcpRelay relay, RelayContext context) {
        this.relay = relay;
        this.context = context;
        this.attempts = new ConnectAttempts(context);
    }

    /** The socket of the current attempt, or null before the first. */
    Channel server() {
        return server;
    }

    /** Starts an attempt to connect {@code relay}'s connection to its server. */
    void connect() {
        attempts.started();
        Connection conn = relay.connection();
        SocketSetup setup = context.setup();
        DataPathCounters counters = context.counters();
        SocketChannel ch;
        try {
            ch = setup.transports().newSocketChannel(conn.destinationAddress());
        } catch (ChannelException e) {
            if (AcceptGate.isOutOfFiles(e)) {
                context.gate().outOfFiles(e);
            } else {
                counters.relayErrorLog.log(() -> conn + ": cannot create a socket: " + e);
            }
            relay.abortClient();
            return;
        }
        setup.configure(ch);
        ch.config().setOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, setup.config().connectTimeoutMillis());
        InetSocketAddress remote = conn.destinationAddress();
        InetSocketAddress local;
        try {
            local = setup.localAddress(ch, conn, remote, relay.clientAddress());
        } catch (RuntimeException e) {
            ch.unsafe().closeForcibly();
            counters.natLog.log(() -> conn + ": " + e.getMessage());
            relay.abortClient();
            return;
        }
        relay.serverSocket(ch);
        server = ch;
        ChannelFuture registered = relay.client.eventLoop().register(ch);
        if (registered.isDone()) {
            registered(registered, remote, local);
        } else {
            registered.addListener((ChannelFutureListener) r -> registered(r, remote, local));
        }
    }

    private void registered(ChannelFuture registration, InetSocketAddress remote, InetSocketAddress local) {
        Channel ch = registration.channel();
        if (!registration.isSuccess()) {
            context.counters().relayErrorLog.log(() -> relay.connection() + ": cannot register a socket: "
                    + registration.cause());
            ch.unsafe().closeForcibly();
            relay.abortClient();
            return;
        }
        (local == null ? ch.connect(remote) : ch.connect(remote, local)).addListener(connected);
    }

    private void connectDone(ChannelFuture f) {
        Channel ch = f.channel();
        if (ch != server) {
            return; // an earlier attempt, already given up
        }
        if (f.isSuccess()) {
            relay.backendConnected(ch);
            return;
        }
        Throwable cause = f.cause();
        ch.close(); // a failed connect may leave the socket open
        if (relay.isOver()) {
            relay.abortClient();
            return;
        }
        if (attempts.retry(relay.connection(), cause)) {
            connect(); // the next server or source address; the client never sees the failure
        } else {
            relay.abortClient();
        }
    }

    /** Writes the PROXY protocol header {@code pp} to the connected server (not flushed). */
    void writeProxyHeader(Channel ch, ProxyProtocol pp) {
        ch.pipeline().addFirst(PROXY_ENCODER, HAProxyMessageEncoder.INSTANCE);
        ch.write(proxyHeader(pp, relay.clientAddress(), relay.proxiedDestination()), ch.voidPromise());
        ch.pipeline().remove(PROXY_ENCODER);
    }

    private static HAProxyMessage proxyHeader(ProxyProtocol pp, InetSocketAddress client, InetSocketAddress virtual) {
        HAProxyProtocolVersion v = pp == ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2;
        InetAddress src = client.getAddress();
        InetAddress dst = virtual.getAddress();
        boolean v4 = src instanceof Inet4Address;
        if (v4 != (dst instanceof Inet4Address)) {
            // Cannot be said in one header: tell the server the addresses are unknown.
            return new HAProxyMessage(v, pp == ProxyProtocol.V1 ? HAProxyCommand.PROXY : HAProxyCommand.LOCAL,
                    HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0);
        }
        return new HAProxyMessage(v, HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                Addresses.toString(src), Addresses.toString(dst), client.getPort(), virtual.getPort());
    }
}
