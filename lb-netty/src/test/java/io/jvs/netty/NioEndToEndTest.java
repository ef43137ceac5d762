package io.jvs.netty;

/** {@link EndToEndTest} on NIO. */
class NioEndToEndTest extends EndToEndTest {
    NioEndToEndTest() {
        super(Transport.NIO);
    }
}
