package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import io.jvs.netty.internal.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The walking skeleton end to end: real sockets through a NettyLoadBalancer, on each transport. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class EndToEndTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final List<Backend> backends = new ArrayList<>();
    private final NettyLoadBalancer lb;

    EndToEndTest(Transport transport) {
        Assumptions.assumeTrue(Transports.isAvailable(transport), transport + " is not available here");
        lb = NettyLoadBalancer.builder().transport(transport).ioThreads(2).build();
        assertEquals(transport, lb.transport());
    }

    @AfterEach
    void tearDown() {
        if (lb != null) {
            lb.close();
        }
        backends.forEach(Backend::close);
    }

    private Backend backend(Consumer<Socket> handler) throws IOException {
        Backend b = new Backend(handler);
        backends.add(b);
        return b;
    }

    private InetSocketAddress start(String scheduler, RealServer... servers) throws Exception {
        InetSocketAddress vip = new InetSocketAddress(LOOPBACK, freePort());
        lb.start(VirtualService.tcp(vip).scheduler(scheduler).realServers(List.of(servers)).build())
                .get(10, TimeUnit.SECONDS);
        return vip;
    }

    @Test
    void wrr_spreadsSixtyConnectionsThirtyTwentyTen() throws Exception {
        List<RealServer> servers = new ArrayList<>();
        int[] weights = {3, 2, 1};
        for (int i = 0; i < 3; i++) {
            String name = "real server " + (i + 1);
            servers.add(RealServer.of(backend(s -> write(s, name + "\n")).address()).withWeight(weights[i]));
        }
        InetSocketAddress vip = start("wrr", servers.toArray(new RealServer[0]));
        int[] counts = new int[3];
        for (int i = 0; i < 60; i++) {
            String answer = readAll(vip, new byte[0]);
            counts[Integer.parseInt(answer.trim().substring("real server ".length())) - 1]++;
        }
        assertArrayEquals(new int[] {30, 20, 10}, counts);
        assertEquals(60, lb.service(ServiceId.tcp(vip)).orElseThrow().stats().connections());
    }

    @Test
    void bytesAreRelayedIntactBothWays() throws Exception {
        // The backend echoes everything, then closes once the client half-closes.
        InetSocketAddress vip = start("rr", RealServer.of(backend(EndToEndTest::echo).address()));
        byte[] payload = new byte[4 * 1024 * 1024 + 17];
        new Random(7).nextBytes(payload);
        try (Socket s = connect(vip)) {
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readFully(s));
            OutputStream out = s.getOutputStream();
            for (int off = 0; off < payload.length; off += 65536) {
                out.write(payload, off, Math.min(65536, payload.length - off));
            }
            s.shutdownOutput();
            byte[] echoed = received.get(30, TimeUnit.SECONDS);
            assertEquals(payload.length, echoed.length);
            assertArrayEquals(sha256(payload), sha256(echoed));
        }
        var stats = lb.services().get(0).stats();
        assertEquals(payload.length, stats.inBytes());
        assertEquals(payload.length, stats.outBytes());
    }

    @Test
    void clientClosesFirst_serverStillAnswers() throws Exception {
        // The backend reads until EOF (the client's FIN, forwarded), then answers with the byte count and closes.
        InetSocketAddress vip = start("rr", RealServer.of(backend(s -> {
            byte[] all = readFully(s);
            write(s, "got " + all.length + "\n");
        }).address()));
        assertEquals("got 5\n", readAll(vip, "hello".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void serverClosesFirst_clientGetsEverythingThenEof() throws Exception {
        byte[] big = new byte[1024 * 1024];
        new Random(3).nextBytes(big);
        InetSocketAddress vip = start("rr", RealServer.of(backend(s -> {
            try {
                s.getOutputStream().write(big);
                s.shutdownOutput(); // FIN first; the client's later bytes must still arrive
                byte[] rest = readFully(s);
                if (rest.length != 3) {
                    throw new IllegalStateException("expected 3 bytes after our FIN, got " + rest.length);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).address()));
        try (Socket s = connect(vip)) {
            byte[] got = readFully(s);
            assertArrayEquals(sha256(big), sha256(got));
            s.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8)); // half-closed: still flows this way
            s.shutdownOutput();
        }
        Backend b = backends.get(0);
        assertTrue(b.awaitIdle(), "the backend got its 3 bytes and finished without error: " + b.error);
    }

    @Test
    void noServerAvailable_closesTheClientAtOnce() throws Exception {
        InetSocketAddress vip = start("rr", RealServer.of(backend(s -> {}).address()).withWeight(0));
        // Refused with a reset (as IPVS answers an unschedulable SYN with an ICMP unreachable), or at least EOF;
        // the reset can be so quick that connect() itself reports it.
        try (Socket s = connect(vip)) {
            s.setSoTimeout(5000);
            assertEquals(-1, s.getInputStream().read());
        } catch (SocketException reset) {
            assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
        }
        assertEquals(0, backends.get(0).accepted);
    }

    @Test
    void refusedServer_isSkipped() throws Exception {
        int dead = freePort(); // nothing listens there
        InetSocketAddress vip = start("rr", RealServer.of(backend(s -> write(s, "alive\n")).address()),
                RealServer.of(new InetSocketAddress(LOOPBACK, dead)));
        for (int i = 0; i < 6; i++) {
            assertEquals("alive\n", readAll(vip, new byte[0]), "connection " + i);
        }
    }

    @Test
    void deletedService_stopsListening() throws Exception {
        InetSocketAddress vip = start("rr", RealServer.of(backend(s -> write(s, "x\n")).address()));
        lb.stop(ServiceId.tcp(vip)).get(10, TimeUnit.SECONDS);
        // NIO closes a selector-registered listener at the selector's next wake-up, so allow a moment.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        boolean refused = false;
        while (!refused && System.nanoTime() < deadline) {
            try (Socket s = connect(vip)) {
                Thread.sleep(20);
            } catch (IOException expected) {
                refused = true;
            }
        }
        assertTrue(refused, "connections to a deleted service are refused");
    }

    // ---- helpers

    static int freePort() throws IOException {
        return io.jvs.testing.Ports.tcp();
    }

    static Socket connect(InetSocketAddress a) throws IOException {
        Socket s = new Socket();
        s.connect(a, 5000);
        s.setSoTimeout(30000);
        return s;
    }

    /** Sends {@code request}, half-closes, and returns everything read until EOF. */
    static String readAll(InetSocketAddress vip, byte[] request) throws IOException {
        try (Socket s = connect(vip)) {
            s.getOutputStream().write(request);
            s.shutdownOutput();
            return new String(readFully(s), StandardCharsets.UTF_8);
        }
    }

    static byte[] readFully(Socket s) {
        try {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void write(Socket s, String text) {
        try {
            s.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void echo(Socket s) {
        try {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    /** A blocking TCP server on 127.0.0.1 that runs {@code handler} for each connection, then closes it. */
    static final class Backend implements AutoCloseable {
        private final ServerSocket socket;
        volatile int accepted;
        volatile int finished;
        volatile Throwable error;

        Backend(Consumer<Socket> handler) throws IOException {
            socket = new ServerSocket(0, 128, LOOPBACK);
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    Socket s;
                    try {
                        s = socket.accept();
                    } catch (IOException e) {
                        return;
                    }
                    accepted++;
                    Thread worker = new Thread(() -> {
                        try (s) {
                            s.setSoTimeout(30000);
                            handler.accept(s);
                        } catch (Throwable e) {
                            error = e;
                        } finally {
                            finished++;
                        }
                    }, "backend-conn");
                    worker.setDaemon(true);
                    worker.start();
                }
            }, "backend-accept");
            t.setDaemon(true);
            t.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        boolean awaitIdle() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (finished < accepted && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return finished == accepted && error == null;
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
