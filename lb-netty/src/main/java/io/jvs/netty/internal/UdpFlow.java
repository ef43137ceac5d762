package io.jvs.netty.internal;

import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The director's side of one UDP client (an IPVS UDP "connection"): the client's address, the entry of the
 * connection table that placed it, and the socket the director relays its datagrams through, connected to the real
 * server (full NAT), so that the server's replies, however many, come back on it and go to the client from the
 * virtual address. Confined to the event loop of its {@link UdpListener}.
 *
 * <p>A flow ends when its entry expires (the connection table calls {@link #close(boolean)}: no datagram either way
 * for the {@code udp} timeout), when its listener closes, or when the data path closes. A server that answers with an
 * ICMP port unreachable counts a failure and the flow moves to another server ({@link Connection#reschedule()});
 * its next datagram opens a socket to that one.
 *
 * <p>One-packet clients ({@code -o}) have a flow too, but no entry: each datagram is scheduled on its own, and the
 * flow keeps a socket per real server it used, so that replies reach the client whichever server sends them. Such a
 * flow ends after the {@code udp} timeout without a datagram either way.
 */
final class UdpFlow implements Connection.Closer {

    final UdpListener listener;
    final InetSocketAddress client;
    /**
     * The question the listener asks the director for each of this flow's datagrams: set once, so that a datagram
     * reads no address again (an IPv6 address is read as a copy of its bytes).
     */
    final FlowRequest request = new FlowRequest();
    /** The flow's entry in the connection table; null for a one-packet client (each datagram has its own). */
    private final Connection conn;
    /** The socket to {@link #conn}'s server; null before the first datagram and after a server failed. */
    private UdpLeg leg;
    /** One-packet clients: a socket per real server used. */
    private UdpLeg[] legs;
    private int legCount;
    /** The PROXY protocol v2 header of this flow's datagrams, made when first needed. */
    private byte[] proxyHeader;
    /** One-packet clients: when a datagram last passed, either way (the director's ticker). */
    private long lastActive;
    private ScheduledFuture<?> idleTimer;
    private volatile boolean closed;

    UdpFlow(UdpListener listener, InetSocketAddress client, Connection conn) {
        this.listener = listener;
        this.client = client;
        this.conn = conn;
        request.set(Protocol.UDP, client, listener.virtual);
        listener.counters.udpFlows.incrementAndGet();
        if (conn != null) {
            conn.attach(this);
        } else {
            legs = new UdpLeg[2];
            lastActive = listener.context.setup().nanoTime();
            armIdleTimer(listener.context.setup().udpTimeoutNanos());
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Whether {@code c}, what the table returned for this client's datagram, is still this flow's. */
    boolean accepts(Connection c) {
        return conn == null ? c.isOnePacket() : c == conn;
    }

    /**
     * Relays one datagram from the client to the server {@code c} placed it on; takes ownership of {@code data}.
     *
     * @return the socket written to, to be flushed when the read batch ends; null if the datagram was dropped
     */
    UdpLeg forward(Connection c, ByteBuf data) {
        DataPathCounters counters = listener.counters;
        UdpLeg l = conn != null ? leg : legTo(c.destinationAddress());
        if (l == null) {
            l = UdpLeg.open(this, c);
            if (l == null) {
                data.release();
                return null;
            }
            if (conn != null) {
                leg = l;
            } else {
                if (legCount == legs.length) {
                    legs = Arrays.copyOf(legs, legCount * 2);
                }
                legs[legCount++] = l;
            }
        }
        if (!l.channel.isWritable()) {
            counters.udpDropped.increment(); // the socket's buffer is full: drop, as a congested router would
            data.release();
            return null;
        }
        int n = data.readableBytes();
        byte[] h = null;
        if (c.destination().server().proxyProtocol() == ProxyProtocol.V2) {
            h = proxyHeader;
            if (h == null) {
                h = proxyHeader = ProxyV2.udp(client, listener.virtual);
            }
            if (h.length + n > SocketSetup.MAX_UDP_PAYLOAD) {
                counters.udpOversized(h.length + n, SocketSetup.MAX_UDP_PAYLOAD);
                data.release();
                return null;
            }
        }
        // The datagram is copied out of the listener's batch buffer into a buffer of its own (after its PROXY header):
        // a few bytes must not hold the whole batch buffer while they wait to be sent, and the copy takes reused memory.
        ByteBufAllocator alloc = l.channel.alloc();
        ByteBuf out = alloc instanceof DatagramReadBuffers ? alloc.directBuffer(((DatagramReadBuffers) alloc).size())
                : alloc.directBuffer(n + (h == null ? 0 : h.length));
        if (h != null) {
            out.writeBytes(h);
        }
        out.writeBytes(data);
        data.release();
        c.countInbound(n);
        if (conn == null) {
            l.last = c;
            lastActive = listener.context.setup().nanoTime();
        }
        l.channel.write(out, l.channel.voidPromise());
        return l;
    }

    /**
     * A datagram that another listener of the endpoint received for this flow: relayed from this flow's own loop,
     * and flushed at once. Any thread.
     */
    void forwardFromElsewhere(Connection c, ByteBuf data) {
        EventLoop loop = listener.loop();
        Runnable task = () -> {
            if (closed) {
                data.release();
                return;
            }
            UdpLeg l = forward(c, data);
            if (l != null) {
                l.flush();
            }
        };
        try {
            loop.execute(task);
        } catch (RuntimeException e) { // the loop is shutting down
            data.release();
        }
    }

    private UdpLeg legTo(InetSocketAddress remote) {
        for (int i = 0; i < legCount; i++) {
            if (legs[i].remote.equals(remote)) {
                return legs[i];
            }
        }
        return null;
    }

    /** A reply from a real server arrived on {@code l}; takes ownership of {@code data}. */
    void reply(UdpLeg l, ByteBuf data) {
        if (closed) {
            data.release();
            return;
        }
        int n = data.readableBytes();
        if (n >= listener.slot) {
            listener.counters.udpOversized(n, listener.slot - 1);
            data.release();
            return;
        }
        Connection c = conn != null ? conn : l.last;
        c.countOutbound(n);
        if (conn == null) {
            lastActive = listener.context.setup().nanoTime();
        }
        listener.reply(client, data);
    }

    /**
     * The real server behind {@code l} answered with an ICMP unreachable (connection refused): it counts a failure
     * and, for a flow with an entry, the flow moves to another server while one is left. The socket is closed; the
     * next datagram opens one to the flow's server, the new one or (when no other is left) the same.
     */
    void unreachable(UdpLeg l) {
        if (closed) {
            return;
        }
        listener.counters.connectFailures.increment();
        Connection c = conn != null ? conn : l.last;
        if (c != null) {
            c.reschedule(); // one-packet: counts the failure only; the next datagram is scheduled anyway
        }
        if (conn != null && l == leg) {
            leg = null;
            l.close();
        }
    }

    /** A leg's socket closed (a failure, or the flow's end). */
    void legClosed(UdpLeg l) {
        if (l == leg) {
            leg = null;
            return;
        }
        for (int i = 0; i < legCount; i++) {
            if (legs[i] == l) {
                legs[i] = legs[--legCount];
                legs[legCount] = null;
                return;
            }
        }
    }

    // ---- endings

    /** The connection table expired this flow's entry (idle for the {@code udp} timeout). Any thread. */
    @Override
    public void close(boolean reset) {
        EventLoop loop = listener.loop();
        if (loop.inEventLoop()) {
            closeNow(true);
        } else {
            try {
                loop.execute(() -> closeNow(true));
            } catch (RuntimeException e) { // the loop is shutting down: its channels are closed with it
                closeNow(true);
            }
        }
    }

    /**
     * Ends the flow on its loop: closes its sockets and detaches it from its entry (which stays until it expires).
     *
     * @param releaseSlot whether its slot under the flow limits is given back (false when a new flow of the same
     *     client takes it over)
     */
    void closeNow(boolean releaseSlot) {
        if (closed) {
            return;
        }
        closed = true;
        listener.counters.udpFlows.decrementAndGet();
        listener.removed(this);
        if (idleTimer != null) {
            idleTimer.cancel(false);
        }
        if (leg != null) {
            UdpLeg l = leg;
            leg = null;
            l.close();
        }
        for (int i = legCount - 1; i >= 0; i--) {
            UdpLeg l = legs[i];
            legs[i] = null;
            l.close();
        }
        legCount = 0;
        if (conn != null) {
            conn.onClosed(this); // not if a flow on another listener took the entry over meanwhile
        }
        if (releaseSlot) { // (not when a new flow of the same client took the slot over)
            listener.context.gate().udpFlowClosed(listener.service);
        }
    }

    private void armIdleTimer(long nanos) {
        idleTimer = listener.loop().schedule(this::idleCheck, nanos, TimeUnit.NANOSECONDS);
    }

    /** One-packet clients: ends the flow once no datagram passed for the {@code udp} timeout. */
    private void idleCheck() {
        if (closed) {
            return;
        }
        long timeout = listener.context.setup().udpTimeoutNanos();
        long idle = listener.context.setup().nanoTime() - lastActive;
        if (idle >= timeout) {
            closeNow(true);
        } else {
            armIdleTimer(timeout - idle);
        }
    }

    @Override
    public String toString() {
        return "UDP flow " + io.jvs.api.internal.Addresses.toString(client) + " -> "
                + io.jvs.api.internal.Addresses.toString(listener.virtual) + (conn == null ? " (one-packet)" : "");
    }
}
