package io.jvs.packet.internal.xmit;

import java.util.Arrays;

/**
 * The virtual addresses the director serves: for IPv4 a sorted {@code int[]}, for IPv6 a {@code long[]} of
 * (high, low) pairs, each a snapshot replaced on change (copy on write) and searched per packet without locks or
 * allocation.
 */
public final class VipSet {

    private volatile int[] addresses = new int[0];
    private volatile long[] addresses6 = new long[0];

    /** True when the IPv6 address {@code hi:lo} is a VIP. */
    public boolean contains(long hi, long lo) {
        long[] a = addresses6;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == hi && a[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /** Adds an IPv6 VIP; false when it was already there. */
    public synchronized boolean add(long hi, long lo) {
        if (contains(hi, lo)) {
            return false;
        }
        long[] a = Arrays.copyOf(addresses6, addresses6.length + 2);
        a[a.length - 2] = hi;
        a[a.length - 1] = lo;
        addresses6 = a;
        return true;
    }

    /** Removes an IPv6 VIP; false when it was not there. */
    public synchronized boolean remove(long hi, long lo) {
        long[] a = addresses6;
        for (int i = 0; i < a.length; i += 2) {
            if (a[i] == hi && a[i + 1] == lo) {
                long[] b = new long[a.length - 2];
                System.arraycopy(a, 0, b, 0, i);
                System.arraycopy(a, i + 2, b, i, a.length - i - 2);
                addresses6 = b;
                return true;
            }
        }
        return false;
    }

    /** A copy of the IPv6 VIPs as (high, low) pairs. */
    public long[] toArray6() {
        return addresses6.clone();
    }

    /** True when {@code address} is a VIP. */
    public boolean contains(int address) {
        return Arrays.binarySearch(addresses, address) >= 0;
    }

    /** Adds {@code address}; false when it was already there. */
    public synchronized boolean add(int address) {
        int[] a = addresses;
        int i = Arrays.binarySearch(a, address);
        if (i >= 0) {
            return false;
        }
        int at = -i - 1;
        int[] b = new int[a.length + 1];
        System.arraycopy(a, 0, b, 0, at);
        b[at] = address;
        System.arraycopy(a, at, b, at + 1, a.length - at);
        addresses = b;
        return true;
    }

    /** Removes {@code address}; false when it was not there. */
    public synchronized boolean remove(int address) {
        int[] a = addresses;
        int i = Arrays.binarySearch(a, address);
        if (i < 0) {
            return false;
        }
        int[] b = new int[a.length - 1];
        System.arraycopy(a, 0, b, 0, i);
        System.arraycopy(a, i + 1, b, i, a.length - i - 1);
        addresses = b;
        return true;
    }

    /** A copy of the addresses, sorted as signed ints. */
    public int[] toArray() {
        return addresses.clone();
    }
}
