package io.jvs.bench.scheduler;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One connection's worth of scheduler work: a pick, the new connection counted on the picked server (as the core
 * does on bind, followed by {@code countersChanged}), and the oldest of 4096 outstanding connections closed
 * (another {@code countersChanged}). The indexed schedulers pay O(log n) per counter change here; the reference,
 * like the kernel, pays nothing there and scans on every pick.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'scheduler.SchedulerChurnBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerChurnBenchmark {

    private static final int OUTSTANDING = 4096;

    @Param({"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr"})
    public String scheduler;

    @Param({"100", "10000", "100000"})
    public int servers;

    @Param({"indexed", "reference"})
    public String implementation;

    private Scheduler instance;
    private FakeFlow[] flows;
    private final FakeDestination[] open = new FakeDestination[OUTSTANDING];
    private int next;

    @Setup
    public void setUp() {
        instance = Pools.bound(Pools.factory(scheduler, implementation), servers, "uniform");
        flows = Pools.flows(7);
    }

    @Benchmark
    public Destination connection() {
        int i = next++;
        Destination d = instance.select(flows[i & (Pools.FLOWS - 1)]);
        int slot = i & (OUTSTANDING - 1);
        FakeDestination old = open[slot];
        if (old != null) {
            old.disconnect(false);
        }
        FakeDestination picked = (FakeDestination) d;
        if (picked != null) {
            picked.connect();
        }
        open[slot] = picked;
        return d;
    }
}
