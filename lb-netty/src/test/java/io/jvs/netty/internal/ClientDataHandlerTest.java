package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ClientDataHandler} on an {@link io.netty.channel.embedded.EmbeddedChannel}: each way a wait ends. */
class ClientDataHandlerTest {

    /** Records how the wait ended, and the bytes that reach the relay behind the handler. */
    private static final class Recorder extends ChannelInboundHandlerAdapter implements ClientDataHandler.Listener {
        final List<String> events = new ArrayList<>();

        @Override
        public void dataReceived() {
            events.add("data");
        }

        @Override
        public void dataTimedOut() {
            events.add("timeout");
        }

        @Override
        public void endedWithoutData() {
            events.add("ended");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            events.add("read " + b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
    }

    private static HandlerChannel channel(Recorder r) {
        HandlerChannel ch = new HandlerChannel();
        ch.pipeline().addLast(r);
        ch.pipeline().addBefore(ch.pipeline().context(r).name(), null, new ClientDataHandler(r, 3000));
        return ch;
    }

    @Test
    void firstBytes_passOnThenReported_andTheHandlerLeaves() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.writeInbound(Unpooled.copiedBuffer("PING\r\n", StandardCharsets.US_ASCII));
        assertEquals(List.of("read PING\r\n", "data"), r.events, "the bytes are with the relay when it connects");
        assertNull(ch.pipeline().get(ClientDataHandler.class));
        ch.advanceTimeBy(1, TimeUnit.HOURS);
        ch.runScheduledPendingTasks();
        assertEquals(2, r.events.size(), "no timeout after the data");
        ch.finishAndReleaseAll();
    }

    @Test
    void silence_timesOutAtTheTimeout() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.advanceTimeBy(2999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(List.of(), r.events);
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertEquals(List.of("timeout"), r.events);
        assertNull(ch.pipeline().get(ClientDataHandler.class));
        ch.finishAndReleaseAll();
    }

    @Test
    void finBeforeData_endsWithoutData() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals(List.of("ended"), r.events);
        ch.advanceTimeBy(1, TimeUnit.HOURS);
        ch.runScheduledPendingTasks();
        assertEquals(List.of("ended"), r.events);
        ch.finishAndReleaseAll();
    }
}
