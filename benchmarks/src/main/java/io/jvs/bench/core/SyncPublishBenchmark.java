package io.jvs.bench.core;

import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.cluster.ConnectionSync;
import io.jvs.cluster.LocalConnectionTable;
import io.jvs.cluster.SyncHook;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What connection sync costs the data path per connection: a TCP connection's life as the socket data path reports
 * it (open: SYN_RECV; the server leg connects: ESTABLISHED; three client reads, the third publishing ESTABLISHED; the
 * client's FIN: CLOSE_WAIT; closed), with sync {@code off} (the director's default {@code StateSync.NONE}, the
 * baseline), through a {@code hook} with no stream running (roles stopped), and {@code on}: a real stream of one
 * member on loopback in the master role, so every publication is copied into the outbox and sent by its thread
 * (three per connection). The goal of issue #15 is a connection rate with sync on of at least 0.9 times the rate
 * with it off; {@code -prof gc} shows the allocation per connection (the entry itself; publishing adds nothing).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SyncPublishBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-Djava.net.preferIPv4Stack=true"})
@Threads(1)
public class SyncPublishBenchmark {

    private static final InetSocketAddress VIP = new InetSocketAddress(Flows.ip(10, 0, 0, 1), 80);

    @Param({"off", "hook", "on"})
    public String sync;

    private long nanos = 1_000_000_000_000L;
    private Director director;
    private ConnectionSync stream;
    private RunningService service;
    private final FlowRequest request = new FlowRequest();
    private InetSocketAddress[] clients;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Ticker ticker = () -> nanos;
        SyncHook hook = SyncHook.create();
        Director.Builder b = Director.builder().dataPath(DataPath.detached()).ticker(ticker).rateEstimator(false)
                .connectionTimer(false).maxConnections(1 << 17).memoryThreshold(0);
        if (!sync.equals("off")) {
            b.stateSync(hook);
        }
        director = b.build();
        VirtualService.Builder vs = VirtualService.tcp(VIP).scheduler("wlc");
        for (int i = 1; i <= 8; i++) {
            vs.realServer(RealServer.of(new InetSocketAddress(Flows.ip(192, 168, 1, i), 80)));
        }
        director.start(vs.build()).join();
        service = director.runningService(director.services().get(0).id()).orElseThrow();
        clients = Flows.clients(1 << 16);
        if (sync.equals("on")) {
            InetSocketAddress self = new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort());
            stream = ConnectionSync.builder(LocalConnectionTable.of(director.syncTarget())).cluster("bench")
                    .bind(self).peers(List.of(self)).queueLength(4096).roles(true, false).build();
            hook.stream(stream);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (stream != null) {
            stream.close();
        }
        director.close();
    }

    @Benchmark
    public Connection connection() {
        int i = cursor++;
        FlowRequest r = request.set(Protocol.TCP, clients[i & 0xFFFF], VIP);
        Connection c = service.open(r).admitted() ? r.connection() : null;
        c.onBackendConnected();
        c.countInbound(100);
        c.countOutbound(100);
        c.countInbound(100);
        c.onClientFin();
        c.onServerFin();
        c.onClosed();
        if ((i & 0x7FFF) == 0x7FFF) {
            nanos += 130_000_000_000L; // past TIME_WAIT
            director.runTimers();
        }
        return c;
    }
}
