package io.jvs.netty.internal;

import io.jvs.core.ServiceBinding;
import io.netty.channel.Channel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the data path keeps per running service: its open connections (for {@code maxConnections}) and its
 * listening channels, which it pauses while the service is at its limit or the process is out of file
 * descriptors. A paused listener reads nothing, so new clients wait in the kernel's listen backlog.
 */
final class ServiceState {

    final ServiceBinding binding;
    private final AtomicInteger open = new AtomicInteger();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    /** Whether the listeners read (accept); changed under this object's lock. */
    private volatile boolean accepting = true;

    ServiceState(ServiceBinding binding) {
        this.binding = binding;
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

    /** Uncounts a connection; true if the listeners were paused, so the caller should {@link #refresh}. */
    boolean release() {
        open.decrementAndGet();
        return !accepting;
    }

    /** Whether the service is at its connection limit. */
    boolean atLimit() {
        int max = binding.settings().maxConnections();
        return max > 0 && open.get() >= max;
    }

    int open() {
        return open.get();
    }

    /** Pauses or resumes the listeners: they accept while the service is under its limit and files are left. */
    synchronized void refresh(boolean outOfFiles) {
        boolean want = !outOfFiles && !atLimit();
        if (want != accepting) {
            accepting = want;
            for (Channel ch : listeners) {
                ch.config().setAutoRead(want);
            }
        }
    }

    /** Adds a listening channel before it is bound, paused if the service is. */
    synchronized void addListener(Channel ch) {
        ch.config().setAutoRead(accepting);
        listeners.add(ch);
    }

    void removeListener(Channel ch) {
        listeners.remove(ch);
    }

    boolean hasListeners() {
        return !listeners.isEmpty();
    }
}
