package io.jvs.packet.internal.ring;

/** Where a worker writes frames to send: the TX ring of its port, or a buffer in tests. */
public interface TxFrames {

    /** The offset of the next free frame's data area in the ring segment, or -1 when none is free. */
    long nextTx();

    /** Bytes a frame's data area holds. */
    int txCapacity();

    /** Queues the frame {@link #nextTx()} returned, with {@code length} bytes. */
    void commitTx(int length);
}
