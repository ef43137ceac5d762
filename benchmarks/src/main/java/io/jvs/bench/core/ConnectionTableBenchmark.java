package io.jvs.bench.core;

import io.jvs.api.Protocol;
import io.jvs.core.Connection;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
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
 * Lookups in the connection table at 1,000,000 entries, one thread (lookups per second per core): the per-datagram
 * path of a UDP data path, {@code RunningService.open} finding the client's live flow (address to primitives, seeded
 * hash, lock-free chain walk). The reference is what a plain Java table would do, a {@link ConcurrentHashMap} keyed
 * by a key object built per lookup. {@code baseline} reads the same client address objects without looking them up,
 * so {@code lookup} minus {@code baseline} is the table's own cost.
 *
 * <p>Two mixes: {@code lookup*} draws clients at random from all 1,000,000 (every lookup misses the CPU caches:
 * memory-bound), {@code *Hot} from 4,096 of them (the entries stay in cache: the CPU cost of the path).
 * {@code countInbound} is the per-read cost of a live flow (statistics, state machine, timer re-arm).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ConnectionTableBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+UseTransparentHugePages", "-XX:+AlwaysPreTouch"})
@Threads(1)
public class ConnectionTableBenchmark {

    @Param({"1000000"})
    public int entries;

    private Director director;
    private RunningService binding;
    private final FlowRequest request = new FlowRequest();
    /** The clients as a packet data path reads them: 32-bit addresses and ports. */
    private int[] clientAddresses;
    private int[] clientPorts;
    private int vip;
    private InetSocketAddress[] clients;
    /** Lookup order: a random permutation, so that every lookup misses the caches as a real mix would. */
    private int[] order;
    private int mask;
    private static final int HOT_MASK = 4095;
    private int cursor;
    private ConcurrentHashMap<FlowKey, Object> reference;
    private Connection live;

    /** What a straightforward Java table keys by. */
    record FlowKey(int protocol, InetSocketAddress client, InetSocketAddress virtual) {}

    @Setup(Level.Trial)
    public void setUp() {
        director = Flows.director(Math.max(entries, 1 << 20));
        binding = Flows.binding(director);
        clients = Flows.clients(entries);
        reference = new ConcurrentHashMap<>(entries * 2);
        for (InetSocketAddress c : clients) {
            Connection conn = Flows.open(binding, request, c);
            reference.put(new FlowKey(17, c, Flows.VIP), conn);
        }
        if (director.connectionTable().entries() != entries) {
            throw new IllegalStateException("table has " + director.connectionTable().entries() + " entries");
        }
        int n = Integer.highestOneBit(entries);
        order = new int[n];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < n; i++) {
            order[i] = r.nextInt(entries);
        }
        mask = n - 1;
        live = Flows.open(binding, request, clients[0]);
        clientAddresses = new int[entries];
        clientPorts = new int[entries];
        for (int i = 0; i < entries; i++) {
            clientAddresses[i] = clients[i].getAddress().hashCode();
            clientPorts[i] = clients[i].getPort();
        }
        vip = Flows.VIP.getAddress().hashCode();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        director.close();
    }

    @Benchmark
    public int baseline() {
        InetSocketAddress c = clients[order[cursor++ & mask]];
        return c.getAddress().hashCode() ^ c.getPort();
    }

    @Benchmark
    public Outcome lookup() {
        return binding.open(request.set(Protocol.UDP, clients[order[cursor++ & mask]], Flows.VIP));
    }

    @Benchmark
    public Object concurrentHashMapReference() {
        return reference.get(new FlowKey(17, clients[order[cursor++ & mask]], Flows.VIP));
    }

    @Benchmark
    public int baselineHot() {
        InetSocketAddress c = clients[order[cursor++ & HOT_MASK]];
        return c.getAddress().hashCode() ^ c.getPort();
    }

    @Benchmark
    public Outcome lookupHot() {
        return binding.open(request.set(Protocol.UDP, clients[order[cursor++ & HOT_MASK]], Flows.VIP));
    }

    /**
     * A packet data path's per-packet call on a live flow ({@code setV4} from header fields, no address objects): the
     * look-up, the packet counted in InPkts/InBytes, the flow re-armed. Compare with {@code lookupHot}, which converts
     * {@code InetSocketAddress}es first, and with {@code countInbound}.
     */
    @Benchmark
    public Outcome packetHot() {
        int i = order[cursor++ & HOT_MASK];
        return binding.open(request.setV4(17, clientAddresses[i], clientPorts[i], vip, 53).packetBytes(1400));
    }

    @Benchmark
    public Object concurrentHashMapReferenceHot() {
        return reference.get(new FlowKey(17, clients[order[cursor++ & HOT_MASK]], Flows.VIP));
    }

    @Benchmark
    public void countInbound() {
        live.countInbound(1400);
    }

    public static void main(String[] args) throws Exception {
        org.openjdk.jmh.Main.main(new String[] {ConnectionTableBenchmark.class.getSimpleName(), "-prof", "gc"});
    }
}
