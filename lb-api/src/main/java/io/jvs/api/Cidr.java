package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation, such as {@code 10.0.0.0/8} or {@code 2001:db8::/32}; an immutable
 * value. The host bits of the address are cleared, so {@code 10.1.2.3/8} equals {@code 10.0.0.0/8}.
 *
 * <pre>{@code
 * Cidr lbs = Cidr.parse("192.0.2.0/24");
 * lbs.contains(InetAddress.getByName("192.0.2.17"));   // true
 * }</pre>
 *
 * @since 0.1
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code address/prefix}, or a bare address, which stands for that one host ({@code /32} or
     * {@code /128}). Only IP literals are accepted; no name is looked up.
     *
     * @throws NullPointerException if {@code text} is null
     * @throws IllegalArgumentException if {@code text} is not an IP literal with an optional prefix length that
     *     fits its family (0-32 for IPv4, 0-128 for IPv6)
     */
    public static Cidr parse(String text) {
        Checks.checkNotNull(text, "cidr");
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = literal(host, text);
        int max = address instanceof Inet4Address ? 32 : 128;
        int prefix = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            try {
                prefix = p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) ? -1 : Integer.parseInt(p);
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            Checks.checkArgument(prefix >= 0 && prefix <= max, "cidr", text, "ADDRESS/0-" + max);
        }
        return of(address, prefix);
    }

    /**
     * The network of {@code address} with {@code prefixLength} leading one bits in its mask.
     *
     * @throws NullPointerException if {@code address} is null
     * @throws IllegalArgumentException if the prefix length does not fit the address family
     */
    public static Cidr of(InetAddress address, int prefixLength) {
        Checks.checkNotNull(address, "address");
        byte[] b = address.getAddress();
        Checks.checkInRange(prefixLength, 0, b.length * 8, "prefixLength");
        for (int i = prefixLength; i < b.length * 8; i++) {
            b[i / 8] &= (byte) ~(0x80 >>> (i % 8));
        }
        return new Cidr(b, prefixLength);
    }

    private static InetAddress literal(String host, String text) {
        InetAddress a = host.indexOf('[') < 0 && host.indexOf('%') < 0 ? Addresses.parseLiteral(host) : null;
        Checks.checkArgument(a != null, "cidr", text, "an IP literal with an optional /prefix, e.g. 10.0.0.0/8");
        return a;
    }

    /** The network address (host bits cleared). */
    public InetAddress network() {
        try {
            return InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The prefix length: 0-32 for IPv4, 0-128 for IPv6. */
    public int prefixLength() {
        return prefixLength;
    }

    /**
     * Whether {@code address} lies in this network. An address of the other family never does, except that an
     * IPv4 network contains the IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}) of its addresses.
     *
     * @throws NullPointerException if {@code address} is null
     */
    public boolean contains(InetAddress address) {
        Checks.checkNotNull(address, "address");
        byte[] b = address.getAddress();
        int offset = 0;
        if (b.length != network.length) {
            if (network.length == 4 && isV4Mapped(b)) {
                offset = 12;
            } else {
                return false;
            }
        }
        int whole = prefixLength / 8;
        for (int i = 0; i < whole; i++) {
            if (b[offset + i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b[offset + whole] & mask) == (network[whole] & mask);
    }

    private static boolean isV4Mapped(byte[] b) {
        if (b.length != 16 || b[10] != (byte) 0xff || b[11] != (byte) 0xff) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefixLength == prefixLength
                && Arrays.equals(((Cidr) o).network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** For example {@code 10.0.0.0/8} or {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return Addresses.toString(network()) + "/" + prefixLength;
    }
}
