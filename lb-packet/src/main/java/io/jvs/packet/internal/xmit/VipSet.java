package io.jvs.packet.internal.xmit;

import java.util.Arrays;

/**
 * The virtual IPv4 addresses the director serves: a sorted {@code int[]} snapshot replaced on change (copy on
 * write) and searched per packet without locks or allocation.
 */
public final class VipSet {

    private volatile int[] addresses = new int[0];

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
