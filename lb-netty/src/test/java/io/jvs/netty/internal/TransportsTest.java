package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.netty.Net;
import io.jvs.netty.Transport;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class TransportsTest {

    /**
     * Shutting down the output of a socket its peer has reset fails with ENOTCONN, which Netty's epoll socket throws as
     * an unchecked NotYetConnectedException: the relay must get a failed future, not an exception out of a listener
     * (that escaped as an unthrottled stack trace when a client's FIN raced a server's reset, issue #17).
     */
    @Test
    void shutdownOutputOfAResetSocket_failsTheFuture_throwsNothing() throws Exception {
        Assumptions.assumeTrue(Transports.isAvailable(Transport.EPOLL), "needs epoll");
        Transports t = Transports.of(Transport.EPOLL);
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, t.ioHandlerFactory());
        try (ServerSocket server = new ServerSocket(0, 10, Net.LOOPBACK)) {
            EventLoop loop = group.next();
            SocketChannel ch = t.newSocketChannel(new InetSocketAddress(Net.LOOPBACK, server.getLocalPort()));
            ch.config().setAutoRead(false); // the reset stays unnoticed by Netty: the socket is not closed for it
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter());
            loop.register(ch).sync();
            ch.connect(new InetSocketAddress(Net.LOOPBACK, server.getLocalPort())).sync();
            // The loop is kept busy while the server resets, as in the race: the kernel has the reset, Netty has not
            // seen it yet, and the relay shuts the socket's output down.
            java.util.concurrent.CountDownLatch busy = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch reset = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.Future<ChannelFuture> shut = loop.submit(() -> {
                busy.countDown();
                reset.await(5, TimeUnit.SECONDS);
                Thread.sleep(200); // the reset reaches the client's socket
                return t.shutdownOutput((DuplexChannel) ch);
            });
            assertTrue(busy.await(5, TimeUnit.SECONDS));
            try (Socket accepted = server.accept()) {
                accepted.setSoLinger(true, 0); // close with RST
            }
            reset.countDown();
            ChannelFuture f = shut.get(5, TimeUnit.SECONDS); // before the fix: ExecutionException(NotYetConnected)
            assertTrue(f.isDone());
            assertFalse(f.isSuccess(), "ENOTCONN after a reset");
            assertTrue(f.cause() instanceof java.nio.channels.NotYetConnectedException, String.valueOf(f.cause()));
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
