package io.jvs.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Assumptions;

/**
 * The current thread's allocation counter (HotSpot's {@code com.sun.management.ThreadMXBean}), for tests that assert a
 * hot path allocates nothing. Read through reflection, so that tests compiled into a named module (which does not read
 * {@code jdk.management}) can use it. A JVM without the counter makes the test skip with a message, never pass.
 */
public final class Allocations {

    private static final Method ALLOCATED = allocatedMethod();

    private Allocations() {}

    private static Method allocatedMethod() {
        try {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Class<?> c = Class.forName("com.sun.management.ThreadMXBean");
            if (!c.isInstance(mx)) {
                return null;
            }
            Method supported = c.getMethod("isThreadAllocatedMemorySupported");
            Method enabled = c.getMethod("isThreadAllocatedMemoryEnabled");
            if (!(Boolean) supported.invoke(mx) || !(Boolean) enabled.invoke(mx)) {
                return null;
            }
            return c.getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Skips the test (a JUnit assumption) when this JVM does not count what a thread allocates. */
    public static void assumeCounted() {
        Assumptions.assumeTrue(ALLOCATED != null, "this JVM does not count a thread's allocations: cannot measure");
    }

    /** The bytes the current thread allocated so far. */
    public static long current() {
        assumeCounted();
        try {
            return (Long) ALLOCATED.invoke(ManagementFactory.getThreadMXBean());
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The fewest bytes that {@code work} allocated in one of up to {@code rounds} runs (the first runs warm the JIT
     * up, so that escape analysis removes what it can): stops at the first run that allocated less than 1 KiB.
     */
    public static long leastOf(int rounds, Runnable work) {
        long least = Long.MAX_VALUE;
        for (int i = 0; i < rounds; i++) {
            long before = current();
            work.run();
            least = Math.min(least, current() - before);
            if (least < 1024) {
                break;
            }
        }
        return least;
    }
}
