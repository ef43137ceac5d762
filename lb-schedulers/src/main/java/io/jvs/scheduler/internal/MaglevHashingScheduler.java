package io.jvs.scheduler.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.internal.Addresses;
import java.lang.System.Logger.Level;
import java.util.List;

/**
 * {@code mh}, Maglev hashing, as IPVS {@code ip_vs_mh.c} on a 64-bit kernel.
 *
 * <p>Lookup table: M slots, M the prime at index {@code CONFIG_IP_VS_MH_TAB_INDEX - 8} of 251, 509, 1021, 2039,
 * 4093, 8191, 16381, 32749, 65521, 131071 (default index 12: M = 4093). Each server, from its address and port,
 * gets {@code offset = H(key1) mod M} and {@code skip = H(key2) mod (M - 1) + 1}, where H is the kernel's
 * {@code hsiphash} (SipHash-1-3) of {@code address + port} with fixed keys. Rounds over the list (newest first)
 * let each server claim {@code turns} slots per round, each time the next free slot of its permutation
 * {@code offset, offset + skip, ...} (mod M), until all M slots are taken; turns = {@code last_weight / gcd},
 * shifted right so the largest fits in {@code CONFIG_IP_VS_MH_TAB_INDEX / 2} bits, at least 1 unless
 * {@code last_weight} is 0. Weights come from {@link Destination#lastWeight()}, so quiescing a server (weight
 * 0) moves none of its clients: they get no destination, or fall back.
 *
 * <p>A client's slot is {@code H(key1, address + port) mod M}, the port being the source port with
 * {@code mh-port} ({@link SchedulerFlag#FLAG_2}), else 0. Its server is returned if it has weight &gt; 0 and is not
 * overloaded. With {@code mh-fallback} ({@link SchedulerFlag#FLAG_1}) an unusable server leads to the slots
 * {@code H(key1, address + port + r) mod M} for r = h, h + 1, ... (mod M), stopping at the first usable server or
 * the first empty slot.
 *
 * <p>The table is rebuilt on every update. With more than M servers the kernel refuses to rebuild and keeps
 * its previous table; so does this class (logging a warning), but it never returns a server that has left the
 * service. Pass a larger table index to {@code Schedulers.mh(int)} for pools above 4093 servers.
 */
public final class MaglevHashingScheduler implements Scheduler {

    /** The kernel's default {@code CONFIG_IP_VS_MH_TAB_INDEX}. */
    public static final int DEFAULT_TABLE_INDEX = 12;
    /** The smallest and largest {@code CONFIG_IP_VS_MH_TAB_INDEX}. */
    public static final int MIN_TABLE_INDEX = 8;
    public static final int MAX_TABLE_INDEX = 17;

    private static final int[] PRIMES = {251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071};
    /** The kernel's fixed hash keys ({@code generate_hash_secret}). */
    static final long KEY1 = 2654435761L;
    static final long KEY2 = 2654446892L;

    private static final System.Logger LOG = System.getLogger(MaglevHashingScheduler.class.getName());

    private final Context context;
    private final int size;
    private final int weightBits;
    private final boolean fallback;
    private final boolean port;
    private volatile Destination[] lookup;

    MaglevHashingScheduler(Context context, int tableIndex) {
        this.context = context;
        this.size = tableSize(tableIndex);
        this.weightBits = tableIndex / 2;
        this.fallback = context.flags().contains(SchedulerFlag.FLAG_1);
        this.port = context.flags().contains(SchedulerFlag.FLAG_2);
        this.lookup = new Destination[size];
    }

    /** M for a {@code CONFIG_IP_VS_MH_TAB_INDEX}. */
    static int tableSize(int tableIndex) {
        return PRIMES[tableIndex - MIN_TABLE_INDEX];
    }

    /** The kernel's {@code ip_vs_mh_hashkey}: {@code hsiphash(offset + port + address)}. */
    static int hash(long key, int address, int port, int offset) {
        return Hashing.hsiphash(key, key, offset + port + address);
    }

    @Override
    public void update(List<Destination> destinations) {
        int n = destinations.size();
        if (n > size) {
            LOG.log(Level.WARNING, "mh: " + context.service() + " - " + n + " real servers (expected: at most "
                    + size + ", the Maglev table size); keeping the previous table");
            return;
        }
        lookup = populate(destinations);
    }

    private Destination[] populate(List<Destination> destinations) {
        int n = destinations.size();
        Destination[] table = new Destination[size];
        int g = 0;
        int max = 0;
        for (Destination d : destinations) {
            int lw = d.lastWeight();
            if (lw > 0) {
                g = g > 0 ? WeightedRoundRobinScheduler.gcd(lw, g) : lw;
            }
            max = Math.max(max, lw);
        }
        if (g < 1) {
            return table;
        }
        int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(max / g)) - weightBits);
        int[] skip = new int[n];
        int[] next = new int[n];
        int[] turns = new int[n];
        for (int i = 0; i < n; i++) {
            Destination d = destinations.get(i);
            int address = Addresses.fold(d.address().getAddress());
            int p = d.address().getPort();
            next[i] = Integer.remainderUnsigned(hash(KEY1, address, p, 0), size);
            skip[i] = Integer.remainderUnsigned(hash(KEY2, address, p, 0), size - 1) + 1;
            int lw = d.lastWeight();
            int t = (lw / g) >> shift;
            turns[i] = t != 0 ? t : lw != 0 ? 1 : 0;
        }
        boolean[] taken = new boolean[size];
        int filled = 0;
        for (;;) {
            for (int i = 0; i < n; i++) {
                for (int c = 0; c < turns[i]; c++) {
                    int s = next[i];
                    while (taken[s]) {
                        s += skip[i];
                        if (s >= size) {
                            s -= size;
                        }
                    }
                    next[i] = s;
                    taken[s] = true;
                    table[s] = destinations.get(i);
                    if (++filled == size) {
                        return table;
                    }
                }
            }
        }
    }

    @Override
    public Destination select(ConnectionKey key) {
        Destination[] table = lookup;
        int address = key.clientAddressFold();
        int p = port ? key.clientPort() : 0;
        int h = Integer.remainderUnsigned(hash(KEY1, address, p, 0), size);
        Destination d = table[h];
        if (d == null) {
            return null;
        }
        if (usable(d)) {
            return d;
        }
        if (!fallback) {
            return null;
        }
        for (int offset = 0; offset < size; offset++) {
            int r = (int) ((offset + (long) h) % size);
            d = table[Integer.remainderUnsigned(hash(KEY1, address, p, r), size)];
            if (d == null) {
                return null;
            }
            if (usable(d)) {
                return d;
            }
        }
        return null;
    }

    /** Weight &gt; 0 and not overloaded; and still in the service, which only a table kept past M servers can break. */
    private static boolean usable(Destination d) {
        return d.weight() > 0 && !d.isOverloaded() && d.isAvailable();
    }

    /** A factory for {@code mh} with {@code CONFIG_IP_VS_MH_TAB_INDEX} = {@code tableIndex}. */
    public static Factory factory(int tableIndex) {
        return new NamedFactory("mh", context -> new MaglevHashingScheduler(context, tableIndex));
    }

    /** Registers {@code mh}. */
    public static final class Provider extends NamedFactory {
        public Provider() {
            super("mh", context -> new MaglevHashingScheduler(context, DEFAULT_TABLE_INDEX));
        }
    }
}
