package io.jvs.netty.internal;

import io.jvs.core.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;

/**
 * A flow's UDP socket toward one real server: connected to it (so the kernel delivers only that server's datagrams
 * to it and reports its ICMP errors), bound to a source address of the director (full NAT). Its handler passes the
 * server's replies to the {@link UdpFlow}. Confined to the flow's event loop.
 */
final class UdpLeg extends ChannelInboundHandlerAdapter {

    final UdpFlow flow;
    final DatagramChannel channel;
    /** The real server's address and port. */
    final InetSocketAddress remote;
    /** One-packet clients: the connection of the last datagram sent, which counts the replies. */
    Connection last;
    /** Whether the listener holds it for a flush at the end of its read batch. */
    boolean dirty;
    /** Whether connect() completed (on io_uring it completes later: writes wait for it). */
    private boolean connected;
    private boolean unflushed;

    private UdpLeg(UdpFlow flow, DatagramChannel channel, InetSocketAddress remote) {
        this.flow = flow;
        this.channel = channel;
        this.remote = remote;
    }

    /**
     * Opens a socket on the flow's loop, connected to the server {@code c} is placed on.
     *
     * @return the leg, or null (counted and logged) when no socket could be had
     */
    static UdpLeg open(UdpFlow flow, Connection c) {
        RelayContext context = flow.listener.context;
        DataPathCounters counters = context.counters();
        InetSocketAddress remote = c.destinationAddress();
        DatagramChannel ch;
        try {
            ch = context.setup().transports().newDatagramChannel(remote.getAddress());
        } catch (ChannelException e) {
            counters.udpDropped.increment();
            if (AcceptGate.isOutOfFiles(e)) {
                context.gate().outOfFiles(e);
            } else {
                counters.udpErrorLog.log(() -> flow + ": cannot create a socket: " + e);
            }
            return null;
        }
        InetSocketAddress local;
        try {
            local = context.setup().localAddress(ch, c, remote, flow.client);
        } catch (RuntimeException e) {
            ch.unsafe().closeForcibly();
            counters.udpDropped.increment();
            counters.natLog.log(() -> flow + ": " + e.getMessage());
            return null;
        }
        context.setup().configureLeg(ch, flow.listener.loop());
        UdpLeg l = new UdpLeg(flow, ch, remote);
        ch.pipeline().addLast(l);
        ChannelFuture registered = flow.listener.loop().register(ch);
        if (!registered.isDone() || !registered.isSuccess()) { // on its own loop registration is immediate
            counters.udpErrorLog.log(() -> flow + ": cannot register a socket: " + registered.cause());
            ch.unsafe().closeForcibly();
            counters.udpDropped.increment();
            return null;
        }
        ChannelFuture connecting = local == null ? ch.connect(remote) : ch.connect(remote, local);
        if (connecting.isDone()) { // epoll and NIO connect a datagram socket at once
            l.connected(connecting);
        } else {
            connecting.addListener(l::connected);
        }
        return l.channel.isOpen() ? l : null;
    }

    private void connected(io.netty.util.concurrent.Future<? super Void> f) {
        if (!f.isSuccess()) {
            Throwable cause = f.cause();
            DataPathCounters counters = flow.listener.counters;
            counters.udpDropped.increment();
            if (ConnectAttempts.isLocalAddressFailure(cause)) {
                counters.localAddressFailures.increment();
                counters.localAddressLog.log(() -> flow + ": no local address for the socket to " + remote + " ("
                        + cause.getMessage() + "): local ports exhausted (net.ipv4.ip_local_port_range), or a "
                        + "source address that is not local");
            } else {
                counters.udpErrorLog.log(() -> flow + ": cannot connect a socket to " + remote + ": " + cause);
            }
            close();
            return;
        }
        connected = true;
        if (unflushed) {
            unflushed = false;
            channel.flush();
        }
    }

    /** Sends what was written, or as soon as the socket is connected. */
    void flush() {
        if (connected) {
            channel.flush();
        } else {
            unflushed = true;
        }
    }

    void close() {
        if (channel.isRegistered()) {
            channel.close();
        } else {
            channel.unsafe().closeForcibly();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf data;
        if (msg instanceof DatagramPacket) {
            data = ((DatagramPacket) msg).content();
        } else if (msg instanceof ByteBuf) {
            data = (ByteBuf) msg;
        } else {
            ReferenceCountUtil.release(msg);
            return;
        }
        flow.reply(this, data);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (isUnreachable(cause)) {
            flow.unreachable(this);
        } else {
            flow.listener.counters.udpErrorLog.log(() -> flow + ": socket to " + remote + ": " + cause);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        flow.legClosed(this);
        ctx.fireChannelInactive();
    }

    /** Whether {@code cause} is the server's ICMP error (port or host unreachable) on the connected socket. */
    static boolean isUnreachable(Throwable cause) {
        if (cause instanceof PortUnreachableException || cause instanceof NoRouteToHostException) {
            return true;
        }
        String m = cause.getMessage();
        return cause instanceof IOException && m != null && (m.contains("Connection refused")
                || m.contains("No route to host") || m.contains("Host is unreachable")
                || m.contains("Network is unreachable"));
    }
}
