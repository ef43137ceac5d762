package io.jvs.netty.internal;

import io.jvs.core.RunningService;
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
    private final List<ListenSocket> listeners = new CopyOnWriteArrayList<>();
    /** UDP listeners: never paused (a flow's datagrams arrive on them too); new flows are refused at the limit. */
    private final List<ListenSocket> datagramListeners = new CopyOnWriteArrayList<>();
    private final Queue<Relay> held = new ConcurrentLinkedQueue<>();
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
    void hold(Relay relay) {
        held.add(relay);
    }

    /** The longest-waiting held client, or null. */
    Relay nextHeld() {
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
            for (ListenSocket l : listeners) {
                l.accepting(want); // on the listener's own loop
            }
        }
    }

    /**
     * One listener was paused directly (out of descriptors, on its own loop): the next {@link #refresh} that finds
     * accepting possible must resume them all.
     */
    synchronized void listenerPaused() {
        accepting = false;
    }

    /** Adds a TCP listening socket before it is bound, paused if the service is. */
    synchronized void addListener(ListenSocket l) {
        l.accepting(accepting);
        listeners.add(l);
    }

    /** Adds a UDP listening socket. */
    void addDatagramListener(ListenSocket l) {
        datagramListeners.add(l);
    }

    void removeListener(ListenSocket l) {
        listeners.remove(l);
        datagramListeners.remove(l);
    }

    boolean hasListeners() {
        return !listeners.isEmpty() || !datagramListeners.isEmpty();
    }
}
