package io.jvs.netty.internal;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import java.nio.ByteBuffer;

/**
 * The read buffers of one UDP listener: a batch buffer (a slot per datagram of a {@code recvmmsg}) is larger than
 * Netty's allocators keep at hand (the adaptive allocator pools nothing above 16 KiB in a JVM of less than 512 MiB,
 * and the arena allocator's thread caches stop at 32 KiB and free a chunk, 4 MiB it zeroed, when it empties), so
 * every read would allocate and zero fresh native memory. This allocator hands out buffers of exactly one size
 * whose memory is reused: when the last datagram sliced from a buffer is released (sent on, or dropped, on any
 * thread), its memory returns to a small free list. Other sizes and heap buffers come from the unpooled allocator.
 */
final class DatagramReadBuffers extends AbstractByteBufAllocator {

    private final int size;
    private final ByteBuffer[] free;
    private int count;

    /**
     * @param size the one size handed out from reused memory
     * @param keep how many free buffers are kept at most (more are left to the garbage collector)
     */
    DatagramReadBuffers(int size, int keep) {
        super(true);
        this.size = size;
        this.free = new ByteBuffer[keep];
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity != size || maxCapacity < size) {
            return UnpooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        }
        ByteBuffer memory = take();
        if (memory == null) {
            memory = ByteBuffer.allocateDirect(size);
        }
        return new Reused(this, memory).clear(); // a wrapped buffer starts full: empty it for the read
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return UnpooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    private synchronized ByteBuffer take() {
        if (count == 0) {
            return null;
        }
        ByteBuffer b = free[--count];
        free[count] = null;
        return b;
    }

    private synchronized void give(ByteBuffer memory) {
        if (count < free.length) {
            free[count++] = memory;
        }
    }

    /** Buffers kept for reuse now (tests). */
    synchronized int kept() {
        return count;
    }

    /** A buffer over reused memory; when it is deallocated the memory goes back to the free list. */
    private static final class Reused extends UnpooledUnsafeDirectByteBuf {
        private final DatagramReadBuffers owner;
        private final ByteBuffer memory;

        Reused(DatagramReadBuffers owner, ByteBuffer memory) {
            super(owner, memory, memory.capacity()); // wraps it; deallocate() does not free it
            this.owner = owner;
            this.memory = memory;
        }

        @Override
        protected void deallocate() {
            super.deallocate();
            owner.give(memory);
        }
    }

    /** Whether reused buffers can be had here (Netty's unsafe direct buffers need sun.misc.Unsafe). */
    static boolean available() {
        return io.netty.util.internal.PlatformDependent.hasUnsafe();
    }

    @Override
    public String toString() {
        return "DatagramReadBuffers[" + size + " bytes, " + kept() + " kept]";
    }
}
