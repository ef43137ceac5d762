package io.jvs.bench.scheduler;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
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
 * The table-lookup schedulers dh, sh and mh, which the kernel already answers without scanning: one hash and one
 * array read per pick, whatever the pool size. mh needs a table at least as large as the pool, so above 4093
 * servers it runs with {@code CONFIG_IP_VS_MH_TAB_INDEX = 17} (131071 slots). {@link #baseline()} is JMH's own
 * cost of a call returning a field.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'scheduler.HashingSchedulerBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HashingSchedulerBenchmark {

    @Param({"dh", "sh", "mh"})
    public String scheduler;

    @Param({"3", "100", "10000", "100000"})
    public int servers;

    private Scheduler instance;
    private FakeFlow[] flows;
    private int next;

    @Setup
    public void setUp() {
        Scheduler.Factory factory = scheduler.equals("mh") && servers > 4093 ? Schedulers.mh(17)
                : Schedulers.byName(scheduler);
        instance = Pools.bound(factory, servers, "uniform");
        flows = Pools.flows(7);
    }

    @Benchmark
    public Destination select() {
        return instance.select(flows[next++ & (Pools.FLOWS - 1)]);
    }

    @Benchmark
    public FakeFlow baseline() {
        return flows[next++ & (Pools.FLOWS - 1)];
    }
}
