package io.jvs.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEventLoop;
import java.util.concurrent.TimeUnit;

/**
 * What the lean relays of one event loop share: the buffer every read goes through, the sockets waiting to be
 * closed, and the connects waiting for their timeout. Confined to its loop's thread.
 *
 * <p>Closes are deferred to a task that runs after the loop's current batch of epoll events: Netty hands each event
 * to the handle registered for its descriptor number, so a descriptor closed and reused within one batch (a client
 * accepted, or a socket opened, after another was closed) would receive events meant for its predecessor. A
 * descriptor stays open, and its number taken, until the batch is done.
 *
 * <p>Connect timeouts: every connect of the loop has the same timeout, so the connects in flight form a queue
 * ordered by deadline, and one scheduled task (at the head's deadline) serves them all, instead of a scheduled task
 * per connection.
 */
final class LeanLoop {

    /** The most one read takes. */
    static final int READ_SIZE = 64 * 1024;

    final IoEventLoop loop;
    private final long connectTimeoutNanos;
    /** Reads land here and are written on at once; only what the peer does not take is copied and kept. */
    private ByteBuf scratch;
    private LeanLeg[] closing = new LeanLeg[64];
    private int closingCount;
    private boolean closeQueued;
    private final Runnable closeTask = this::closeDeferred;
    private LeanRelay connectHead;
    private LeanRelay connectTail;
    private boolean timeoutScheduled;
    private final Runnable timeoutTask = this::expireConnects;

    LeanLoop(IoEventLoop loop, long connectTimeoutMillis) {
        this.loop = loop;
        this.connectTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis);
    }

    /** The read buffer of this loop, {@link #READ_SIZE} bytes, made at the first read. */
    ByteBuf scratch() {
        ByteBuf s = scratch;
        if (s == null) {
            scratch = s = Unpooled.directBuffer(READ_SIZE, READ_SIZE);
        }
        return s;
    }

    /** Frees the read buffer; the loop has ended, or the data path is closing with it. */
    void release() {
        if (scratch != null) {
            scratch.release();
            scratch = null;
        }
    }

    // ---- deferred closes

    /** Closes {@code leg}'s descriptor once the current batch of events is done. */
    void deferClose(LeanLeg leg) {
        if (closingCount == closing.length) {
            closing = java.util.Arrays.copyOf(closing, closingCount * 2);
        }
        closing[closingCount++] = leg;
        if (!closeQueued) {
            closeQueued = true;
            loop.execute(closeTask);
        }
    }

    private void closeDeferred() {
        closeQueued = false;
        // (a close may end a relay, which may let a held client connect, which may close another socket: it joins
        // this pass; no epoll events are handed out while a task runs)
        for (int i = 0; i < closingCount; i++) {
            LeanLeg leg = closing[i];
            closing[i] = null;
            leg.closeNow();
        }
        closingCount = 0;
    }

    // ---- connect timeouts

    /** {@code relay} started a connect: it times out after the connect timeout unless {@link #connectEnded}. */
    void connectStarted(LeanRelay relay) {
        relay.connectDeadline = System.nanoTime() + connectTimeoutNanos;
        relay.connectNext = null;
        relay.connectPrev = connectTail;
        if (connectTail == null) {
            connectHead = relay;
        } else {
            connectTail.connectNext = relay;
        }
        connectTail = relay;
        relay.connectWaiting = true;
        if (!timeoutScheduled) {
            timeoutScheduled = true;
            loop.schedule(timeoutTask, connectTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** {@code relay}'s connect completed or failed: no timeout for it. */
    void connectEnded(LeanRelay relay) {
        if (!relay.connectWaiting) {
            return;
        }
        relay.connectWaiting = false;
        if (relay.connectPrev == null) {
            connectHead = relay.connectNext;
        } else {
            relay.connectPrev.connectNext = relay.connectNext;
        }
        if (relay.connectNext == null) {
            connectTail = relay.connectPrev;
        } else {
            relay.connectNext.connectPrev = relay.connectPrev;
        }
        relay.connectPrev = null;
        relay.connectNext = null;
    }

    private void expireConnects() {
        long now = System.nanoTime();
        LeanRelay r;
        while ((r = connectHead) != null && r.connectDeadline - now <= 0) { // (a retry joins the tail, not scheduled)
            connectEnded(r);
            r.connectTimedOut();
        }
        if (connectHead != null) {
            loop.schedule(timeoutTask, Math.max(0, connectHead.connectDeadline - now), TimeUnit.NANOSECONDS);
        } else {
            timeoutScheduled = false;
        }
    }
}
