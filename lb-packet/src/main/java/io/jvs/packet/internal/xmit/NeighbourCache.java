package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.ring.Interfaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * IPv4 neighbours (address to MAC) the director learnt from its own ARP exchanges, with the kernel's
 * {@code /proc/net/arp} as a fallback. Shared by all workers: an open-addressing snapshot replaced on change (copy
 * on write; changes are rare), read per packet without locks or allocation.
 *
 * <p>An entry is also kept for an address being resolved, with the time of the last request, so that workers ask
 * at most once per {@link #REQUEST_INTERVAL_NANOS} per address.
 */
public final class NeighbourCache {

    /** How often an unresolved or stale address is asked for again. */
    public static final long REQUEST_INTERVAL_NANOS = 1_000_000_000L;
    /** How long a learnt MAC is trusted before it is confirmed again (it stays in use meanwhile). */
    public static final long STALE_NANOS = 60_000_000_000L;

    private static final long UNKNOWN = -1;

    private record Table(int[] keys, long[] macs, long[] learnt, long[] asked, int size) {
        static Table empty(int capacity) {
            return new Table(new int[capacity], new long[capacity], new long[capacity], new long[capacity], 0);
        }

        int slot(int address) {
            int mask = keys.length - 1;
            int i = mix(address) & mask;
            while (keys[i] != 0 && keys[i] != address) {
                i = (i + 1) & mask;
            }
            return i;
        }
    }

    private final Path procArp;
    private final String interfaceName;
    private volatile Table table = Table.empty(16);

    /** A cache for {@code interfaceName}, falling back to {@code /proc/net/arp}. */
    public NeighbourCache(String interfaceName) {
        this(interfaceName, Path.of("/proc/net/arp"));
    }

    NeighbourCache(String interfaceName, Path procArp) {
        this.interfaceName = interfaceName;
        this.procArp = procArp;
    }

    private static int mix(int address) {
        int h = address * 0x9e3779b9;
        return h ^ (h >>> 16);
    }

    /** The MAC of {@code address} (low 48 bits), or -1 when it is not known. Allocation-free. */
    public long lookup(int address) {
        Table t = table;
        int i = t.slot(address);
        return t.keys[i] == address ? t.macs[i] : UNKNOWN;
    }

    /**
     * True when the caller should send an ARP request for {@code address} now: it is unknown or stale and was not
     * asked for in the last second. Records the request when true.
     */
    public boolean shouldRequest(int address, long nowNanos) {
        Table t = table;
        int i = t.slot(address);
        if (t.keys[i] == address) {
            boolean fresh = t.macs[i] != UNKNOWN && nowNanos - t.learnt[i] < STALE_NANOS;
            if (fresh || nowNanos - t.asked[i] < REQUEST_INTERVAL_NANOS) {
                return false;
            }
        }
        return markAsked(address, nowNanos);
    }

    private synchronized boolean markAsked(int address, long nowNanos) {
        Table t = copy(table, 1);
        int i = t.slot(address);
        if (t.keys[i] == address && nowNanos - t.asked[i] < REQUEST_INTERVAL_NANOS) {
            return false;
        }
        boolean added = t.keys[i] != address;
        if (added) {
            t.keys[i] = address;
            t.macs[i] = UNKNOWN;
        }
        t.asked[i] = nowNanos;
        table = added ? new Table(t.keys, t.macs, t.learnt, t.asked, t.size + 1) : t;
        return true;
    }

    /** True when {@code address} has an entry (known or being resolved). */
    public boolean isTracked(int address) {
        Table t = table;
        return t.keys[t.slot(address)] == address;
    }

    /** Records that {@code address} is at {@code mac}; does nothing when already known and fresh. */
    public void learn(int address, long mac, long nowNanos) {
        if (address == 0) {
            return;
        }
        Table t = table;
        int i = t.slot(address);
        if (t.keys[i] == address && t.macs[i] == mac && nowNanos - t.learnt[i] < STALE_NANOS / 2) {
            return;
        }
        put(address, mac, nowNanos);
    }

    private synchronized void put(int address, long mac, long nowNanos) {
        Table t = copy(table, 1);
        int i = t.slot(address);
        boolean added = t.keys[i] != address;
        t.keys[i] = address;
        t.macs[i] = mac;
        t.learnt[i] = nowNanos;
        table = added ? new Table(t.keys, t.macs, t.learnt, t.asked, t.size + 1) : t;
    }

    /** A copy with room for {@code extra} more entries at a load of at most one half. */
    private static Table copy(Table t, int extra) {
        int capacity = t.keys.length;
        while ((t.size + extra) * 2 > capacity) {
            capacity <<= 1;
        }
        if (capacity == t.keys.length) {
            return new Table(t.keys.clone(), t.macs.clone(), t.learnt.clone(), t.asked.clone(), t.size);
        }
        Table n = Table.empty(capacity);
        for (int j = 0; j < t.keys.length; j++) {
            if (t.keys[j] != 0) {
                int i = n.slot(t.keys[j]);
                n.keys[i] = t.keys[j];
                n.macs[i] = t.macs[j];
                n.learnt[i] = t.learnt[j];
                n.asked[i] = t.asked[j];
            }
        }
        return new Table(n.keys, n.macs, n.learnt, n.asked, t.size);
    }

    /**
     * Learns the complete entries of this interface from the kernel's neighbour table ({@code /proc/net/arp}:
     * address, HW type, flags 0x2 = complete, HW address, mask, device); returns how many it read.
     */
    public int loadKernelTable(long nowNanos) throws IOException {
        if (!Files.isReadable(procArp)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(procArp);
        int n = 0;
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6 || !f[5].equals(interfaceName)) {
                continue;
            }
            int flags = Integer.decode(f[2]);
            if ((flags & 0x2) == 0 || f[3].equals("00:00:00:00:00:00")) {
                continue;
            }
            learn(Bytes.parseIpv4(f[0]), Interfaces.parseMac(f[3]), nowNanos);
            n++;
        }
        return n;
    }

    /** The known entries as {@code address=mac} lines, for diagnostics. */
    @Override
    public String toString() {
        Table t = table;
        StringBuilder sb = new StringBuilder();
        int[] keys = t.keys.clone();
        Arrays.sort(keys);
        for (int k : keys) {
            if (k != 0) {
                long mac = lookup(k);
                sb.append(Bytes.ipv4(k)).append('=').append(mac < 0 ? "(incomplete)" : Interfaces.formatMac(mac)).append('\n');
            }
        }
        return sb.toString();
    }
}
