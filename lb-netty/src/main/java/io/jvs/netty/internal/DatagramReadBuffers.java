package io.jvs.netty.internal;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledUnsafeDirectByteBuf;
import java.nio.ByteBuffer;

/**
 * Datagram buffers of one size whose memory is reused: UDP reads take a buffer per read (a listener a batch buffer
 * with a slot per datagram of a {@code recvmmsg}, whose datagrams are copied out at once; a flow's socket one per
 * reply) and the relay one per datagram it sends on, and each is given back a moment later. Netty 4.2.18's
 * allocators turned that pattern into fresh native memory for most reads, allocated and zeroed, then left to the
 * garbage collector (measured under load: the adaptive allocator
 * retired and reallocated its 128 KiB chunks, 250-600 MB of direct memory waiting for a GC, and 5 % of the CPU in
 * zeroing; the arena allocator's thread caches stop at 32 KiB and it frees a 4 MiB chunk whenever it empties). Here,
 * when the last datagram sliced from a buffer is released (on any thread), its memory returns to a bounded free list
 * and the next read takes it. Other sizes and heap buffers come from the fallback allocator.
 */
final class DatagramReadBuffers extends AbstractByteBufAllocator {

    private final int size;
    private final ByteBufAllocator fallback;
    private final ByteBuffer[] free;
    private int count;

    /**
     * @param size the one size handed out from reused memory
     * @param keep how many free buffers are kept at most (more are left to the garbage collector)
     * @param fallback the allocator of other sizes and of heap buffers
     */
    DatagramReadBuffers(int size, int keep, ByteBufAllocator fallback) {
        super(true);
        this.size = size;
        this.free = new ByteBuffer[keep];
        this.fallback = fallback;
    }

    /** The size handed out from reused memory. */
    int size() {
        return size;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        if (initialCapacity != size || maxCapacity < size) {
            return fallback.directBuffer(initialCapacity, maxCapacity);
        }
        ByteBuffer memory = take();
        if (memory == null) {
            memory = ByteBuffer.allocateDirect(size);
        }
        return new Reused(this, memory).clear(); // a wrapped buffer starts full: empty it for the read
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return fallback.heapBuffer(initialCapacity, maxCapacity);
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
