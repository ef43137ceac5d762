package io.jvs.health.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Delivers what the monitors report to the listeners one call at a time, in the order it was queued, and never
 * while a monitor's lock is held (gRPC's SynchronizationContext): a monitor queues under its lock and drains after
 * releasing it. Whoever finds no drain in progress drains; a call queued meanwhile, from any thread or from a
 * listener itself, is run by that drain. So a listener may call the checker, even change it, without deadlock.
 */
public final class EventDelivery {

    private static final Logger LOG = System.getLogger("io.jvs.health");

    private final Queue<Runnable> queue = new ConcurrentLinkedQueue<>();
    private final AtomicReference<Thread> drainer = new AtomicReference<>();

    /** Queues a call; it runs at the next {@link #drain()}. */
    public void later(Runnable call) {
        queue.add(call);
    }

    /** Runs the queued calls unless another drain is running them; call it holding no lock. */
    public void drain() {
        do {
            if (!drainer.compareAndSet(null, Thread.currentThread())) {
                return; // another thread (or an outer frame of this one) is draining and will see what we queued
            }
            try {
                for (Runnable call; (call = queue.poll()) != null; ) {
                    try {
                        call.run();
                    } catch (RuntimeException e) {
                        LOG.log(Level.WARNING, "health listener call failed", e);
                    }
                }
            } finally {
                drainer.set(null);
            }
        } while (!queue.isEmpty()); // queued after our last poll, while we still held the drain
    }
}
