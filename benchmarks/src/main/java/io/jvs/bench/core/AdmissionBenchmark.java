package io.jvs.bench.core;

import io.jvs.api.Cidr;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.SourceLimit;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.util.ArrayList;
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
 * The cost of the director's admission checks on the new-connection path: a TCP connection opened with
 * {@code RunningService.open} and closed again, from 65,536 client address/port pairs on 4,096 addresses, with no
 * defence ({@code none}, the baseline), access lists of 17 networks ({@code acl}: 16 denied networks no client is
 * in, then allow 0.0.0.0/0), a per-source limit of connections and rate that never refuses ({@code source}), and
 * both. Every 32,768 connections the ticker moves 11 s and the timer expires the closed entries (the same work in
 * every mode). {@code -prof gc} shows what each allocates per connection (the entry itself, about 120 bytes).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar AdmissionBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Threads(1)
public class AdmissionBenchmark {

    private static final InetSocketAddress VIP = new InetSocketAddress(Flows.ip(10, 0, 0, 1), 80);

    @Param({"none", "acl", "source", "both"})
    public String defences;

    private long nanos = 1_000_000_000_000L;
    private Director director;
    private RunningService binding;
    private final FlowRequest request = new FlowRequest();
    private InetSocketAddress[] clients;
    private int cursor;

    @Setup(Level.Trial)
    public void setUp() {
        Ticker ticker = () -> nanos;
        director = Director.builder().dataPath(DataPath.detached()).ticker(ticker).rateEstimator(false)
                .connectionTimer(false).maxConnections(1 << 17).memoryThreshold(0).build();
        VirtualService.Builder vs = VirtualService.tcp(VIP).scheduler("rr");
        for (int i = 1; i <= 8; i++) {
            vs.realServer(RealServer.of(new InetSocketAddress(Flows.ip(192, 168, 1, i), 80)));
        }
        if (defences.equals("acl") || defences.equals("both")) {
            List<Cidr> deny = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                deny.add(Cidr.parse("198.51." + i + ".0/24"));
            }
            vs.deny(deny).allow(List.of(Cidr.parse("0.0.0.0/0")));
        }
        if (defences.equals("source") || defences.equals("both")) {
            vs.sourceLimit(SourceLimit.maxConnections(1000).withRate(1_000_000, 1_000_000));
        }
        director.start(vs.build()).join();
        binding = director.runningService(director.services().get(0).id()).orElseThrow();
        clients = Flows.clients(1 << 16);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        director.close();
    }

    @Benchmark
    public Connection openAndClose() {
        int i = cursor++;
        FlowRequest r = request.set(Protocol.TCP, clients[i & 0xFFFF], VIP);
        Connection c = binding.open(r).admitted() ? r.connection() : null;
        c.onClosed(); // SYN_RECV to CLOSE: the entry lingers 10 s
        if ((i & 0x7FFF) == 0x7FFF) {
            nanos += 11_000_000_000L;
            director.runTimers();
        }
        return c;
    }
}
