package io.jvs.netty;

/** {@link EndToEndTest} on IO_URING. */
class IoUringEndToEndTest extends EndToEndTest {
    IoUringEndToEndTest() {
        super(Transport.IO_URING);
    }
}
