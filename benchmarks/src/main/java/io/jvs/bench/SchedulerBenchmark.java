package io.jvs.bench;

import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
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
 * Cost of one scheduler pick, by algorithm and pool size. Counters are fixed (uniform random active/inactive) so
 * least-connection schedulers scan a realistic pool.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SchedulerBenchmark {

    @Param({"rr", "wrr", "wlc"})
    public String scheduler;

    @Param({"3", "100", "10000"})
    public int servers;

    private Scheduler instance;
    private final Flow flow = new FixedFlow();

    @Setup
    public void setUp() throws UnknownHostException {
        SplittableRandom random = new SplittableRandom(42);
        List<Destination> list = new ArrayList<>(servers);
        for (int i = 0; i < servers; i++) {
            InetAddress a = InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            list.add(new FixedDestination(RealServer.of(new InetSocketAddress(a, 80)).withWeight(1 + random.nextInt(5)),
                    random.nextInt(100), random.nextInt(1000)));
        }
        instance = Scheduler.Factory.byName(scheduler).create(new Scheduler.Context() {
            @Override
            public ServiceId service() {
                return ServiceId.tcp(new InetSocketAddress(InetAddress.getLoopbackAddress(), 80));
            }

            @Override
            public Set<SchedulerFlag> flags() {
                return Set.of();
            }

            @Override
            public Ticker ticker() {
                return Ticker.system();
            }

            @Override
            public RandomGenerator random() {
                return ThreadLocalRandom.current();
            }
        });
        instance.update(List.copyOf(list));
    }

    @Benchmark
    public Destination select() {
        return instance.select(flow);
    }

    /** A destination with fixed counters. */
    static final class FixedDestination implements Destination {
        private final RealServer server;
        private final int active;
        private final int inactive;

        FixedDestination(RealServer server, int active, int inactive) {
            this.server = server;
            this.active = active;
            this.inactive = inactive;
        }

        @Override
        public RealServer server() {
            return server;
        }

        @Override
        public InetSocketAddress address() {
            return server.address();
        }

        @Override
        public int weight() {
            return server.weight();
        }

        @Override
        public int lastWeight() {
            return server.weight();
        }

        @Override
        public int activeConnections() {
            return active;
        }

        @Override
        public int inactiveConnections() {
            return inactive;
        }

        @Override
        public int persistentConnections() {
            return 0;
        }

        @Override
        public boolean isOverloaded() {
            return false;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }
    }

    /** A fixed IPv4 flow. */
    static final class FixedFlow implements Flow {
        @Override
        public Protocol protocol() {
            return Protocol.TCP;
        }

        @Override
        public int clientAddressHash() {
            return 0x0a000001;
        }

        @Override
        public int clientPort() {
            return 40000;
        }

        @Override
        public int virtualAddressHash() {
            return 0x0a000101;
        }

        @Override
        public int virtualPort() {
            return 80;
        }
    }
}
