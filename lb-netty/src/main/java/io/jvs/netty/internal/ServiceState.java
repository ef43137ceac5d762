package io.jvs.netty.internal;

import io.jvs.core.ServiceBinding;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the data path keeps per running service: its open connections and UDP flows (for {@code maxConnections}) and its
 * listening channels, which it pauses while the service is at its limit or the process is out of file
 * descriptors. A paused listener reads nothing, so new clients wait in the kernel's listen backlog. Clients that
 * other event loops accepted in the instant the limit was reached are held here, accepted but not yet relayed,
 * and get the next free slots before the listeners resume.
 */
final class ServiceState {

    final ServiceBinding binding;
    private final NettyDataPath dataPath;
    private final AtomicInteger open = new AtomicInteger();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    /** UDP listeners: never paused (a flow's datagrams arrive on them too); new flows are refused at the limit. */
    private final List<Channel> datagramListeners = new CopyOnWriteArrayList<>();
    private final Queue<Held> held = new ConcurrentLinkedQueue<>();
    /** Whether the listeners read (accept); changed under this object's lock. */
    private volatile boolean accepting = true;

    ServiceState(ServiceBinding binding, NettyDataPath dataPath) {
        this.binding = binding;
        this.dataPath = dataPath;
    }

    /**
     * Counts a new connection unless the service already carries {@code max} (0: no limit). Any thread.
     *
     * @return false if the service is at its limit; the connection must then be refused
     */
    boolean acquire(int max) {
        int n = open.incrementAndGet();
        if (max > 0 && n > max) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Uncounts a connection. */
    void release() {
        open.decrementAndGet();
    }

    /** Whether the listeners are paused, so that a freed slot should {@link #refresh} them. */
    boolean paused() {
        return !accepting;
    }

    /** An accepted client waiting for a free slot, and the event loop it was meant for. */
    record Held(Channel child, EventLoop loop) {}

    void hold(Channel child, EventLoop loop) {
        held.add(new Held(child, loop));
    }

    /** The longest-waiting held client, or null. */
    Held nextHeld() {
        return held.poll();
    }

    boolean hasHeld() {
        return !held.isEmpty();
    }

    /** Whether the service is at its connection limit. */
    boolean atLimit() {
        int max = binding.settings().maxConnections();
        return max > 0 && open.get() >= max;
    }

    int open() {
        return open.get();
    }

    /**
     * Pauses or resumes the listeners: they accept while the service is under its limit and descriptors are left.
     * Reads both conditions under the lock, so the last call leaves the listeners as the latest state says.
     */
    synchronized void refresh() {
        boolean want = !dataPath.outOfFiles() && !atLimit();
        if (want != accepting) {
            accepting = want;
            for (Channel ch : listeners) {
                apply(ch);
            }
        }
    }

    /**
     * Gives listener {@code ch} the current state, on its own event loop: a change made from another thread would
     * queue a read that can outlive a later pause (and, out of descriptors, spin the loop on accept()).
     */
    private void apply(Channel ch) {
        if (!ch.isRegistered() || ch.eventLoop().inEventLoop()) { // (not registered yet: nothing can be pending)
            ch.config().setAutoRead(accepting);
        } else {
            ch.eventLoop().execute(() -> ch.config().setAutoRead(accepting)); // the state when it runs
        }
    }

    /**
     * One listener was paused directly (out of descriptors, on its own loop): the next {@link #refresh} that finds
     * accepting possible must resume them all.
     */
    synchronized void listenerPaused() {
        accepting = false;
    }

    /** Adds a listening channel before it is bound, paused if the service is. */
    synchronized void addListener(Channel ch) {
        ch.config().setAutoRead(accepting);
        listeners.add(ch);
    }

    /** Adds a UDP listening channel. */
    void addDatagramListener(Channel ch) {
        datagramListeners.add(ch);
    }

    void removeListener(Channel ch) {
        listeners.remove(ch);
        datagramListeners.remove(ch);
    }

    boolean hasListeners() {
        return !listeners.isEmpty() || !datagramListeners.isEmpty();
    }
}
