package io.jvs.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The load balancer's own threads, found by name, for tests that check what a call started or what a close ended.
 * Never compare the JVM's thread count instead: other tests' event loops, the JIT, the GC and the test framework
 * start and end threads of their own at any time.
 */
public final class LbThreads {

    /** Every thread JVS starts is named {@code jvs-...}. */
    public static final String ALL = "jvs-";
    /** The event loops of a socket data path. */
    public static final String IO = "jvs-io";

    private LbThreads() {}

    /** The live threads whose name starts with {@code prefix}, now. */
    public static Set<Thread> live(String prefix) {
        Set<Thread> out = new HashSet<>();
        for (Thread th : Thread.getAllStackTraces().keySet()) {
            if (th.getName().startsWith(prefix) && th.isAlive()) {
                out.add(th);
            }
        }
        return out;
    }

    /** The live threads named {@code prefix...} that are not in {@code before}: started since it was taken. */
    public static Set<Thread> startedSince(Set<Thread> before, String prefix) {
        Set<Thread> out = live(prefix);
        out.removeAll(before);
        return out;
    }

    /**
     * Asserts that the threads named {@code prefix...} started since {@code before} (this test's own: other tests'
     * load balancers may still be stopping theirs) have all ended, waiting up to {@code timeout} for each.
     */
    public static void assertEnded(Set<Thread> before, String prefix, Duration timeout) throws InterruptedException {
        for (Thread th : startedSince(before, prefix)) {
            th.join(timeout.toMillis());
            if (th.isAlive()) {
                fail("thread " + th.getName() + " still runs after close()");
            }
        }
    }
}
