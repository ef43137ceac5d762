package io.jvs.core.internal;

import io.jvs.api.ServiceId;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * IPVS's destination trash: real servers deleted from a service are kept while connections still refer to them, so
 * that adding one back revives it with its counters and its connections. One that nothing refers to is freed after
 * 120 s idle, looked at once a minute ({@code ip_vs_dest_trash_expire}). Not thread-safe: the service table's lock
 * guards every method but {@link #sweepDue}, which only the timer thread calls.
 */
final class DestinationTrash {

    /** How often the trash is swept, and how long an unreferenced server stays in it (IPVS: 60 s, 120 s). */
    private static final long SWEEP_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(120);

    private record Key(ServiceId service, InetSocketAddress server) {}

    private final Map<Key, DestinationEntry> deleted = new HashMap<>();
    private long lastSweep;

    DestinationTrash(long now) {
        lastSweep = now;
    }

    /** Keeps servers just deleted from service {@code id}. */
    void add(ServiceId id, DestinationEntry... servers) {
        for (DestinationEntry d : servers) {
            deleted.put(new Key(id, d.address()), d);
        }
    }

    /** The deleted server of service {@code id} with this address, taken out of the trash, or null. */
    DestinationEntry revive(ServiceId id, InetSocketAddress address) {
        return deleted.remove(new Key(id, address));
    }

    /** Whether a minute has passed since the last sweep (then it counts as done). Timer thread only. */
    boolean sweepDue(long now) {
        if (now - lastSweep < SWEEP_NANOS) {
            return false;
        }
        lastSweep = now;
        return true;
    }

    /** Frees the servers nothing has referred to for 120 s. */
    void sweep(long now) {
        Iterator<DestinationEntry> it = deleted.values().iterator();
        while (it.hasNext()) {
            DestinationEntry d = it.next();
            if (!d.isUnreferenced()) {
                continue;
            }
            if (d.idleSinceNanos == 0) {
                d.idleSinceNanos = now | 1;
            } else if (now - d.idleSinceNanos >= IDLE_NANOS) {
                it.remove();
            }
        }
    }
}
