package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Timeouts;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A flood of datagrams from distinct source addresses and ports (each a new UDP client) against a service limited
 * to far fewer flows: the flow table stays at the limit, the rest is dropped and counted, no error escapes, and the
 * sockets and heap the flows take are bounded and given back when they expire.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class UdpFloodTest {

    /**
     * epoll: 100,000 sources against 10,000 flows; NIO a fifth of that; io_uring, whose datagram sockets cost far
     * more (see README), a tenth. The director's clock stands still during the flood, so that no flow expires
     * during it however slow a loaded machine is, and then moves past the udp timeout.
     */
    static Stream<Arguments> floods() {
        return Lbs.transports().map(t -> t == Transport.EPOLL ? Arguments.of(t, 100_000, 10_000, 5, 16 << 10)
                : t == Transport.NIO ? Arguments.of(t, 20_000, 2_000, 3, 16 << 10)
                : Arguments.of(t, 10_000, 1_000, 3, 256 << 10));
    }

    @ParameterizedTest(name = "{0}: {1} sources, {2} flows")
    @MethodSource("floods")
    void floodOfNewSourcePorts_tableStaysBounded_memoryAndDescriptorsToo(Transport t, int sources, int limit,
            int timeoutSeconds, int maxHeapPerFlow) throws Exception {
        AtomicLong clock = new AtomicLong(System.nanoTime());
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b");
                NettyLoadBalancer lb = Lbs.builder(t).ticker(clock::get).build()) {
            InetSocketAddress vip = UdpTest.startUdp(lb, UdpTest.udp("rr", a, b).maxConnections(limit));
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, timeoutSeconds));
            long heap0 = heapAfterGc();
            int fds0 = openFiles();

            int sent = flood(vip, sources);
            assertTrue(sent >= sources * 99 / 100, "sent from " + sent + " of " + sources + " sources");
            Lbs.await(() -> lb.stats().udpFlows() + lb.stats().udpFlowLimitDrops() >= Math.min(sent, limit + 1),
                    Duration.ofSeconds(20), () -> "flood not absorbed: " + lb.stats());
            int flows = (int) lb.stats().udpFlows();
            int entries = lb.connections().size();
            long heap1 = heapAfterGc();
            int fds1 = openFiles();
            assertEquals(limit, flows, "the service's flows stop at its limit: " + lb.stats());
            assertTrue(entries <= limit, "table bounded: " + entries);
            assertTrue(lb.stats().udpFlowLimitDrops() > 0, lb.stats().toString());
            assertTrue(fds1 - fds0 <= limit + 64, "a socket per flow, no more: " + (fds1 - fds0));
            long perFlow = (heap1 - heap0) / limit;
            System.out.printf("UDP flood on %s: %d sources sent, %d flows, %d dropped at the limit; %d more "
                    + "descriptors, %d heap bytes per flow%n", t, sent, flows, lb.stats().udpFlowLimitDrops(),
                    fds1 - fds0, perFlow);
            assertTrue(perFlow < maxHeapPerFlow, "heap per flow: " + perFlow);

            // The flows expire (no traffic for the udp timeout), give back their sockets and memory, and new clients are served.
            clock.addAndGet(Duration.ofSeconds(timeoutSeconds + 1).toNanos());
            Lbs.await(() -> lb.stats().udpFlows() == 0 && lb.connections().isEmpty(), Duration.ofSeconds(30),
                    () -> "flows left: " + lb.stats());
            Lbs.await(() -> openFiles() - fds0 <= 64, Duration.ofSeconds(10),
                    () -> "descriptors not given back: " + (openFiles() - fds0));
            long heap2 = heapAfterGc();
            assertTrue(heap2 - heap0 < 16L << 20, "heap back to where it was: " + (heap2 - heap0) + " bytes more");
            try (UdpClient cl = new UdpClient()) {
                assertTrue(cl.ask(vip, "after the flood").text().endsWith("|after the flood"));
            }
            assertEquals(java.util.List.of(), a.errors());
            assertEquals(java.util.List.of(), b.errors());
        }
    }

    /**
     * Sends one datagram from each of {@code n} distinct source addresses and ports (127.77.k.1, ports 20000 up),
     * each from a socket of its own that is closed right after; returns how many were sent (a port in use on an
     * address is skipped).
     */
    static int flood(InetSocketAddress to, int n) throws IOException {
        ByteBuffer payload = ByteBuffer.wrap(new byte[32]);
        int sent = 0;
        int perAddress = 40_000;
        for (int i = 0; i < n; i++) {
            InetAddress from = InetAddress.getByAddress(new byte[] {127, 77, (byte) (i / perAddress), 1});
            try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
                ch.bind(new InetSocketAddress(from, 20_000 + i % perAddress));
                payload.rewind();
                ch.send(payload, to);
                sent++;
            } catch (BindException e) {
                // that port is taken on that address: skip it
            }
        }
        return sent;
    }

    static int openFiles() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static long heapAfterGc() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
