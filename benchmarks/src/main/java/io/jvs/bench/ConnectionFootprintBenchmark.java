package io.jvs.bench;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the director keeps per idle relayed TCP connection: {@code connections} clients connect through a one-loop
 * {@link NettyLoadBalancer} to a real server that accepts and holds them, nobody sends anything; the heap in use
 * after a full GC and Netty's direct memory are read before and after, and the difference is divided by the
 * connections. {@code direct} is the same clients connected to the real server itself (their own sockets are in the
 * heap too): the director's share is a {@code transport} row minus the {@code direct} row. The heap figure includes
 * the connection-table entry (the director's, not the data path's); the kernel's socket buffers are not counted.
 * {@code epoll-channels} is epoll with the lean relay turned off ({@code io.jvs.netty.leanRelay=false}).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ConnectionFootprintBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m", "-XX:+UseSerialGC"})
public class ConnectionFootprintBenchmark {

    @Param({"direct", "epoll", "epoll-channels", "nio"})
    public String transport;

    @Param({"2000"})
    public int connections;

    /** Reported per iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Footprint {
        public double heapBytesPerConnection;
        public double directBytesPerConnection;
    }

    @Benchmark
    public Object idleConnections(Footprint out) throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        if (transport.equals("epoll-channels")) {
            System.setProperty("io.jvs.netty.leanRelay", "false");
        }
        try (Holder server = new Holder(lo)) {
            NettyLoadBalancer lb = null;
            int port = server.port();
            if (!transport.equals("direct")) {
                Transport t = transport.startsWith("epoll") ? Transport.EPOLL : Transport.NIO;
                lb = NettyLoadBalancer.builder().transport(t).ioThreads(1).drainTimeout(Duration.ZERO).build();
                try (ServerSocket probe = new ServerSocket(0, 1, lo)) {
                    port = probe.getLocalPort();
                }
                lb.start(VirtualService.tcp(new InetSocketAddress(lo, port)).scheduler("rr")
                        .realServer(RealServer.of(lo, server.port())).build()).get(10, TimeUnit.SECONDS);
                warmUp(lo, port); // classes loaded, buffers made: what a first connection costs once is not counted
            }
            long heap0 = usedHeapAfterGc();
            long direct0 = PlatformDependent.usedDirectMemory();
            List<Socket> clients = new ArrayList<>(connections);
            try {
                for (int i = 0; i < connections; i++) {
                    Socket s = new Socket();
                    clients.add(s);
                    s.connect(new InetSocketAddress(lo, port), 5000);
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (server.accepted() < connections + (lb == null ? 0 : 8) && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                long heap1 = usedHeapAfterGc();
                long direct1 = PlatformDependent.usedDirectMemory();
                out.heapBytesPerConnection = (double) (heap1 - heap0) / connections;
                out.directBytesPerConnection = (double) (direct1 - direct0) / connections;
                System.out.printf(Locale.ROOT, "%n%s: %d idle connections (%d at the server): %.0f heap bytes and "
                        + "%.0f direct bytes per connection%n", transport, connections, server.accepted(),
                        out.heapBytesPerConnection, out.directBytesPerConnection);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
                if (lb != null) {
                    lb.close();
                }
            }
            return clients;
        }
    }

    private static void warmUp(InetAddress lo, int port) throws IOException {
        for (int i = 0; i < 8; i++) {
            Socket s = new Socket();
            s.connect(new InetSocketAddress(lo, port), 5000);
            s.getOutputStream().write(1);
            s.close();
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** A real server that accepts every connection and holds it, reading nothing, on one thread. */
    private static final class Holder implements AutoCloseable {
        private final ServerSocketChannel server;
        private final Selector selector;
        private final List<SocketChannel> held = new ArrayList<>();
        private final AtomicInteger accepted = new AtomicInteger();
        private final Thread thread;

        Holder(InetAddress address) throws IOException {
            server = ServerSocketChannel.open();
            server.bind(new InetSocketAddress(address, 0), 4096);
            server.configureBlocking(false);
            selector = Selector.open();
            server.register(selector, SelectionKey.OP_ACCEPT);
            thread = new Thread(this::run, "holder");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.socket().getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        private void run() {
            try {
                while (selector.isOpen()) {
                    selector.select(100);
                    for (SocketChannel ch; (ch = server.accept()) != null; ) {
                        held.add(ch);
                        accepted.incrementAndGet();
                    }
                    selector.selectedKeys().clear();
                }
            } catch (IOException | java.nio.channels.ClosedSelectorException e) {
                // closed
            }
        }

        @Override
        public void close() throws IOException {
            selector.close();
            server.close();
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (SocketChannel ch : held) {
                ch.close();
            }
        }
    }
}
