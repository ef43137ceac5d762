package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import java.util.List;

/**
 * {@code dh}, destination hashing, as IPVS {@code ip_vs_dh.c}: a table of 256 buckets
 * ({@code CONFIG_IP_VS_DH_TAB_BITS} = 8) filled with the servers in list order, round robin (bucket i holds server
 * i mod n; weights are ignored), looked up with {@code hash_32} of the virtual (destination) address the client
 * connected to. The bucket's server is returned if it is still in the service, has weight &gt; 0 and is not
 * overloaded; otherwise there is no destination (dh has no fallback).
 *
 * <p>The table is rebuilt on every update (the kernel rebuilds on add and delete; an edit cannot change it,
 * since weights are not used). A pick is one hash and one array read.
 */
public final class DestinationHashingScheduler implements Scheduler {

    /** The kernel's table size: 2^8 buckets ({@code CONFIG_IP_VS_DH_TAB_BITS}). */
    static final int DEFAULT_BITS = 8;

    private final int bits;
    private volatile Destination[] buckets;

    DestinationHashingScheduler(int bits) {
        this.bits = bits;
        this.buckets = new Destination[1 << bits];
    }

    @Override
    public void update(List<Destination> destinations) {
        Destination[] next = new Destination[1 << bits];
        int n = destinations.size();
        if (n > 0) {
            for (int i = 0; i < next.length; i++) {
                next[i] = destinations.get(i % n);
            }
        }
        buckets = next;
    }

    @Override
    public Destination select(ConnectionKey key) {
        Destination d = buckets[Hashing.hash32(key.virtualAddressFold(), bits)];
        if (d == null || !d.isAvailable() || d.weight() <= 0 || d.isOverloaded()) {
            return null;
        }
        return d;
    }

    /** Registers {@code dh}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("dh", context -> new DestinationHashingScheduler(DEFAULT_BITS));
        }
    }
}
