package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Endpoint;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.Backend;
import io.jvs.netty.Lbs;
import io.jvs.netty.Net;
import io.jvs.netty.Transport;
import io.jvs.netty.internal.RecordingBinding.RecordingConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the data path reports to a {@link io.jvs.core.Connection}, in order, and the director's way back in: the
 * {@link io.jvs.core.Connection.Closer} (orderly and reset). Runs the data path without a director.
 */
class ConnectionEventsTest {

    private static final String TRANSPORTS = "io.jvs.netty.Lbs#transports";

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void orderlyConnection_reportsEveryEventInOrder(Transport t) throws Exception {
        try (Backend echo = Backend.echo()) {
            withDataPath(t, echo, (port, binding) -> {
                try (Socket s = Net.connect(port)) {
                    long crc = Net.send(s.getOutputStream(), 100_000, 1);
                    s.shutdownOutput(); // client FIN; the echo answers with its FIN
                    long[] back = Net.receiveAll(s.getInputStream());
                    assertEquals(crc, back[1]);
                    RecordingConnection c = take(binding);
                    awaitEvent(c, "closed");
                    assertEquals(List.of("attach", "connected", "client-fin", "server-fin", "closed"), c.events);
                    assertEquals(100_000, c.in);
                    assertEquals(100_000, c.out);
                    assertEquals(s.getLocalPort(), c.client.getPort(), "the client as the socket saw it");
                    assertEquals(port, c.virtual.getPort());
                }
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void clientReset_reportsResetThenClosed(Transport t) throws Exception {
        CountDownLatch read = new CountDownLatch(1);
        try (Backend server = new Backend(s -> {
                    s.getInputStream().read();
                    read.countDown();
                    s.getInputStream().read();
                })) {
            withDataPath(t, server, (port, binding) -> {
                Socket s = Net.connect(port);
                s.getOutputStream().write(1);
                assertTrue(read.await(10, TimeUnit.SECONDS));
                s.setSoLinger(true, 0);
                s.close();
                RecordingConnection c = take(binding);
                awaitEvent(c, "closed");
                assertEquals(List.of("attach", "connected", "reset", "closed"), c.events);
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void closer_orderly_endsBothLegsWithFin(Transport t) throws Exception {
        CompletableFuture<String> serverSaw = new CompletableFuture<>();
        CountDownLatch relayed = new CountDownLatch(1);
        try (Backend server = new Backend(s -> {
            s.getInputStream().read();
            relayed.countDown();
            serverSaw.complete(Net.readToEnd(s.getInputStream()));
        })) {
            withDataPath(t, server, (port, binding) -> {
                try (Socket s = Net.connect(port)) {
                    s.getOutputStream().write(1);
                    RecordingConnection c = take(binding);
                    awaitEvent(c, "connected");
                    // the byte relayed first: a socket closed with unread bytes sends a reset, not a FIN (the kernel)
                    assertTrue(relayed.await(10, TimeUnit.SECONDS));
                    c.closer.close(false); // from the test thread: the data path moves it to the event loop
                    assertEquals("eof", Net.readToEnd(s.getInputStream()));
                    assertEquals("eof", serverSaw.get(10, TimeUnit.SECONDS));
                    awaitEvent(c, "closed");
                    assertTrue(!c.events.contains("reset"), c.toString());
                }
            });
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(TRANSPORTS)
    void closer_reset_resetsBothLegs(Transport t) throws Exception {
        CompletableFuture<String> serverSaw = new CompletableFuture<>();
        try (Backend server = new Backend(s -> serverSaw.complete(Net.readToEnd(s.getInputStream())))) {
            withDataPath(t, server, (port, binding) -> {
                try (Socket s = Net.connect(port)) {
                    s.getOutputStream().write(1);
                    RecordingConnection c = take(binding);
                    awaitEvent(c, "connected");
                    c.closer.close(true);
                    assertEquals("reset", Net.readToEnd(s.getInputStream()));
                    assertEquals("reset", serverSaw.get(10, TimeUnit.SECONDS));
                    awaitEvent(c, "closed");
                    assertEquals(List.of("attach", "connected", "reset", "closed"), c.events);
                }
            });
        }
    }

    interface Body {
        void run(int port, RecordingBinding binding) throws Exception;
    }

    private static void withDataPath(Transport t, Backend backend, Body body) throws Exception {
        int port = Net.freePort();
        VirtualService service = VirtualService.tcp("127.0.0.1", port).scheduler("rr")
                .realServer(RealServer.of(backend.address())).build();
        RecordingBinding binding = new RecordingBinding(service);
        NettyDataPath dp = new NettyDataPath(new DataPathConfig(Transports.of(t), 2, 2000, 3, 65536, List.of(), 500,
                null, false, 4096, 1024, false));
        Endpoint endpoint = Endpoint.of(Protocol.TCP, new InetSocketAddress(Net.LOOPBACK, port));
        try {
            dp.bind(binding, endpoint).get(10, TimeUnit.SECONDS);
            body.run(port, binding);
            Lbs.await(() -> dp.stats().openConnections() == 0, Duration.ofSeconds(10), dp::toString);
        } finally {
            dp.unbind(binding, endpoint).get(10, TimeUnit.SECONDS);
            dp.close();
        }
    }

    private static RecordingConnection take(RecordingBinding binding) throws InterruptedException {
        RecordingConnection c = binding.opened.poll(10, TimeUnit.SECONDS);
        assertTrue(c != null, "no connection was opened");
        return c;
    }

    private static void awaitEvent(RecordingConnection c, String event) {
        Lbs.await(() -> c.events.contains(event), Duration.ofSeconds(10), c::toString);
    }

}
