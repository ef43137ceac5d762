package io.jvs.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer while it ran. Registered for every test class through
 * JUnit's extension auto-detection (see {@code META-INF/services}); it does nothing unless
 * {@link FailingLeakDetector} is Netty's detector.
 *
 * <p>Leaks surface only after the leaked buffer is garbage-collected and the detector next polls its queue, so
 * after the class it collects garbage and allocates a few tracked buffers (at PARANOID every allocation polls).
 */
public final class LeakCheckExtension implements BeforeAllCallback, AfterAllCallback {

    @Override
    public void beforeAll(ExtensionContext context) {
        FailingLeakDetector.LEAKS.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws InterruptedException {
        if (!FailingLeakDetector.class.getName().equals(System.getProperty("io.netty.customResourceLeakDetector"))) {
            return;
        }
        List<String> leaks = collectLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty buffer leak(s) in " + context.getDisplayName() + ":\n"
                    + String.join("\n\n", leaks));
        }
    }

    /** Makes the detector report what was leaked so far, and returns (and forgets) those reports. */
    static List<String> collectLeaks() throws InterruptedException {
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(50);
            for (ByteBufAllocator a : new ByteBufAllocator[] {ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
                    UnpooledByteBufAllocator.DEFAULT}) {
                ByteBuf heap = a.heapBuffer(8);
                ByteBuf direct = a.directBuffer(8);
                heap.release();
                direct.release();
            }
        }
        List<String> leaks = new ArrayList<>(FailingLeakDetector.LEAKS);
        FailingLeakDetector.LEAKS.clear();
        return leaks;
    }
}
