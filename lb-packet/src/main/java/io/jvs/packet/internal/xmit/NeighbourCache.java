package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.ring.Interfaces;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Neighbours (address to MAC) the director learnt from its own ARP and NDP exchanges, with the kernel's
 * {@code /proc/net/arp} as a fallback for IPv4. Keys are 128-bit: IPv6 addresses as they are, IPv4 addresses
 * IPv4-mapped ({@code ::ffff:a.b.c.d}). Shared by all workers: an open-addressing snapshot replaced on change (copy
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

    private record Table(long[] his, long[] los, long[] macs, long[] learnt, long[] asked, int size) {
        static Table empty(int capacity) {
            return new Table(new long[capacity], new long[capacity], new long[capacity], new long[capacity],
                    new long[capacity], 0);
        }

        int slot(long hi, long lo) {
            int mask = his.length - 1;
            int i = mix(hi, lo) & mask;
            while ((his[i] | los[i]) != 0 && (his[i] != hi || los[i] != lo)) {
                i = (i + 1) & mask;
            }
            return i;
        }

        boolean holds(int i, long hi, long lo) {
            return his[i] == hi && los[i] == lo;
        }
    }

    /** The high half of an IPv4-mapped key. */
    static final long V4_HI = 0;

    /** The low half of the IPv4-mapped key of {@code address}. */
    static long v4Lo(int address) {
        return 0x0000_ffff_0000_0000L | (address & 0xffffffffL);
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

    private static int mix(long hi, long lo) {
        long h = (hi * 0x9e3779b97f4a7c15L) ^ lo;
        h *= 0xc2b2ae3d27d4eb4fL;
        return (int) (h ^ (h >>> 32));
    }

    /** The MAC of IPv4 {@code address} (low 48 bits), or -1 when it is not known. Allocation-free. */
    public long lookup(int address) {
        return lookup(V4_HI, v4Lo(address));
    }

    /** The MAC of the IPv6 address {@code hi:lo}, or -1 when it is not known. Allocation-free. */
    public long lookup(long hi, long lo) {
        Table t = table;
        int i = t.slot(hi, lo);
        return t.holds(i, hi, lo) ? t.macs[i] : UNKNOWN;
    }

    /**
     * True when the caller should send an ARP request for {@code address} now: it is unknown or stale and was not
     * asked for in the last second. Records the request when true.
     */
    public boolean shouldRequest(int address, long nowNanos) {
        return shouldRequest(V4_HI, v4Lo(address), nowNanos);
    }

    /** {@link #shouldRequest(int, long)} for an IPv6 address (a neighbour solicitation). */
    public boolean shouldRequest(long hi, long lo, long nowNanos) {
        Table t = table;
        int i = t.slot(hi, lo);
        if (t.holds(i, hi, lo)) {
            boolean fresh = t.macs[i] != UNKNOWN && nowNanos - t.learnt[i] < STALE_NANOS;
            if (fresh || nowNanos - t.asked[i] < REQUEST_INTERVAL_NANOS) {
                return false;
            }
        }
        return markAsked(hi, lo, nowNanos);
    }

    private synchronized boolean markAsked(long hi, long lo, long nowNanos) {
        Table t = copy(table, 1);
        int i = t.slot(hi, lo);
        if (t.holds(i, hi, lo) && nowNanos - t.asked[i] < REQUEST_INTERVAL_NANOS) {
            return false;
        }
        boolean added = !t.holds(i, hi, lo);
        if (added) {
            t.his[i] = hi;
            t.los[i] = lo;
            t.macs[i] = UNKNOWN;
        }
        t.asked[i] = nowNanos;
        table = added ? new Table(t.his, t.los, t.macs, t.learnt, t.asked, t.size + 1) : t;
        return true;
    }

    /** True when IPv4 {@code address} has an entry (known or being resolved). */
    public boolean isTracked(int address) {
        return isTracked(V4_HI, v4Lo(address));
    }

    /** True when the IPv6 address has an entry (known or being resolved). */
    public boolean isTracked(long hi, long lo) {
        Table t = table;
        return t.holds(t.slot(hi, lo), hi, lo);
    }

    /** Records that IPv4 {@code address} is at {@code mac}; does nothing when already known and fresh. */
    public void learn(int address, long mac, long nowNanos) {
        if (address != 0) {
            learn(V4_HI, v4Lo(address), mac, nowNanos);
        }
    }

    /** Records that the IPv6 address {@code hi:lo} is at {@code mac}; does nothing when known and fresh. */
    public void learn(long hi, long lo, long mac, long nowNanos) {
        if ((hi | lo) == 0) {
            return;
        }
        Table t = table;
        int i = t.slot(hi, lo);
        if (t.holds(i, hi, lo) && t.macs[i] == mac && nowNanos - t.learnt[i] < STALE_NANOS / 2) {
            return;
        }
        put(hi, lo, mac, nowNanos);
    }

    private synchronized void put(long hi, long lo, long mac, long nowNanos) {
        Table t = copy(table, 1);
        int i = t.slot(hi, lo);
        boolean added = !t.holds(i, hi, lo);
        t.his[i] = hi;
        t.los[i] = lo;
        t.macs[i] = mac;
        t.learnt[i] = nowNanos;
        table = added ? new Table(t.his, t.los, t.macs, t.learnt, t.asked, t.size + 1) : t;
    }

    /** A copy with room for {@code extra} more entries at a load of at most one half. */
    private static Table copy(Table t, int extra) {
        int capacity = t.his.length;
        while ((t.size + extra) * 2 > capacity) {
            capacity <<= 1;
        }
        if (capacity == t.his.length) {
            return new Table(t.his.clone(), t.los.clone(), t.macs.clone(), t.learnt.clone(), t.asked.clone(), t.size);
        }
        Table n = Table.empty(capacity);
        for (int j = 0; j < t.his.length; j++) {
            if ((t.his[j] | t.los[j]) != 0) {
                int i = n.slot(t.his[j], t.los[j]);
                n.his[i] = t.his[j];
                n.los[i] = t.los[j];
                n.macs[i] = t.macs[j];
                n.learnt[i] = t.learnt[j];
                n.asked[i] = t.asked[j];
            }
        }
        return new Table(n.his, n.los, n.macs, n.learnt, n.asked, t.size);
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

    /** The entries as {@code address=mac} lines, for diagnostics. */
    @Override
    public String toString() {
        Table t = table;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < t.his.length; i++) {
            if ((t.his[i] | t.los[i]) != 0) {
                String a = t.his[i] == V4_HI && (t.los[i] >>> 32) == 0xffff ? Bytes.ipv4((int) t.los[i])
                        : Bytes.ipv6(t.his[i], t.los[i]);
                lines.add(a + "=" + (t.macs[i] < 0 ? "(incomplete)" : Interfaces.formatMac(t.macs[i])));
            }
        }
        Collections.sort(lines);
        return String.join("\n", lines) + (lines.isEmpty() ? "" : "\n");
    }
}
