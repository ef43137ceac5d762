package io.jvs.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves the leak check can fail: a buffer dropped without release() is reported. */
class LeakCheckExtensionTest {

    @Test
    void aDroppedBufferIsReported() throws Exception {
        assertEquals(FailingLeakDetector.class.getName(), System.getProperty("io.netty.customResourceLeakDetector"),
                "the build installs the failing detector");
        leak();
        List<String> leaks = LeakCheckExtension.collectLeaks();
        assertTrue(leaks.size() >= 1, "the leak was reported");
        assertTrue(leaks.get(0).contains("ByteBuf leaked"), leaks.get(0));
    }

    @Test
    void releasedBuffersAreNotReported() throws Exception {
        LeakCheckExtension.collectLeaks();
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64).writeLong(1);
        b.release();
        assertEquals(List.of(), LeakCheckExtension.collectLeaks());
    }

    private static void leak() {
        ByteBuf b = ByteBufAllocator.DEFAULT.directBuffer(64);
        b.writeInt(42); // touched, then dropped without release()
    }
}
