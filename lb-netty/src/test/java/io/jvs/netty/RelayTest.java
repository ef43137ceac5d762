package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The relay over real sockets, on every transport: integrity, half-close, resets, backpressure, failures. */
class RelayTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void multiMebibyteTransfersBothWays_arriveIntact(Transport t) throws Exception {
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, echo);
            long size = 8L << 20;
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> runs = new ArrayList<>();
                for (int c = 0; c < 2; c++) {
                    long seed = 100 + c;
                    runs.add(pool.submit(() -> {
                        try (Socket s = Net.connect(port)) {
                            Future<Long> sent = pool.submit(() -> {
                                long crc = Net.send(s.getOutputStream(), size, seed);
                                s.shutdownOutput();
                                return crc;
                            });
                            long[] back = Net.receiveAll(s.getInputStream());
                            assertEquals(size, back[0], "bytes echoed");
                            assertEquals(sent.get(), back[1], "checksum of the echo");
                        }
                        return null;
                    }));
                }
                for (Future<?> f : runs) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            Lbs.awaitIdle(lb);
            var stats = lb.services().get(0).stats();
            assertEquals(2, stats.connections());
            assertEquals(2 * size, stats.inBytes());
            assertEquals(2 * size, stats.outBytes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void manyConcurrentConnections_allRelayed(Transport t) throws Exception {
        int clients = 200;
        try (Backend a = Backend.echo(); Backend b = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, a, b);
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    sockets.add(Net.connect(port));
                }
                Lbs.await(() -> a.openConnections() + b.openConnections() == clients, Duration.ofSeconds(10),
                        () -> "backends have " + (a.openConnections() + b.openConnections()) + " of " + clients);
                assertEquals(clients, lb.stats().openConnections());
                ExecutorService pool = Executors.newFixedThreadPool(32);
                try {
                    List<Future<?>> runs = new ArrayList<>();
                    for (int i = 0; i < clients; i++) {
                        Socket s = sockets.get(i);
                        long seed = i;
                        runs.add(pool.submit(() -> {
                            long crc = Net.send(s.getOutputStream(), 32 * 1024, seed);
                            assertEquals(crc, Net.receive(s.getInputStream(), 32 * 1024));
                            return null;
                        }));
                    }
                    for (Future<?> f : runs) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                } finally {
                    pool.shutdownNow();
                }
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            assertEquals(clients / 2, a.accepted(), "rr splits evenly");
            assertEquals(clients / 2, b.accepted());
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void clientHalfClosesFirst_serverKeepsSending(Transport t) throws Exception {
        long size = 2L << 20;
        // The server reads the request to its end, then answers with 2 MiB and what it received.
        try (Backend server = new Backend(s -> {
                    long[] got = Net.receiveAll(s.getInputStream());
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    Net.send(out, size, 7);
                    out.writeLong(got[0]);
                    out.writeLong(got[1]);
                    out.flush();
                });
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = Net.connect(port)) {
                long sent = Net.send(s.getOutputStream(), size, 3);
                s.shutdownOutput();
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertEquals(Net.crc(size, 7), Net.receive(in, size), "answer after the client's FIN");
                assertEquals(size, in.readLong(), "bytes the server got before the FIN");
                assertEquals(sent, in.readLong());
                assertEquals(-1, in.read(), "the server's FIN");
            }
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * After the client's FIN the server sends 8 MiB to a client that reads slowly, so the director must wait for
     * the half-closed client socket to become writable again and again. (Netty 4.2.18's epoll transport takes a
     * socket whose input has ended out of epoll once it has nothing to write, and then fails the next wait for
     * writability with epoll_ctl ENOENT, dropping the pending bytes; the relay re-arms such sockets.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void clientHalfClosed_slowReader_getsEverything(Transport t) throws Exception {
        long size = 8L << 20;
        try (Backend server = new Backend(s -> {
                    Net.receiveAll(s.getInputStream()); // until the client's FIN
                    Net.send(s.getOutputStream(), size, 29);
                });
                NettyLoadBalancer lb = Lbs.builder(t).relayBuffer(16 * 1024).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new java.net.InetSocketAddress(Net.LOOPBACK, port));
                s.setSoTimeout(20_000);
                s.getOutputStream().write(new byte[1000]);
                s.shutdownOutput();
                Thread.sleep(200); // the FIN is processed and the director's socket to us goes idle
                InputStream in = s.getInputStream();
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                byte[] buf = new byte[4096];
                long n = 0;
                for (int r; (r = in.read(buf)) >= 0; ) {
                    crc.update(buf, 0, r);
                    n += r;
                    if ((n & 0x3ffff) < r) {
                        Thread.sleep(2); // slow: the director's socket to us fills up and drains again, often
                    }
                }
                assertEquals(size, n);
                assertEquals(Net.crc(size, 29), crc.getValue());
            }
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serverHalfClosesFirst_clientKeepsSending(Transport t) throws Exception {
        long size = 2L << 20;
        CompletableFuture<long[]> serverGot = new CompletableFuture<>();
        try (Backend server = new Backend(s -> {
                    Net.send(s.getOutputStream(), size, 11); // a greeting, then FIN
                    s.shutdownOutput();
                    serverGot.complete(Net.receiveAll(s.getInputStream()));
                });
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = Net.connect(port)) {
                long[] greeting = Net.receiveAll(s.getInputStream());
                assertEquals(size, greeting[0]);
                assertEquals(Net.crc(size, 11), greeting[1]);
                long sent = Net.send(s.getOutputStream(), size, 13); // after the server's FIN
                s.shutdownOutput();
                long[] got = serverGot.get(20, TimeUnit.SECONDS);
                assertEquals(size, got[0]);
                assertEquals(sent, got[1]);
            }
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * The server's FIN arrives while the director has stopped reading from it (the client is slow): the data
     * before the FIN and the FIN itself must still reach the client. (On epoll this once hit Netty 4.2.18 removing
     * a half-closed socket from epoll, then failing to re-arm it with ENOENT.)
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serverFinWhileBackpressured_everythingArrives(Transport t) throws Exception {
        long size = 6L << 20;
        try (Backend server = new Backend(s -> {
                    Net.send(s.getOutputStream(), size, 21);
                    s.shutdownOutput();
                    Net.receiveAll(s.getInputStream());
                });
                NettyLoadBalancer lb = Lbs.builder(t).relayBuffer(16 * 1024).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096); // before connecting, so the window stays small
                s.connect(new java.net.InetSocketAddress(Net.LOOPBACK, port));
                s.setSoTimeout(20_000);
                Thread.sleep(500); // read nothing: the director fills up and stops reading the server
                long[] got = Net.receiveAll(s.getInputStream());
                assertEquals(size, got[0]);
                assertEquals(Net.crc(size, 21), got[1]);
                s.shutdownOutput();
            }
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * The client's FIN arrives while the director has stopped reading from it (the server reads slowly): every
     * byte before the FIN must reach the server before the FIN does.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void clientFinWhileBackpressured_everythingArrives(Transport t) throws Exception {
        long size = 4L << 20;
        try (Backend server = new Backend(s -> {
                    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                    byte[] buf = new byte[4096];
                    long n = 0;
                    var in = s.getInputStream();
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        crc.update(buf, 0, r);
                        n += r;
                        if ((n & 0xffff) < r) {
                            try {
                                Thread.sleep(1); // a slow reader: the director backs up and stops reading the client
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                    DataOutputStream out = new DataOutputStream(s.getOutputStream());
                    out.writeLong(n);
                    out.writeLong(crc.getValue());
                });
                NettyLoadBalancer lb = Lbs.builder(t).relayBuffer(16 * 1024).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = Net.connect(port)) {
                long sent = Net.send(s.getOutputStream(), size, 23);
                s.shutdownOutput();
                DataInputStream in = new DataInputStream(s.getInputStream());
                assertEquals(size, in.readLong(), "bytes the server got before the FIN");
                assertEquals(sent, in.readLong());
            }
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void clientReset_reachesServerAsReset(Transport t) throws Exception {
        CountDownLatch read = new CountDownLatch(1);
        CompletableFuture<String> ending = new CompletableFuture<>();
        try (Backend server = new Backend(s -> {
                    InputStream in = s.getInputStream();
                    in.read();
                    read.countDown();
                    ending.complete(Net.readToEnd(in));
                });
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, server);
            Socket s = Net.connect(port);
            s.getOutputStream().write(1);
            assertTrue(read.await(10, TimeUnit.SECONDS));
            s.setSoLinger(true, 0);
            s.close(); // RST
            assertEquals("reset", ending.get(10, TimeUnit.SECONDS));
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serverReset_reachesClientAsReset(Transport t) throws Exception {
        try (Backend server = new Backend(s -> {
                    s.getInputStream().read();
                    s.setSoLinger(true, 0); // closing now sends RST
                });
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.startRr(lb, server);
            try (Socket s = Net.connect(port)) {
                s.getOutputStream().write(1);
                assertEquals("reset", Net.readToEnd(s.getInputStream()));
            }
            Lbs.awaitIdle(lb);
        }
    }

    /**
     * The server sends 256 MiB while the client reads nothing: the sender must be stopped by backpressure and the
     * director must hold no more than its relay buffer (plus a receive buffer) for the connection; then the
     * client reads everything, intact.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void stalledReader_256MiB_memoryStaysBounded(Transport t) throws Exception {
        long size = 256L << 20;
        int relayBuffer = 128 * 1024;
        AtomicLong written = new AtomicLong();
        // An allocator of our own, unpooled, so its metric is exactly the bytes the director holds right now.
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, false);
        try (Backend server = new Backend(s -> {
                    var out = s.getOutputStream();
                    byte[] chunk = new byte[64 * 1024];
                    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
                    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                    for (long left = size; left > 0; left -= chunk.length) {
                        r.nextBytes(chunk);
                        crc.update(chunk);
                        out.write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    new DataOutputStream(out).writeLong(crc.getValue());
                });
                NettyLoadBalancer lb = Lbs.builder(t).relayBuffer(relayBuffer).allocator(alloc).build()) {
            int port = Lbs.startRr(lb, server);
            long heapBefore = usedHeapAfterGc();
            try (Socket s = Net.connect(port)) {
                // Stall: read nothing until the sender has been stopped for a while.
                long last = -1;
                long maxDirect = 0;
                long stableSince = System.nanoTime();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(1500)) {
                    assertTrue(System.nanoTime() < deadline, "the sender never stopped: " + written.get());
                    long w = written.get();
                    if (w != last) {
                        last = w;
                        stableSince = System.nanoTime();
                    }
                    maxDirect = Math.max(maxDirect, alloc.metric().usedDirectMemory());
                    Thread.sleep(10);
                }
                long stalledAt = written.get();
                assertTrue(stalledAt < 64L << 20, "the sender got " + stalledAt + " bytes out while nobody read");
                long bound = relayBuffer + 65536 + 65536; // relay buffer + a receive buffer + slack for the read in flight
                assertTrue(maxDirect <= bound, "the director held " + maxDirect + " bytes (bound " + bound + ")");
                long heapStalled = usedHeapAfterGc();
                assertTrue(heapStalled - heapBefore < 64L << 20, "heap grew by " + (heapStalled - heapBefore));
                // Now read everything.
                DataInputStream in = new DataInputStream(s.getInputStream());
                long crc = Net.receive(in, size);
                assertEquals(in.readLong(), crc, "checksum of 256 MiB after the stall");
                assertEquals(-1, in.read());
            }
            Lbs.awaitIdle(lb);
            assertEquals(0, alloc.metric().usedDirectMemory(), "every buffer released");
        }
    }

    /**
     * Connections that carried data and now sit idle hold no buffer in the director: what was read was written on
     * (the lean relay through its one read buffer per event loop, the channel relay through buffers freed once
     * written), so an idle connection costs the kernel's socket buffers and a few objects, nothing more.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void idleConnections_afterTraffic_holdNoBuffers(Transport t) throws Exception {
        UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, false);
        try (Backend echo = Backend.echo(); NettyLoadBalancer lb = Lbs.builder(t).allocator(alloc).build()) {
            int port = Lbs.startRr(lb, echo);
            List<Socket> sockets = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    Socket s = Net.connect(port);
                    sockets.add(s);
                    long crc = Net.send(s.getOutputStream(), 256 * 1024, i);
                    assertEquals(crc, Net.receive(s.getInputStream(), 256 * 1024), "echo " + i);
                }
                assertEquals(20, lb.stats().openConnections());
                Lbs.await(() -> alloc.metric().usedDirectMemory() == 0, Duration.ofSeconds(5),
                        () -> alloc.metric().usedDirectMemory() + " bytes held by 20 idle connections");
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
            Lbs.awaitIdle(lb);
            assertEquals(0, alloc.metric().usedDirectMemory());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void connectRefusedOnOneOfThree_noClientSeesIt(Transport t) throws Exception {
        int refusing = Net.freePort(); // nothing listens there
        try (Backend a = Backend.echo(); Backend c = Backend.echo();
                NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler("rr")
                    .realServer(RealServer.of(a.address()))
                    .realServer(RealServer.of("127.0.0.1", refusing))
                    .realServer(RealServer.of(c.address()))
                    .build());
            for (int i = 0; i < 30; i++) {
                try (Socket s = Net.connect(port)) {
                    s.getOutputStream().write(new byte[] {1, 2, 3});
                    s.shutdownOutput();
                    assertEquals(3, Net.receiveAll(s.getInputStream())[0], "connection " + i);
                }
            }
            assertEquals(30, a.accepted() + c.accepted());
            assertTrue(lb.stats().connectFailures() >= 10, "failures counted: " + lb.stats());
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void everyServerRefuses_clientIsReset_afterConnectAttempts(Transport t) throws Exception {
        try (NettyLoadBalancer lb = Lbs.builder(t).connectAttempts(2).build()) {
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort()).scheduler("rr")
                    .realServer(RealServer.of("127.0.0.1", Net.freePort()))
                    .realServer(RealServer.of("127.0.0.1", Net.freePort()))
                    .realServer(RealServer.of("127.0.0.1", Net.freePort()))
                    .build());
            assertEquals("reset", Net.connectAndReadToEnd(port));
            assertEquals(2, lb.stats().connectFailures(), "two attempts");
            Lbs.awaitIdle(lb);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void serverKilledMidStream_clientSeesTheEnd(Transport t) throws Exception {
        Process server = ChildJvm.start(StreamServerMain.class);
        try (NettyLoadBalancer lb = Lbs.builder(t).build()) {
            int serverPort = Integer.parseInt(ChildJvm.readLine(server));
            int port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .realServer(RealServer.of("127.0.0.1", serverPort)).build());
            try (Socket s = Net.connect(port)) {
                InputStream in = s.getInputStream();
                Net.receive(in, 1 << 20);
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                long start = System.nanoTime();
                String end = Net.readToEnd(in);
                assertTrue(end.equals("eof") || end.equals("reset"), end);
                assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the end took too long");
            }
            Lbs.awaitIdle(lb);
        } finally {
            server.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void close_drainsOpenConnections_thenResetsTheRest(Transport t) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        try (Backend server = new Backend(s -> {
                    int first = s.getInputStream().read();
                    if (first == 'D') { // the draining connection: answer once the director is closing
                        try {
                            go.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            return;
                        }
                        Net.send(s.getOutputStream(), 1 << 20, 1);
                        s.shutdownOutput();
                    }
                    Net.receiveAll(s.getInputStream());
                })) {
            java.util.Set<Thread> threadsBefore = Lbs.ioThreads();
            NettyLoadBalancer lb = NettyLoadBalancer.builder().transport(t).ioThreads(2)
                    .drainTimeout(Duration.ofMillis(1500)).build();
            int port = Lbs.startRr(lb, server);
            Socket draining = Net.connect(port);
            Socket idle = Net.connect(port);
            draining.getOutputStream().write('D');
            idle.getOutputStream().write('I');
            Lbs.await(() -> server.accepted() == 2, Duration.ofSeconds(5), () -> "accepted " + server.accepted());
            CompletableFuture<Long> closed = CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                lb.close();
                return System.nanoTime() - start;
            });
            Lbs.await(() -> {
                try (Socket s = Net.connect(port)) {
                    return false;
                } catch (IOException e) {
                    return true; // no longer accepting
                }
            }, Duration.ofSeconds(5), () -> "still accepting");
            go.countDown();
            try (draining) {
                assertEquals(Net.crc(1 << 20, 1), Net.receive(draining.getInputStream(), 1 << 20),
                        "a transfer that began before close() completes during the drain");
                draining.shutdownOutput();
                assertEquals(-1, draining.getInputStream().read());
            }
            try (idle) {
                assertEquals("reset", Net.readToEnd(idle.getInputStream()), "still open after the drain");
            }
            long took = closed.get(20, TimeUnit.SECONDS);
            assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(1400), "close() returned before the drain: " + took);
            assertEquals(0, lb.stats().openConnections());
            Lbs.assertIoThreadsEnded(threadsBefore);
        }
    }

    private static long usedHeapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

}
