package io.jvs.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NotYetConnectedException;

/**
 * One leg of a {@link TcpRelay}, client or server: relays what it reads to the other leg.
 *
 * <p>Bytes pass through untouched: each buffer read from one leg is written to the other without a flush, and the
 * written buffers are flushed together when the read batch ends (one {@code writev} for many reads, which is what
 * keeps pipelined small requests cheap). Backpressure: when a leg's outbound buffer passes the relay buffer size (its
 * high water mark) the other leg stops reading, and it reads again once the outbound buffer has drained below half of
 * it. A direction therefore never holds more than the relay buffer plus one receive buffer, however fast its sender
 * and however slow its reader.
 *
 * <p>Endings: a FIN from either side is forwarded as a FIN once everything before it was written, while the other
 * direction keeps flowing (half-close; both legs allow half-closure); the relay closes both legs once both
 * directions have ended. Once a leg has been sent a FIN it no longer allows half-closure, so the FIN that ends the
 * connection makes the transport close that leg (one {@code shutdown(SHUT_RD)}, failing with ENOTCONN, and an
 * exception fewer per connection), and the relay closes the other leg once flushed, which forwards the FIN. A reset
 * or an I/O error on one leg resets the other ({@code SO_LINGER 0}).
 *
 * <p>A workaround for Netty 4.2.18's epoll transport (still in 4.2.20's classes): once a socket's input has ended
 * and it has nothing to write, Netty removes it from epoll (EPOLL_CTL_DEL) but keeps treating it as registered, so
 * the next time a write to it must wait for writability, {@code epoll_ctl(MOD)} fails with ENOENT and Netty drops
 * every pending byte and shuts the output down. A half-closed connection whose other direction still carries data
 * would be cut short. So before writing to such a socket again, the leg takes it out of its event loop and registers
 * it again (a fresh EPOLL_CTL_ADD), and flushes only once that is done; bytes written meanwhile wait, and count
 * against the relay buffer as usual.
 */
final class RelayLeg extends ChannelDuplexHandler {

    private static final Logger LOG = System.getLogger(RelayLeg.class.getName());

    private final TcpRelay relay;
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

    RelayLeg(TcpRelay relay, boolean fromClient) {
        this.relay = relay;
        this.fromClient = fromClient;
    }

    private Channel self() {
        return fromClient ? relay.client : relay.server;
    }

    private Channel peer() {
        return fromClient ? relay.server : relay.client;
    }

    private RelayLeg peerLeg() {
        return fromClient ? relay.serverLeg : relay.clientLeg;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (fromClient) {
            relay.activated();
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ByteBuf buf = (ByteBuf) msg;
        if (fromClient && !relay.backendUp) { // bytes before the server is connected (after a header, or awaited)
            relay.early(buf);
            return;
        }
        Channel peer = peer();
        if (peer == null || !peer.isActive()) {
            buf.release();
            return;
        }
        if (fromClient) {
            relay.conn.countInbound(buf.readableBytes());
        } else {
            relay.conn.countOutbound(buf.readableBytes());
        }
        RelayLeg peerLeg = peerLeg();
        if (relay.context.setup().rearmHalfClosed() && !peerLeg.rearming && ((DuplexChannel) peer).isInputShutdown()
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
        if (unflushed) {
            unflushed = false;
            Channel peer = peer();
            if (peer != null && !peerLeg().rearming) {
                peer.flush(); // (a re-arming peer flushes once it is registered again)
            }
        }
    }

    /** Whether nothing waits in {@code ch}'s outbound buffer (so epoll may have dropped its registration). */
    private static boolean nothingPending(Channel ch) {
        ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() == 0;
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
        if (ctx.channel().isWritable() && peer != null && relay.backendUp && !relay.finished && !relay.aborted
                && peer.isActive() && !((DuplexChannel) peer).isInputShutdown()) {
            // This leg drained below the low water mark: let the peer send to it again. Not once the peer's input
            // has ended: there is nothing left to read, and Netty 4.2.18's epoll transport fails to re-arm a
            // half-closed socket it has taken out of epoll (epoll_ctl ENOENT).
            peer.config().setAutoRead(true);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (!(evt instanceof ChannelInputShutdownEvent)) {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        if (relay.aborted || relay.finished) {
            return;
        }
        if (fromClient && !relay.backendUp) {
            // (epoll reads to the end of a client that sent its FIN, even before the relay asks it to.)
            relay.clientFinPending = true; // reported and forwarded once the server is connected
            return;
        }
        if (fromClient) {
            relay.conn.onClientFin();
        } else {
            relay.conn.onServerFin();
        }
        forwardFin();
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
            relay.context.setup().transports().shutdownOutput((DuplexChannel) peer)
                    .addListener((ChannelFutureListener) s -> {
                if (fromClient) {
                    relay.toServerShut = true;
                } else {
                    relay.toClientShut = true;
                }
                if (relay.toServerShut && relay.toClientShut) {
                    relay.client.close();
                    relay.server.close();
                } else if (s.isSuccess() && peer.isActive() && !((DuplexChannel) peer).isInputShutdown()) {
                    // The peer's FIN will end the connection: let the transport close the peer when it comes rather
                    // than shut its input down (a shutdown(SHUT_RD) that fails with ENOTCONN, and an exception, per
                    // connection) and have us shut the other leg's output before closing both.
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
        if (finClosesLeg && !closeRequested && !relay.aborted && !relay.finished && relay.conn != null) {
            // The transport closed this leg on its FIN, the last direction ending (see forwardFin): the other leg's
            // input has ended already, so closing it once flushed forwards this FIN.
            if (fromClient) {
                relay.conn.onClientFin();
            } else {
                relay.conn.onServerFin();
            }
        }
        // This leg closed without both directions ending (we closed it, or the socket went away), or on its last
        // FIN: let the other leg deliver what it has, then close it too.
        Channel peer = peer();
        if (peer != null && peer.isActive() && !relay.aborted) {
            TcpRelay.closeOnFlush(peer);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        failed(cause);
    }

    /** A reset or I/O error on this leg: reset the other one and close both. */
    private void failed(Throwable cause) {
        if (relay.aborted || relay.finished) {
            return;
        }
        if (cause instanceof ClosedChannelException || cause instanceof NotYetConnectedException) {
            // A write to a leg that was closing anyway, or not yet connected when the other side's FIN raced its
            // reset: end the connection without inventing a reset.
            TcpRelay.closeOnFlush(relay.client);
            if (relay.server != null) {
                TcpRelay.closeOnFlush(relay.server);
            }
            return;
        }
        if (cause instanceof IOException) {
            LOG.log(Level.DEBUG, () -> relay + ": " + (fromClient ? "client" : "server") + " leg: " + cause);
        } else {
            relay.context.counters().relayErrorLog.log(() -> relay + ": " + (fromClient ? "client" : "server")
                    + " leg failed: " + cause, cause);
        }
        relay.aborted = true;
        if (relay.conn != null) {
            if (fromClient) {
                relay.conn.onClientReset();
            } else {
                relay.conn.onServerReset();
            }
        }
        Channel peer = peer();
        if (peer != null) {
            TcpRelay.abort(peer);
        }
        TcpRelay.abort(self());
    }
}
