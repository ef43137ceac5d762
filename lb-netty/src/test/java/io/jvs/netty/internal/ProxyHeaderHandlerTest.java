package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link ProxyHeaderHandler} on an {@link io.netty.channel.embedded.EmbeddedChannel}: each way a wait ends. */
class ProxyHeaderHandlerTest {

    /** Records what the handler reports, and the bytes that reach the relay behind it. */
    private static final class Recorder extends ChannelInboundHandlerAdapter implements ProxyHeaderHandler.Listener {
        InetSocketAddress client;
        InetSocketAddress virtual;
        String rejected;
        final List<String> after = new ArrayList<>();

        @Override
        public void headerReceived(InetSocketAddress client, InetSocketAddress virtual) {
            this.client = client;
            this.virtual = virtual;
        }

        @Override
        public void headerRejected(String why) {
            rejected = why;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            after.add(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
    }

    private static HandlerChannel channel(Recorder r) {
        HandlerChannel ch = new HandlerChannel();
        ProxyHeaderHandler.install(ch.pipeline(), r, 5000);
        ch.pipeline().addLast(r);
        return ch.activate();
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void v1Header_givesTheClient_passesTheBytesAfterIt_andLeaves() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.writeInbound(ascii("PROXY TCP4 192.0.2.7 10.0.0.1 51000 80\r\nGET / HTTP/1.0\r\n\r\n"));
        assertEquals(new InetSocketAddress("192.0.2.7", 51000), r.client);
        assertEquals(new InetSocketAddress("10.0.0.1", 80), r.virtual);
        assertEquals(List.of("GET / HTTP/1.0\r\n\r\n"), r.after);
        assertNull(ch.pipeline().get(ProxyHeaderHandler.class), "it removed itself");
        assertNull(ch.pipeline().get(ProxyHeaderHandler.DECODER), "and the decoder is gone");
        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertNull(r.rejected, "its timeout was cancelled");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void headerInPieces_waitsForTheWhole() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.writeInbound(ascii("PROXY TCP4 192.0.2.7 10.0"));
        assertNull(r.client);
        ch.writeInbound(ascii(".0.1 51000 80\r\n"));
        assertEquals(new InetSocketAddress("192.0.2.7", 51000), r.client);
        ch.finishAndReleaseAll();
    }

    @Test
    void localCommand_keepsTheSocketsAddresses() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        byte[] v2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00};
        ch.writeInbound(Unpooled.wrappedBuffer(v2)); // v2, LOCAL, UNSPEC, no addresses: the upstream's health check
        assertEquals(HandlerChannel.PEER, r.client);
        assertEquals(HandlerChannel.LOCAL, r.virtual);
        ch.finishAndReleaseAll();
    }

    @Test
    void garbage_isRejectedAsAnInvalidHeader() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.writeInbound(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        assertTrue(r.rejected.startsWith("invalid PROXY protocol header: "), r.rejected);
        assertNull(r.client);
        ch.finishAndReleaseAll();
    }

    @Test
    void silence_isRejectedAtTheTimeout_notBefore() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.advanceTimeBy(4999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertNull(r.rejected);
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertEquals("no PROXY protocol header within 5000 ms", r.rejected);
        ch.finishAndReleaseAll();
    }

    @Test
    void endingFirst_isRejected() {
        Recorder r = new Recorder();
        HandlerChannel ch = channel(r);
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertEquals("the connection ended before a PROXY protocol header", r.rejected);
        ch.finishAndReleaseAll();
    }
}
