package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A persistence granularity (ipvsadm {@code -M}): a prefix length, or for IPv4 any dotted mask, as ipvsadm accepts
 * it. Immutable; what {@link VirtualService} keeps of its netmask.
 */
final class PersistenceMask {

    /** The default for a family: the whole address. */
    static final PersistenceMask HOST_V4 = new PersistenceMask(true, 32, -1);
    static final PersistenceMask HOST_V6 = new PersistenceMask(false, 128, -1);

    private final boolean v4;
    /** The prefix length, or -1 for an IPv4 mask whose one bits are not contiguous. */
    private final int prefix;
    /** An IPv4 mask's bits; -1 (all ones) for IPv6. */
    private final int bitsV4;

    private PersistenceMask(boolean v4, int prefix, int bitsV4) {
        this.v4 = v4;
        this.prefix = prefix;
        this.bitsV4 = bitsV4;
    }

    /**
     * A mask of {@code prefix} bits: 0-32 for IPv4, 1-128 for IPv6.
     *
     * @throws IllegalArgumentException if the length is out of range for the family
     */
    static PersistenceMask ofPrefix(boolean v4, int prefix) {
        Checks.checkInRange(prefix, v4 ? 0 : 1, v4 ? 32 : 128, "persistenceNetmask");
        return new PersistenceMask(v4, prefix, v4 ? (prefix == 0 ? 0 : -1 << (32 - prefix)) : -1);
    }

    /**
     * A mask given as an address: for IPv4 any dotted mask (ipvsadm {@code -M 255.255.255.0}), for IPv6 contiguous one
     * bits.
     *
     * @throws IllegalArgumentException if the mask's family differs from {@code v4}, or an IPv6 mask is not a prefix
     */
    static PersistenceMask ofAddress(boolean v4, InetAddress mask) {
        Checks.checkNotNull(mask, "persistenceNetmask");
        if (v4) {
            Checks.checkArgument(mask instanceof Inet4Address, "persistenceNetmask", Addresses.toString(mask),
                    "an IPv4 mask for an IPv4 service");
            int bits = mask.hashCode();
            int ones = Integer.bitCount(bits);
            return new PersistenceMask(true, bits == (ones == 0 ? 0 : -1 << (32 - ones)) ? ones : -1, bits);
        }
        Checks.checkArgument(mask instanceof Inet6Address, "persistenceNetmask", Addresses.toString(mask),
                "an IPv6 prefix for an IPv6 service");
        byte[] b = mask.getAddress();
        int ones = 0;
        while (ones < 128 && (b[ones / 8] & (0x80 >>> (ones % 8))) != 0) {
            ones++;
        }
        for (int i = ones; i < 128; i++) {
            Checks.checkArgument((b[i / 8] & (0x80 >>> (i % 8))) == 0, "persistenceNetmask",
                    Addresses.toString(mask), "contiguous one bits");
        }
        return ofPrefix(false, ones);
    }

    int prefix() {
        return prefix;
    }

    boolean isHost() {
        return prefix == (v4 ? 32 : 128);
    }

    /** The mask as an address. */
    InetAddress address() {
        byte[] b;
        if (v4) {
            b = new byte[] {(byte) (bitsV4 >>> 24), (byte) (bitsV4 >>> 16), (byte) (bitsV4 >>> 8), (byte) bitsV4};
        } else {
            b = new byte[16];
            for (int i = 0; i < prefix; i++) {
                b[i / 8] |= (byte) (0x80 >>> (i % 8));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** As an error message shows a mask already set: {@code /24}, or the hex bits of a non-contiguous IPv4 mask. */
    String describe() {
        return prefix >= 0 ? "/" + prefix : Integer.toHexString(bitsV4);
    }

    /** As {@code VirtualService.toString()} shows it: the dotted mask for IPv4, the prefix for IPv6. */
    @Override
    public String toString() {
        return v4 ? Addresses.toString(address()) : Integer.toString(prefix);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PersistenceMask && ((PersistenceMask) o).v4 == v4 && ((PersistenceMask) o).prefix == prefix
                && ((PersistenceMask) o).bitsV4 == bitsV4;
    }

    @Override
    public int hashCode() {
        return (v4 ? 31 : 0) + prefix * 65 + bitsV4;
    }
}
