package io.jvs.bench.core;

import io.jvs.api.Protocol;
import io.jvs.core.Director;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Heap bytes per connection-table entry at 1,000,000 entries: the heap in use after a full GC with the flows in the
 * table, minus the heap in use with the director and the client addresses alone, divided by the entries. The
 * table's bucket array (4 bytes per bucket, allocated with the director) is reported separately in
 * {@code bucketBytesPerEntry}. The reference is a {@link ConcurrentHashMap} from a key record to a small value
 * object, measured the same way. Results are the aux counters {@code bytesPerEntry}.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ConnectionTableFootprintBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g", "-XX:+UseParallelGC"})
public class ConnectionTableFootprintBenchmark {

    @Param({"1000000"})
    public int entries;

    private InetSocketAddress[] clients;

    /** Reported per iteration. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Footprint {
        public double bytesPerEntry;
        public double bucketBytesPerEntry;
    }

    @Setup(Level.Trial)
    public void setUp() {
        clients = Flows.clients(entries);
    }

    @Benchmark
    public Object connectionTable(Footprint out) {
        Director d = Flows.director(entries);
        RunningService b = Flows.binding(d);
        FlowRequest r = new FlowRequest();
        long before = usedAfterGc();
        for (InetSocketAddress c : clients) {
            Flows.open(b, r, c);
        }
        long after = usedAfterGc();
        out.bytesPerEntry = (double) (after - before) / entries;
        out.bucketBytesPerEntry = 4.0 * d.connectionTableSize() / entries;
        System.out.printf("%n%d entries: %.1f bytes per entry + %.1f bytes of bucket array per entry%n", entries,
                out.bytesPerEntry, out.bucketBytesPerEntry);
        d.close();
        return b;
    }

    @Benchmark
    public Object concurrentHashMapReference(Footprint out) {
        ConcurrentHashMap<ConnectionTableBenchmark.FlowKey, Object> map = new ConcurrentHashMap<>();
        long before = usedAfterGc();
        for (InetSocketAddress c : clients) {
            map.put(new ConnectionTableBenchmark.FlowKey(17, c, Flows.VIP), new long[2]);
        }
        long after = usedAfterGc();
        out.bytesPerEntry = (double) (after - before) / entries;
        System.out.printf("%n%d entries: %.1f bytes per entry (ConcurrentHashMap, record key, 32-byte value)%n",
                entries, out.bytesPerEntry);
        return map;
    }

    private static long usedAfterGc() {
        MemoryMXBean m = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return m.getHeapMemoryUsage().getUsed();
    }
}
