package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import java.util.List;

/**
 * {@code sh}, source hashing, as IPVS {@code ip_vs_sh.c}.
 *
 * <p>A table of 2^bits buckets (256 by default, {@code CONFIG_IP_VS_SH_TAB_BITS} = 8) is filled by walking the list
 * (newest first) round after round, each server taking {@code weight} consecutive buckets (one if its weight is 0
 * or 1), until every bucket is taken. A client's bucket is {@code hash_32(address + port, bits)}, where the port is
 * the client's source port with {@code sh-port} ({@link SchedulerFlag#FLAG_2}) and 0 otherwise.
 *
 * <p>Without {@code sh-fallback} ({@link SchedulerFlag#FLAG_1}) the bucket's server is returned if it has weight
 * &gt; 0 and is not overloaded, else none. With it, an unusable server leads to probing buckets
 * {@code (2h + k) mod 2^bits} for k = 0, 1, ... (the kernel adds the hash to an offset that already includes it),
 * stopping at the first usable server or the first empty bucket.
 *
 * <p>The table is rebuilt on every update, with the weights of that moment. A pick is one hash and one array read
 * (plus the probes, when falling back).
 */
public final class SourceHashingScheduler implements Scheduler {

    /** The kernel's default table size: 2^8 buckets. */
    public static final int DEFAULT_BITS = 8;

    private final int bits;
    private final boolean fallback;
    private final boolean port;
    private volatile Destination[] buckets;

    SourceHashingScheduler(Context context, int bits) {
        this.bits = bits;
        this.fallback = context.flags().contains(SchedulerFlag.FLAG_1);
        this.port = context.flags().contains(SchedulerFlag.FLAG_2);
        this.buckets = new Destination[1 << bits];
    }

    @Override
    public void update(List<Destination> destinations) {
        Destination[] next = new Destination[1 << bits];
        int n = destinations.size();
        if (n > 0) {
            int p = 0;
            int count = 0;
            for (int i = 0; i < next.length; i++) {
                Destination d = destinations.get(p);
                next[i] = d;
                if (++count >= d.weight()) {
                    p = p + 1 == n ? 0 : p + 1;
                    count = 0;
                }
            }
        }
        buckets = next;
    }

    @Override
    public Destination select(ConnectionKey key) {
        Destination[] b = buckets;
        int mask = b.length - 1;
        int h = Hashing.hash32((port ? key.clientPort() : 0) + key.clientAddressFold(), bits);
        Destination d = b[h];
        if (d == null) {
            return null;
        }
        if (usable(d)) {
            return d;
        }
        if (!fallback) {
            return null;
        }
        for (int offset = 0; offset < b.length; offset++) {
            d = b[(offset + h + h) & mask];
            if (d == null) {
                return null;
            }
            if (usable(d)) {
                return d;
            }
        }
        return null;
    }

    private static boolean usable(Destination d) {
        return d.weight() > 0 && !d.isOverloaded();
    }

    /** A factory for {@code sh} with a table of 2^{@code bits} buckets. */
    public static Factory factory(int bits) {
        return new NamedFactory("sh", context -> new SourceHashingScheduler(context, bits));
    }

    /** Registers {@code sh}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("sh", context -> new SourceHashingScheduler(context, DEFAULT_BITS));
        }
    }
}
