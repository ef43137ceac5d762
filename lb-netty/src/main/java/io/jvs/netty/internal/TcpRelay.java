package io.jvs.netty.internal;

import io.jvs.api.Protocol;
import io.jvs.core.Connection;
import io.jvs.core.ServiceBinding;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;

/**
 * Relays one client connection to its real server (full NAT: the director opens its own connection).
 *
 * <p>Both legs run on the client's event loop, so the relay needs no locks. Backpressure follows Netty's
 * HexDumpProxy: auto-read is off on both legs and each leg reads its next buffer only when the previous one has
 * been written to the other leg, so at most one receive buffer per direction is in flight, however fast one
 * side sends and however slowly the other reads.
 *
 * <p>Endings: a FIN from either side is forwarded as a FIN once everything before it was written, while the
 * other direction keeps flowing (half-close); the relay closes both legs when both directions have ended. A
 * reset or I/O error on one leg resets the other ({@code SO_LINGER 0}). Every event is reported to the
 * {@link Connection}.
 */
final class TcpRelay {

    private static final Logger LOG = System.getLogger(TcpRelay.class.getName());

    private final Connection conn;
    private final Channel client;
    private Channel server;
    private boolean toServerShut;
    private boolean toClientShut;
    private int attempts;
    private boolean finished;
    /** Whether the server leg is connected; until then the client's bytes and FIN wait in {@link #early}. */
    private boolean connected;
    /**
     * What the client sent before the server leg connected. Auto-read is off, but epoll reads what is queued when
     * the client's FIN arrives (EPOLLRDHUP), so a request sent with its FIN can come before the backend exists. At
     * most one read loop's worth, since nothing asks for more.
     */
    private ArrayDeque<ByteBuf> early;
    private boolean earlyFin;
    private final ChannelFutureListener legClosed = this::legClosed;

    private TcpRelay(Connection conn, Channel client) {
        this.conn = conn;
        this.client = client;
        client.closeFuture().addListener(legClosed);
        conn.attach(this::closeFromDirector);
    }

    /** The handler of an accepted client channel: places the connection and starts the relay. */
    static final class Frontend extends ChannelInboundHandlerAdapter {
        private final ServiceBinding binding;
        private final NettyDataPath dataPath;

        Frontend(ServiceBinding binding, NettyDataPath dataPath) {
            this.binding = binding;
            this.dataPath = dataPath;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            Channel ch = ctx.channel();
            Connection conn = binding.open(Protocol.TCP, (InetSocketAddress) ch.remoteAddress(),
                    (InetSocketAddress) ch.localAddress());
            if (conn == null) {
                abort(ch); // no real server: refuse, as IPVS does with an ICMP unreachable
                return;
            }
            TcpRelay relay = new TcpRelay(conn, ch);
            ctx.pipeline().replace(this, "relay", relay.new Leg(true));
            relay.connect(dataPath);
        }
    }

    private void connect(NettyDataPath dataPath) {
        attempts++;
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(dataPath.transports().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, dataPath.connectTimeoutMillis())
                .handler(new Leg(false));
        ChannelFuture f = b.connect(conn.destinationAddress());
        Channel ch = f.channel();
        server = ch;
        ch.closeFuture().addListener(legClosed);
        f.addListener((ChannelFutureListener) future -> {
            if (!future.isSuccess()) {
                LOG.log(Level.DEBUG, () -> conn + ": connect failed: " + future.cause());
                if (client.isActive() && attempts < dataPath.connectAttempts() && conn.reschedule()) {
                    connect(dataPath); // the next server; the client never sees the failure
                } else {
                    abort(client);
                }
                return;
            }
            if (!client.isActive()) {
                ch.close();
                return;
            }
            connected = true;
            conn.onBackendConnected();
            ch.read();
            flushEarly();
        });
    }

    /** Sends what the client sent before the server leg connected, then resumes reading the client. */
    private void flushEarly() {
        ArrayDeque<ByteBuf> q = early;
        early = null;
        Leg clientLeg = (Leg) client.pipeline().get("relay");
        if (q == null || q.isEmpty()) {
            if (earlyFin) {
                clientLeg.forwardFin();
            } else {
                client.read();
            }
            return;
        }
        ChannelFuture last = null;
        for (ByteBuf b; (b = q.poll()) != null; ) {
            last = server.write(b);
        }
        server.flush();
        last.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                clientLeg.failed(f.cause());
            } else if (earlyFin) {
                clientLeg.forwardFin();
            } else {
                client.read();
            }
        });
    }

    private void releaseEarly() {
        ArrayDeque<ByteBuf> q = early;
        early = null;
        if (q != null) {
            for (ByteBuf b; (b = q.poll()) != null; ) {
                b.release();
            }
        }
    }

    /** Reports the end of the connection once the client leg and the current server leg are both closed. */
    private void legClosed(ChannelFuture ignored) {
        if (!client.isOpen()) {
            releaseEarly();
        }
        if (!finished && !client.isOpen() && (server == null || !server.isOpen())) {
            finished = true;
            conn.onClosed();
        }
    }

    /** Closes both legs on the director's request (idle timeout, flush); runs on the client's event loop. */
    private void closeFromDirector(boolean reset) {
        client.eventLoop().execute(() -> {
            if (reset) {
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
        });
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }

    /** One leg's handler: relays what it reads to the other leg. */
    private final class Leg extends ChannelInboundHandlerAdapter {
        private final boolean fromClient;
        private final ChannelFutureListener afterWrite;

        Leg(boolean fromClient) {
            this.fromClient = fromClient;
            this.afterWrite = f -> {
                if (f.isSuccess()) {
                    self().read();
                } else {
                    failed(f.cause());
                }
            };
        }

        private Channel self() {
            return fromClient ? client : server;
        }

        private Channel peer() {
            return fromClient ? server : client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (fromClient && !connected && msg instanceof ByteBuf) {
                conn.countInbound(((ByteBuf) msg).readableBytes());
                if (early == null) {
                    early = new ArrayDeque<>(4);
                }
                early.add((ByteBuf) msg);
                return;
            }
            Channel peer = peer();
            if (!(msg instanceof ByteBuf) || peer == null || !peer.isActive()) {
                ReferenceCountUtil.release(msg);
                return;
            }
            int bytes = ((ByteBuf) msg).readableBytes();
            if (fromClient) {
                conn.countInbound(bytes);
            } else {
                conn.countOutbound(bytes);
            }
            peer.writeAndFlush(msg).addListener(afterWrite);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                if (fromClient && !connected) {
                    conn.onClientFin();
                    earlyFin = true; // forwarded once the server leg is connected
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
        private void forwardFin() {
            Channel peer = peer();
            if (peer == null || !peer.isActive()) {
                self().close();
                return;
            }
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) w -> {
                if (!w.isSuccess()) {
                    failed(w.cause());
                    return;
                }
                ((DuplexChannel) peer).shutdownOutput().addListener((ChannelFutureListener) s -> {
                    if (fromClient) {
                        toServerShut = true;
                    } else {
                        toClientShut = true;
                    }
                    if (toServerShut && toClientShut) {
                        client.close();
                        server.close();
                    }
                });
            });
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // This leg closed without both directions ending (peer gone, or we closed it): let the other
            // leg deliver what it has, then close it too.
            Channel peer = peer();
            if (peer != null && peer.isActive()) {
                closeOnFlush(peer);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failed(cause);
        }

        /** A reset or I/O error on this leg: reset the other one and close both. */
        private void failed(Throwable cause) {
            if (cause instanceof IOException) {
                LOG.log(Level.DEBUG, () -> conn + ": " + (fromClient ? "client" : "server") + " leg: " + cause);
            } else {
                LOG.log(Level.WARNING, conn + ": " + (fromClient ? "client" : "server") + " leg failed", cause);
            }
            if (fromClient) {
                conn.onClientReset();
            } else {
                conn.onServerReset();
            }
            Channel peer = peer();
            if (peer != null) {
                abort(peer);
            }
            abort(self());
        }
    }

    /** Closes with {@code SO_LINGER 0}, so the peer sees a reset rather than an orderly end. */
    static void abort(Channel ch) {
        if (ch.isOpen()) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException ignored) {
                // The socket is already gone; close() below is all there is left to do.
            }
            ch.close();
        }
    }
}
