package io.jvs.packet.internal.ffi;

import java.io.IOException;

/**
 * A libc call that failed: names the call (with what it was for) and the errno with its text, as
 * {@code setsockopt(PACKET_RX_RING): Cannot allocate memory (errno 12)}.
 */
public final class NativeException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    /** A failure of {@code call} with {@code errno}; the message carries {@code strerror(errno)}. */
    public NativeException(String call, int errno) {
        super(call + ": " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.errno = errno;
    }

    /** The errno the call left. */
    public int errno() {
        return errno;
    }
}
