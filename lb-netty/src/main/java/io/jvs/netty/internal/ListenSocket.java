package io.jvs.netty.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A listening socket of the data path: a Netty channel (TCP or UDP) or a {@link LeanListener}. Its service pauses and
 * resumes it ({@link ServiceState#refresh}); the data path closes it when the endpoint is unbound.
 */
interface ListenSocket {

    /** Starts or stops accepting, on the socket's own event loop; any thread. */
    void accepting(boolean accept);

    /** Closes the socket; the future completes once it is closed. Any thread. */
    CompletableFuture<Void> closeAsync();

    /** The address it listens on, or null if it is not bound (yet). */
    InetSocketAddress localAddress();

    /** A listening Netty channel. */
    static ListenSocket of(Channel ch) {
        return new ChannelListener(ch);
    }

    /** A listening Netty channel, paused by turning its auto-read off. */
    final class ChannelListener implements ListenSocket {
        private final Channel ch;

        ChannelListener(Channel ch) {
            this.ch = ch;
        }

        /**
         * Applies the state on the channel's own event loop: a change made from another thread would queue a read
         * that can outlive a later pause (and, out of descriptors, spin the loop on accept()).
         */
        @Override
        public void accepting(boolean accept) {
            if (!ch.isRegistered() || ch.eventLoop().inEventLoop()) { // (not registered yet: nothing can be pending)
                ch.config().setAutoRead(accept);
            } else {
                ch.eventLoop().execute(() -> ch.config().setAutoRead(accept));
            }
        }

        @Override
        public CompletableFuture<Void> closeAsync() {
            CompletableFuture<Void> f = new CompletableFuture<>();
            ch.close().addListener((ChannelFutureListener) c -> f.complete(null));
            return f;
        }

        @Override
        public InetSocketAddress localAddress() {
            return (InetSocketAddress) ch.localAddress();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ChannelListener && ((ChannelListener) o).ch == ch;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(ch);
        }
    }
}
