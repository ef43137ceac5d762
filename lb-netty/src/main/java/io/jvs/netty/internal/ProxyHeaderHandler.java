package io.jvs.netty.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Waits for the PROXY protocol header (version 1 or 2) a client behind another balancer sends first, then removes
 * itself: it sits behind Netty's {@link HAProxyMessageDecoder} (which removes itself after the header and passes on
 * the bytes that followed it) and hands the header's addresses to its {@link Listener}. A client that sends no valid
 * header within the timeout, sends garbage, or ends first is rejected; until the header is in, every close is a
 * rejection, and a rejection is a reset ({@code SO_LINGER 0}).
 */
final class ProxyHeaderHandler extends ChannelInboundHandlerAdapter {

    static final String DECODER = "proxy-protocol-decoder";

    /** Who hears of the header. */
    interface Listener {
        /** The header is in: the client and the address it reached (the socket's own for LOCAL or UNKNOWN). */
        void headerReceived(InetSocketAddress client, InetSocketAddress virtual);

        /** No usable header: the client must be reset, and {@code why} said. */
        void headerRejected(String why);
    }

    private final Listener listener;
    private final long timeoutMillis;
    private ScheduledFuture<?> timeout;
    private boolean done;

    ProxyHeaderHandler(Listener listener, long timeoutMillis) {
        this.listener = listener;
        this.timeoutMillis = timeoutMillis;
    }

    /** The decoder and this handler, to add in front of a client's pipeline. */
    static void install(io.netty.channel.ChannelPipeline p, Listener listener, long timeoutMillis) {
        p.addLast(DECODER, new HAProxyMessageDecoder());
        p.addLast(new ProxyHeaderHandler(listener, timeoutMillis));
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
        timeout = ctx.executor().schedule(() -> reject(ctx, "no PROXY protocol header within " + timeoutMillis + " ms"),
                timeoutMillis, TimeUnit.MILLISECONDS);
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage)) {
            if (done) {
                ctx.fireChannelRead(msg);
            } else {
                ReferenceCountUtil.release(msg);
            }
            return;
        }
        HAProxyMessage header = (HAProxyMessage) msg;
        try {
            if (done) {
                return;
            }
            InetSocketAddress from = (InetSocketAddress) ctx.channel().remoteAddress();
            InetSocketAddress to = (InetSocketAddress) ctx.channel().localAddress();
            if (header.command() == HAProxyCommand.PROXY && (header.proxiedProtocol() == HAProxyProxiedProtocol.TCP4
                    || header.proxiedProtocol() == HAProxyProxiedProtocol.TCP6)) {
                InetAddress src = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
                InetAddress dst = NetUtil.createInetAddressFromIpAddressString(header.destinationAddress());
                if (src == null || dst == null) {
                    reject(ctx, "unparsable addresses in " + header);
                    return;
                }
                from = new InetSocketAddress(src, header.sourcePort());
                to = new InetSocketAddress(dst, header.destinationPort());
            } // LOCAL (the upstream's own health check) or UNKNOWN: the connection's own addresses
            finish(ctx);
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, -1);
            ctx.pipeline().remove(this);
            listener.headerReceived(from, to);
        } finally {
            header.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done) {
            ctx.read(); // a read that brought no whole header: keep waiting
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
            reject(ctx, "the connection ended before a PROXY protocol header");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (done) {
            if (!(cause instanceof HAProxyProtocolException || cause.getCause() instanceof HAProxyProtocolException)) {
                ctx.fireExceptionCaught(cause);
            } // else: the decoder's failure after a rejection already made
            return;
        }
        // Whatever the decoder throws is a bad header: not only HAProxyProtocolException (Netty 4.2.18 lets an
        // IndexOutOfBoundsException out of a v2 header whose TLV lengths overrun it), and a client that fails before
        // its header is rejected as one that ends before it.
        Throwable why = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        reject(ctx, (cause instanceof IOException ? "the connection failed before a PROXY protocol header: "
                : "invalid PROXY protocol header: ") + why.getMessage());
    }

    private void reject(ChannelHandlerContext ctx, String why) {
        if (done) {
            return;
        }
        finish(ctx);
        listener.headerRejected(why);
    }

    private void finish(ChannelHandlerContext ctx) {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
