package io.jvs.netty.internal;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * An {@link EmbeddedChannel} with socket addresses, as the handlers of a client connection see it, and a frozen
 * clock the test moves ({@link #advanceTimeBy}): timeouts fire when the test says, never with the machine's speed.
 */
final class HandlerChannel extends EmbeddedChannel {

    static final InetSocketAddress PEER = new InetSocketAddress("10.1.2.3", 40000);
    static final InetSocketAddress LOCAL = new InetSocketAddress("10.0.0.1", 80);

    /** A registered, active channel with no handlers yet; its clock stands still. */
    HandlerChannel() {
        freezeTime();
    }

    /** Fires channelActive again for the handlers added since, as an accepted socket's registration does. */
    HandlerChannel activate() {
        pipeline().fireChannelActive();
        return this;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return isActive() ? PEER : null;
    }

    @Override
    protected SocketAddress localAddress0() {
        return isActive() ? LOCAL : null;
    }
}
