package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.internal.Transports;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Faults on the lean epoll relay found in review (a client reset while nothing reads it was ignored until the connect
 * timed out or forever), with the channel relay as the comparison, and the bounds it keeps.
 * Epoll only (the lean relay is epoll's); bounded waits, 127.0.0.1 only.
 */
class LeanRelayFaultsTest {

    @BeforeEach
    void epollOnly() {
        assumeTrue(Transports.isAvailable(Transport.EPOLL), "epoll");
    }

    private static NettyLoadBalancer.Builder lean() {
        return NettyLoadBalancer.builder().transport(Transport.EPOLL).drainTimeout(Duration.ofMillis(500));
    }

    private static long resetWhileConnecting(boolean leanRelay, boolean withData) throws Exception {
        try (Blackhole hole = new Blackhole();
                NettyLoadBalancer lb = Lbs.build(lean().ioThreads(2).connectTimeout(Duration.ofSeconds(3)), leanRelay)) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(hole.address())).build());
            Socket s = Net.connect(port);
            if (withData) {
                s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            Lbs.await(() -> lb.stats().openConnections() == 1, Duration.ofSeconds(5), () -> "" + lb.stats());
            Thread.sleep(100);
            s.setSoLinger(true, 0);
            s.close(); // RST
            long start = System.nanoTime();
            Lbs.await(() -> lb.stats().openConnections() == 0, Duration.ofSeconds(15), () -> "" + lb.stats());
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
    }

    /** The channel relay (epoll, lean relay off) ends such a connection at once: the comparison for the two below. */
    @Test
    void channelRelay_clientResetWhileServerConnecting_endsPromptly() throws Exception {
        long ms = resetWhileConnecting(false, true);
        assertTrue(ms < 1000, "channel relay: ended " + ms + " ms after the client's reset");
    }

    /**
     * A client that resets while its real server is still being connected to (a server that does not answer SYNs)
     * is gone: its connection should end at once, not when the connect times out (3 s here, 5 s by default), holding
     * its descriptor, its table entry, its per-source and service places meanwhile.
     */
    @Test
    void clientResetWhileServerConnecting_connectionEndsPromptly() throws Exception {
        long ms = resetWhileConnecting(true, true);
        assertTrue(ms < 1000, "lean relay: the reset client's connection ended " + ms + " ms after its reset");
    }

    /** The same, for a client that resets before sending anything. */
    @Test
    void clientResetBeforeDataWhileServerConnecting_connectionEndsPromptly() throws Exception {
        long ms = resetWhileConnecting(true, false);
        assertTrue(ms < 1000, "lean relay: the reset client's connection ended " + ms + " ms after its reset");
    }

    private static long resetWhileBackpressured(boolean leanRelay) throws Exception {
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (Backend sink = new Backend(s -> {
                    try {
                        release.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // end
                    }
                });
                NettyLoadBalancer lb = Lbs.build(lean().ioThreads(2).relayBuffer(16 * 1024), leanRelay)) {
            int port = Lbs.startRr(lb, sink);
            Socket s = Net.connect(port);
            Net.flood(s);
            Thread.sleep(1000); // every buffer on the way is full: the relay stopped reading the client
            s.setSoLinger(true, 0);
            s.close(); // RST
            long start = System.nanoTime();
            try {
                Lbs.await(() -> lb.stats().openConnections() == 0, Duration.ofSeconds(6), () -> "" + lb.stats());
            } catch (AssertionError e) {
                // still open
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            release.complete(null);
            return ms;
        }
    }

    /** The channel relay ends a backpressured connection whose client resets at once (comparison for the next). */
    @Test
    void channelRelay_clientResetWhileBackpressured_endsPromptly() throws Exception {
        long ms = resetWhileBackpressured(false);
        assertTrue(ms < 1000, "channel relay: ended " + ms + " ms after the client's reset");
    }

    /**
     * A client that resets while the relay has stopped reading it (its server does not read) is gone: its
     * connection should end, not wait until the server reads again (or the 15-minute ESTABLISHED timeout).
     */
    @Test
    void clientResetWhileBackpressured_connectionEndsPromptly() throws Exception {
        long ms = resetWhileBackpressured(true);
        assertTrue(ms < 1000, "lean relay: the reset client's connection was still open " + ms + " ms after its "
                + "reset (its server does not read)");
    }

    /** A server that never reads: what the relay holds for it stays within the relay buffer and one read. */
    @Test
    void serverNeverReads_relayMemoryBounded() throws Exception {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, false);
        CompletableFuture<Void> release = new CompletableFuture<>();
        try (Backend sink = new Backend(s -> {
                    try {
                        release.get(30, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        // end
                    }
                });
                NettyLoadBalancer lb = lean().ioThreads(2).relayBuffer(16 * 1024).allocator(alloc).build()) {
            int port = Lbs.startRr(lb, sink);
            try (Socket s = Net.connect(port)) {
                s.setSendBufferSize(64 * 1024);
                Net.flood(s);
                Thread.sleep(1500);
                long used = alloc.metric().usedDirectMemory();
                assertTrue(used <= 16 * 1024 + 64 * 1024, used + " bytes of direct memory held for one connection "
                        + "whose server does not read (relay buffer 16 KiB)");
            } finally {
                release.complete(null);
            }
            Lbs.awaitIdle(lb);
            assertEquals(0, alloc.metric().usedDirectMemory());
        }
    }

    /** Closing the load balancer while connects are in flight ends every connection and returns in bounded time. */
    @Test
    void closeWhileConnecting_endsEveryConnection() throws Exception {
        List<Socket> clients = new ArrayList<>();
        try (Blackhole hole = new Blackhole()) {
            NettyLoadBalancer lb = lean().ioThreads(2).connectTimeout(Duration.ofSeconds(30)).build();
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of(hole.address())).build());
            for (int i = 0; i < 5; i++) {
                Socket s = Net.connect(port);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(1);
                clients.add(s);
            }
            Lbs.await(() -> lb.stats().openConnections() == 5, Duration.ofSeconds(5), () -> "" + lb.stats());
            long start = System.nanoTime();
            lb.close();
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(ms < 5000, "close took " + ms + " ms");
            for (Socket s : clients) {
                String end = Net.readToEnd(s.getInputStream());
                assertTrue(end.equals("reset") || end.equals("eof"), "client saw " + end);
            }
            assertEquals(0, lb.stats().openConnections());
        } finally {
            for (Socket s : clients) {
                s.close();
            }
        }
    }

    /** awaitClientData: a request and its FIN in one go are relayed, and the answer and its FIN come back. */
    @Test
    void awaitClientData_requestWithFin_answered() throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = lean().ioThreads(2).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .awaitClientData(Duration.ofSeconds(2))
                    .realServer(RealServer.of(echo.address())).build());
            for (int i = 0; i < 20; i++) {
                try (Socket s = Net.connect(port)) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(("hello " + i).getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    InputStream in = s.getInputStream();
                    assertEquals("hello " + i, new String(in.readAllBytes(), StandardCharsets.US_ASCII));
                }
            }
            Lbs.awaitIdle(lb);
        }
    }

    /** A client held at the service's connection limit is relayed once the place is free. */
    @Test
    void heldClient_relayedWhenPlaceFrees() throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = lean().ioThreads(1).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).maxConnections(1)
                    .realServer(RealServer.of(echo.address())).build());
            Socket a = Net.connect(port);
            a.setSoTimeout(5000);
            a.getOutputStream().write('a');
            assertEquals('a', a.getInputStream().read());
            Socket b = new Socket();
            b.connect(new InetSocketAddress(Net.LOOPBACK, port), 2000);
            b.setSoTimeout(5000);
            b.getOutputStream().write('b');
            Thread.sleep(200);
            a.close();
            assertEquals('b', b.getInputStream().read());
            b.close();
            Lbs.awaitIdle(lb);
        }
    }
}
