package io.jvs.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a placed client's first bytes before its real server is contacted
 * ({@link io.jvs.api.Defences#clientDataTimeout()}), then removes itself and passes the bytes on. A client that sends
 * nothing within the timeout is reset; one that ends first is closed without a real server ever being contacted.
 * Until the first bytes are in, a close is a refusal, so the client's socket resets ({@code SO_LINGER 0}).
 */
final class ClientDataHandler extends ChannelInboundHandlerAdapter {

    /** Who hears how the wait ended. */
    interface Listener {
        /** The first bytes are in, passed on down the pipeline just before this call. */
        void dataReceived();

        /** Nothing came within the timeout: the client must be reset. */
        void dataTimedOut();

        /** The client ended (FIN) without sending anything. */
        void endedWithoutData();
    }

    private final Listener listener;
    private final long timeoutMillis;
    private ScheduledFuture<?> timeout;
    private boolean done;

    ClientDataHandler(Listener listener, long timeoutMillis) {
        this.listener = listener;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0); // a client closed now is refused: reset
        timeout = ctx.executor().schedule(() -> end(ctx, Listener::dataTimedOut), timeoutMillis,
                TimeUnit.MILLISECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (done || !(msg instanceof ByteBuf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        finish(ctx);
        ctx.channel().config().setOption(ChannelOption.SO_LINGER, -1);
        ctx.fireChannelRead(msg);
        listener.dataReceived();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!done) {
            ctx.read(); // a read that brought nothing: keep waiting for the first bytes
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !done) {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, -1);
            end(ctx, Listener::endedWithoutData); // it sent nothing and is done
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void end(ChannelHandlerContext ctx, java.util.function.Consumer<Listener> how) {
        if (done) {
            return;
        }
        finish(ctx);
        how.accept(listener);
    }

    private void finish(ChannelHandlerContext ctx) {
        done = true;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (!ctx.isRemoved()) {
            ctx.pipeline().remove(this);
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
    }
}
