package io.jvs.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The UDP listener's read buffers: memory comes back when the last slice of a buffer is released, and is reused. */
class DatagramReadBuffersTest {

    @Test
    void memoryIsReusedOnceEverySliceIsReleased_otherSizesAreNotKept() {
        Assumptions.assumeTrue(DatagramReadBuffers.available(), "no sun.misc.Unsafe here");
        DatagramReadBuffers buffers = new DatagramReadBuffers(4096, 2, io.netty.buffer.UnpooledByteBufAllocator.DEFAULT);
        ByteBuf b = buffers.ioBuffer(4096);
        assertEquals(0, b.writerIndex(), "empty, ready for a read");
        assertEquals(4096, b.writableBytes());
        long address = b.memoryAddress();
        b.writeBytes(new byte[100]);
        ByteBuf first = b.retainedSlice(0, 50);
        ByteBuf second = b.retainedSlice(50, 50);
        b.release(); // as recvmmsg does once the datagrams are sliced out
        first.release();
        assertEquals(0, buffers.kept(), "a slice still holds the memory");
        second.release();
        assertEquals(1, buffers.kept());
        ByteBuf again = buffers.ioBuffer(4096);
        assertEquals(address, again.memoryAddress(), "the same memory");
        assertEquals(0, again.writerIndex());
        assertEquals(0, buffers.kept());

        ByteBuf other = buffers.ioBuffer(100);
        assertTrue(other.isDirect());
        other.release();
        again.release();
        assertEquals(1, buffers.kept(), "only the one size is kept");

        ByteBuf[] many = {buffers.ioBuffer(4096), buffers.ioBuffer(4096), buffers.ioBuffer(4096)};
        for (ByteBuf m : many) {
            m.release();
        }
        assertEquals(2, buffers.kept(), "at most the number asked for");
    }
}
