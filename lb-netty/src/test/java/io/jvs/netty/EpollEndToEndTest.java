package io.jvs.netty;

/** {@link EndToEndTest} on EPOLL. */
class EpollEndToEndTest extends EndToEndTest {
    EpollEndToEndTest() {
        super(Transport.EPOLL);
    }
}
