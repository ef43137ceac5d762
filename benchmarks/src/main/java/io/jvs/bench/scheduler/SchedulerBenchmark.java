package io.jvs.bench.scheduler;

import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
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
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The cost of one pick, by algorithm, pool size and load distribution, for the indexed implementation and for
 * the plain kernel-loop reference ({@code implementation=reference}) in the same run. Counters stay as set up, so
 * this is the pick alone; {@link SchedulerChurnBenchmark} adds the counter changes a real connection causes.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'scheduler.SchedulerBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerBenchmark {

    @Param({"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "lblc", "lblcr"})
    public String scheduler;

    @Param({"3", "100", "10000", "100000"})
    public int servers;

    @Param({"uniform", "skewed"})
    public String distribution;

    @Param({"indexed", "reference"})
    public String implementation;

    private Scheduler instance;
    private FakeFlow[] flows;
    private int next;

    @Setup
    public void setUp() {
        instance = Pools.bound(Pools.factory(scheduler, implementation), servers, distribution);
        flows = Pools.flows(7);
    }

    @Benchmark
    public Destination select() {
        return instance.select(flows[next++ & (Pools.FLOWS - 1)]);
    }

    public static void main(String[] args) throws RunnerException {
        new Runner(new OptionsBuilder().include(SchedulerBenchmark.class.getSimpleName()).build()).run();
    }
}
