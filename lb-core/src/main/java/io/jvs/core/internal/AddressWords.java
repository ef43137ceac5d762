package io.jvs.core.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Addresses as the connection table stores them: two {@code long}s per address, the first 8 bytes and the last 8
 * bytes of an IPv6 address, or 0 and the 32 bits of an IPv4 address. Prefix masks in the same layout.
 */
final class AddressWords {

    private AddressWords() {}

    /** The high word of an address: 0 for IPv4, the first 8 bytes for IPv6. */
    static long high(InetAddress a) {
        return a instanceof Inet4Address ? 0 : word(a.getAddress(), 0);
    }

    /** The low word of an address: the IPv4 address, or the last 8 bytes for IPv6. */
    static long low(InetAddress a) {
        // Inet4Address.hashCode() is the address, without copying it
        return a instanceof Inet4Address ? a.hashCode() & 0xFFFFFFFFL : word(a.getAddress(), 8);
    }

    /** The 8 bytes of {@code b} from {@code from}, big-endian. */
    static long word(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    /** The high word of an IPv6 prefix mask of {@code p} bits. */
    static long maskHi(int p) {
        return p >= 64 ? -1L : p <= 0 ? 0 : -1L << (64 - p);
    }

    /** The low word of an IPv6 prefix mask of {@code p} bits. */
    static long maskLo(int p) {
        return p >= 128 ? -1L : p <= 64 ? 0 : -1L << (128 - p);
    }

    /** An IPv4 prefix mask of {@code p} bits, in the low 32 bits. */
    static long maskV4(int p) {
        return p <= 0 ? 0 : (0xFFFFFFFFL << (32 - p)) & 0xFFFFFFFFL;
    }

    /** The address of these words (a new object). */
    static InetAddress address(boolean v6, long hi, long lo) {
        try {
            if (!v6) {
                int v = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                        (byte) v});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** An address folded to 32 bits, as schedulers hash it: IPv4 itself, IPv6 the XOR of its four words. */
    static int fold(boolean v6, long hi, long lo) {
        return !v6 ? (int) lo : (int) (hi >>> 32) ^ (int) hi ^ (int) (lo >>> 32) ^ (int) lo;
    }
}
