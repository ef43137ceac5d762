package io.jvs.netty.internal;

import io.jvs.core.RunningService;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/**
 * What the data path keeps per running service: its listening channels, which it pauses while the service carries
 * its connection limit ({@link RunningService#atConnectionLimit()}) or the process is out of file descriptors (a
 * paused listener reads nothing, so new clients wait in the kernel's listen backlog), and the clients accepted in the
 * instant the limit was reached, held until a place is free.
 */
final class ServiceState {

    final RunningService service;
    /** Whether the process is out of file descriptors now. */
    private final BooleanSupplier outOfFiles;
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    /** UDP listeners: never paused (a flow's datagrams arrive on them too); new flows are refused at the limit. */
    private final List<Channel> datagramListeners = new CopyOnWriteArrayList<>();
    private final Queue<TcpRelay> held = new ConcurrentLinkedQueue<>();
    /** Whether the listeners read (accept); changed under this object's lock. */
    private volatile boolean accepting = true;

    ServiceState(RunningService service, BooleanSupplier outOfFiles) {
        this.service = service;
        this.outOfFiles = outOfFiles;
    }

    /** Whether the listeners are paused, so that a freed place should {@link #refresh} them. */
    boolean paused() {
        return !accepting;
    }

    /** Holds a client that met the service's limit until a place is free. */
    void hold(TcpRelay relay) {
        held.add(relay);
    }

    /** The longest-waiting held client, or null. */
    TcpRelay nextHeld() {
        return held.poll();
    }

    boolean hasHeld() {
        return !held.isEmpty();
    }

    /**
     * Pauses or resumes the listeners: they accept while the service is under its limit and descriptors are left.
     * Reads both conditions under the lock, so the last call leaves the listeners as the latest state says.
     */
    synchronized void refresh() {
        boolean want = !outOfFiles.getAsBoolean() && !service.atConnectionLimit();
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
