package io.jvs.packet.internal.path;

import io.jvs.core.RunningService;
import java.util.Arrays;

/**
 * The services bound on the packet data path by (protocol, virtual address, virtual port): an immutable snapshot
 * replaced on every bind or unbind (control thread), read per packet without locks or allocation. IPv4 keys are
 * sorted {@code long}s searched by bisection; IPv6 ones are few and scanned. A service on port 0 (every port) is
 * found when no service holds the exact port.
 */
public final class ServiceMap {

    private record Snapshot(long[] keys, RunningService[] values, long[] hi6, long[] lo6, int[] protoPort6,
                            RunningService[] values6) {}

    private volatile Snapshot snapshot = new Snapshot(new long[0], new RunningService[0], new long[0], new long[0],
            new int[0], new RunningService[0]);

    private static long key(int protocol, int address, int port) {
        return (long) (protocol & 0xff) << 48 | (long) (port & 0xffff) << 32 | (address & 0xffffffffL);
    }

    /** The IPv4 service of the flow, or null. */
    public RunningService find(int protocol, int virtualAddress, int virtualPort) {
        Snapshot s = snapshot;
        int i = Arrays.binarySearch(s.keys, key(protocol, virtualAddress, virtualPort));
        if (i < 0) {
            i = Arrays.binarySearch(s.keys, key(protocol, virtualAddress, 0));
        }
        return i < 0 ? null : s.values[i];
    }

    /** The IPv6 service of the flow, or null. */
    public RunningService find6(int protocol, long virtualHi, long virtualLo, int virtualPort) {
        Snapshot s = snapshot;
        int exact = protocol << 16 | virtualPort;
        int any = protocol << 16;
        RunningService wildcard = null;
        for (int i = 0; i < s.hi6.length; i++) {
            if (s.hi6[i] == virtualHi && s.lo6[i] == virtualLo) {
                if (s.protoPort6[i] == exact) {
                    return s.values6[i];
                }
                if (s.protoPort6[i] == any) {
                    wildcard = s.values6[i];
                }
            }
        }
        return wildcard;
    }

    /** Adds or replaces the IPv4 entry. */
    public synchronized void put(int protocol, int address, int port, RunningService service) {
        Snapshot s = snapshot;
        long k = key(protocol, address, port);
        int i = Arrays.binarySearch(s.keys, k);
        if (i >= 0) {
            RunningService[] v = s.values.clone();
            v[i] = service;
            snapshot = new Snapshot(s.keys, v, s.hi6, s.lo6, s.protoPort6, s.values6);
            return;
        }
        int at = -i - 1;
        long[] keys = new long[s.keys.length + 1];
        RunningService[] values = new RunningService[keys.length];
        System.arraycopy(s.keys, 0, keys, 0, at);
        System.arraycopy(s.values, 0, values, 0, at);
        keys[at] = k;
        values[at] = service;
        System.arraycopy(s.keys, at, keys, at + 1, s.keys.length - at);
        System.arraycopy(s.values, at, values, at + 1, s.keys.length - at);
        snapshot = new Snapshot(keys, values, s.hi6, s.lo6, s.protoPort6, s.values6);
    }

    /** Removes the IPv4 entry if it maps to {@code service}; true when it did. */
    public synchronized boolean remove(int protocol, int address, int port, RunningService service) {
        Snapshot s = snapshot;
        int i = Arrays.binarySearch(s.keys, key(protocol, address, port));
        if (i < 0 || s.values[i] != service) {
            return false;
        }
        long[] keys = new long[s.keys.length - 1];
        RunningService[] values = new RunningService[keys.length];
        System.arraycopy(s.keys, 0, keys, 0, i);
        System.arraycopy(s.values, 0, values, 0, i);
        System.arraycopy(s.keys, i + 1, keys, i, keys.length - i);
        System.arraycopy(s.values, i + 1, values, i, keys.length - i);
        snapshot = new Snapshot(keys, values, s.hi6, s.lo6, s.protoPort6, s.values6);
        return true;
    }

    /** Adds or replaces the IPv6 entry. */
    public synchronized void put6(int protocol, long hi, long lo, int port, RunningService service) {
        remove6(protocol, hi, lo, port, null);
        Snapshot s = snapshot;
        int n = s.hi6.length;
        long[] his = Arrays.copyOf(s.hi6, n + 1);
        long[] los = Arrays.copyOf(s.lo6, n + 1);
        int[] pps = Arrays.copyOf(s.protoPort6, n + 1);
        RunningService[] values = Arrays.copyOf(s.values6, n + 1);
        his[n] = hi;
        los[n] = lo;
        pps[n] = protocol << 16 | port;
        values[n] = service;
        snapshot = new Snapshot(s.keys, s.values, his, los, pps, values);
    }

    /** Removes the IPv6 entry if it maps to {@code service} (any service when null); true when it did. */
    public synchronized boolean remove6(int protocol, long hi, long lo, int port, RunningService service) {
        Snapshot s = snapshot;
        int pp = protocol << 16 | port;
        for (int i = 0; i < s.hi6.length; i++) {
            if (s.hi6[i] == hi && s.lo6[i] == lo && s.protoPort6[i] == pp
                    && (service == null || s.values6[i] == service)) {
                int n = s.hi6.length - 1;
                long[] his = new long[n];
                long[] los = new long[n];
                int[] pps = new int[n];
                RunningService[] values = new RunningService[n];
                for (int j = 0, k = 0; j <= n; j++) {
                    if (j != i) {
                        his[k] = s.hi6[j];
                        los[k] = s.lo6[j];
                        pps[k] = s.protoPort6[j];
                        values[k++] = s.values6[j];
                    }
                }
                snapshot = new Snapshot(s.keys, s.values, his, los, pps, values);
                return true;
            }
        }
        return false;
    }

    /** The number of entries, IPv4 and IPv6. */
    public int size() {
        Snapshot s = snapshot;
        return s.keys.length + s.hi6.length;
    }
}
