package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvs.api.Cidr;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.internal.Transports;
import io.netty.channel.EventLoopGroup;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Descriptor-number reuse between a channel relay (a service that reads PROXY headers) and a lean relay on one epoll
 * loop (found in review; it failed before the lean relay confirmed a reported FIN by a read). In one batch of events: the channel relay's server socket reports a reset, which
 * closes its client's socket at once (Netty closes within the batch); the lean listener then accepts a client, which
 * gets that client's descriptor number; and the old client's FIN, later in the same batch, is handed to the new lean
 * client leg, which latches it (rdhup) and ends the new client's input before it sent a byte.
 */
class LeanStaleEventTest {

    @Test
    void staleFinOfAClosedChannel_doesNotEndANewLeanClientsInput() throws Exception {
        assumeTrue(Transports.isAvailable(Transport.EPOLL), "epoll");
        int failures = 0;
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 6 && failures == 0; round++) {
            String got = round(true, true);
            seen.add(got);
            if (!got.equals("hello")) {
                failures++;
            }
        }
        assertEquals(0, failures, "a new lean client's echo, per round: " + seen);
    }

    /** The same while the service waits for the client's first bytes (its first read is the data wait's). */
    @Test
    void staleFinOfAClosedChannel_doesNotEndAWaitingLeanClientsInput() throws Exception {
        assumeTrue(Transports.isAvailable(Transport.EPOLL), "epoll");
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            seen.add(round(true, true, true));
        }
        assertEquals(List.of("hello", "hello", "hello"), seen);
    }

    // The channel relay (lean relay off) fails this scenario: Netty's epoll channels close within a batch of events
    // and trust a reported RDHUP, so the old client's FIN ends the new channel's input. It is Netty's transport
    // (documented in docs/data-path.md); services that read PROXY headers use the channel relay.

    /** Control: the channel relay without the old client's FIN is served. */
    @Test
    void control_channelRelay_withoutTheOldClientsFin_served() throws Exception {
        assumeTrue(Transports.isAvailable(Transport.EPOLL), "epoll");
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            seen.add(round(false, false));
        }
        assertEquals(List.of("hello", "hello", "hello"), seen);
    }

    /** The same rounds without step 3 (the old client's FIN): the new client is served, so that FIN is the cause. */
    @Test
    void control_withoutTheOldClientsFin_newLeanClientServed() throws Exception {
        assumeTrue(Transports.isAvailable(Transport.EPOLL), "epoll");
        List<String> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            seen.add(round(false, true));
        }
        assertEquals(List.of("hello", "hello", "hello"), seen);
    }

    private static String round(boolean oldClientFin, boolean leanRelay) throws Exception {
        return round(oldClientFin, leanRelay, false);
    }

    private static String round(boolean oldClientFin, boolean leanRelay, boolean awaitData) throws Exception {
        CountDownLatch accepted = new CountDownLatch(1);
        CountDownLatch reset = new CountDownLatch(1);
        CountDownLatch resetDone = new CountDownLatch(1);
        try (Backend echo = Backend.echo();
                Backend resetter = new Backend(s -> {
                    accepted.countDown();
                    try {
                        reset.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        return;
                    }
                    s.setSoLinger(true, 0);
                    s.close();
                    resetDone.countDown();
                });
                NettyLoadBalancer lb = Lbs.build(NettyLoadBalancer.builder().transport(Transport.EPOLL).ioThreads(1)
                        .drainTimeout(Duration.ofMillis(200)), leanRelay)) {
            int leanPort = awaitData ? Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .awaitClientData(Duration.ofSeconds(5)).realServer(RealServer.of(echo.address())).build())
                    : Lbs.startRr(lb, echo);
            int proxyPort = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                    .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                    .realServer(RealServer.of(resetter.address())).build());
            try (Socket c2 = Net.connect(proxyPort)) {
                c2.getOutputStream().write(("PROXY TCP4 192.0.2.7 127.0.0.1 51000 " + proxyPort + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                c2.getOutputStream().flush();
                if (!accepted.await(5, TimeUnit.SECONDS)) {
                    return "setup: the PROXY service's server was not reached";
                }
                Thread.sleep(100);
                // Hold the (only) event loop, so that the three events below come in one batch, in this order.
                java.lang.reflect.Field f = NettyLoadBalancer.class.getDeclaredField("dataPath");
                f.setAccessible(true);
                Object dataPath = f.get(lb);
                java.lang.reflect.Field g = dataPath.getClass().getDeclaredField("group");
                g.setAccessible(true);
                CountDownLatch held = new CountDownLatch(1);
                ((EventLoopGroup) g.get(dataPath)).next().execute(() -> {
                    held.countDown();
                    try {
                        Thread.sleep(400);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                held.await(5, TimeUnit.SECONDS);
                reset.countDown(); // 1: the channel relay's server resets
                resetDone.await(5, TimeUnit.SECONDS);
                Thread.sleep(30);
                Socket l1 = new Socket(); // 2: a client of the lean service, in the listener's backlog
                l1.connect(new InetSocketAddress(Net.LOOPBACK, leanPort), 2000);
                Thread.sleep(30);
                if (oldClientFin) {
                    c2.shutdownOutput(); // 3: the channel relay's client sends its FIN
                }
                Thread.sleep(600); // the batch is handled
                try (l1) {
                    l1.setSoTimeout(3000);
                    if (awaitData) { // in two parts: a FIN taken for real after the first would end the second
                        l1.getOutputStream().write("hel".getBytes(StandardCharsets.US_ASCII));
                        Thread.sleep(200);
                        l1.getOutputStream().write("lo".getBytes(StandardCharsets.US_ASCII));
                    } else {
                        l1.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                    }
                    InputStream in = l1.getInputStream();
                    byte[] b = new byte[5];
                    int n = 0;
                    try {
                        for (int r; n < 5 && (r = in.read(b, n, 5 - n)) > 0; ) {
                            n += r;
                        }
                    } catch (java.io.IOException e) {
                        return "error after " + n + " bytes: " + e.getMessage();
                    }
                    return n == 5 ? new String(b, StandardCharsets.US_ASCII) : "eof after " + n + " bytes";
                }
            }
        }
    }
}
