package io.jvs.bench;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;
import io.jvs.netty.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-connection setup path of the Netty data path on loopback: a client connects, the director accepts it,
 * schedules it ({@code rr}), connects to the real server, relays one byte and both FINs, and both legs close. The
 * baseline {@code direct} does the same client work against the real server itself; the difference is the
 * director's cost per connection.
 *
 * <p>Besides the time per connection, the iteration teardown prints the bytes the director's event loop allocated
 * per connection (from {@code ThreadMXBean.getThreadAllocatedBytes}), which {@code -prof gc} cannot separate from
 * the client's allocations.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ConnectionSetupBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
public class ConnectionSetupBenchmark {

    @Param({"epoll", "nio"})
    public String transport;

    private ServerSocket backend;
    private Thread backendThread;
    private NettyLoadBalancer lb;
    private int lbPort;
    private int backendPort;
    private long allocatedBefore;
    private long connections;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        backend = new ServerSocket(0, 1024, lo);
        backendPort = backend.getLocalPort();
        backendThread = new Thread(this::serve, "backend");
        backendThread.setDaemon(true);
        backendThread.start();
        lb = NettyLoadBalancer.builder().transport(Transport.valueOf(transport.toUpperCase(Locale.ROOT)))
                .ioThreads(1).drainTimeout(Duration.ZERO).build();
        try (ServerSocket probe = new ServerSocket(0, 1, lo)) {
            lbPort = probe.getLocalPort();
        }
        lb.start(VirtualService.tcp(new InetSocketAddress(lo, lbPort)).scheduler("rr")
                .realServer(RealServer.of(lo, backendPort)).build()).get(10, TimeUnit.SECONDS);
    }

    /** The real server: sends one byte and closes (so TIME_WAIT stays on its side). */
    private void serve() {
        while (!backend.isClosed()) {
            try (Socket s = backend.accept()) {
                s.getOutputStream().write(1);
            } catch (IOException e) {
                // closed, or the client went away
            }
        }
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        allocatedBefore = ioThreadAllocatedBytes();
        connections = 0;
    }

    @TearDown(Level.Iteration)
    public void endIteration() {
        if (connections > 0) {
            long bytes = ioThreadAllocatedBytes() - allocatedBefore;
            System.out.printf(Locale.ROOT, "%n  director event loop: %d bytes allocated per connection (%d connections)%n",
                    bytes / connections, connections);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        lb.close();
        backend.close();
    }

    @Benchmark
    public int direct() throws IOException {
        return connectReadClose(backendPort);
    }

    @Benchmark
    public int viaDirector() throws IOException {
        connections++;
        return connectReadClose(lbPort);
    }

    private static int connectReadClose(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            InputStream in = s.getInputStream();
            int b = in.read();
            if (b != 1 || in.read() != -1) {
                throw new IOException("unexpected answer " + b);
            }
            return b;
        }
    }

    /** Bytes allocated so far by the director's event-loop threads (jvs-io-*). */
    private static long ioThreadAllocatedBytes() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        List<Long> ids = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("jvs-io")) {
                ids.add(t.getId());
            }
        }
        long sum = 0;
        for (long id : ids) {
            sum += Math.max(0, mx.getThreadAllocatedBytes(id));
        }
        return sum;
    }
}
