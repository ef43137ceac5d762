package io.jvs.api.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Address parsing, formatting and folding shared by the JVS modules. Formatting never does a reverse lookup.
 *
 * <p>Not API: this package is exported only to the JVS modules.
 */
public final class Addresses {

    private Addresses() {}

    /**
     * The address as {@code inet_ntop} prints it: dotted quad for IPv4, RFC 5952 (lower case, the longest
     * run of two or more zero groups compressed) for IPv6, without a scope.
     */
    public static String toString(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength && j - i >= 2) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        if (isV4Mapped(groups) && bestStart == 0) {
            // ::ffff:a.b.c.d, as inet_ntop prints mapped addresses.
            return "::ffff:" + (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }

    private static boolean isV4Mapped(int[] g) {
        return g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
    }

    /** {@code addr:port} for IPv4, {@code [addr]:port} for IPv6, as ipvsadm {@code -n} prints them. */
    public static String toString(InetSocketAddress address) {
        InetAddress a = address.getAddress();
        if (a == null) {
            return address.getHostString() + ":" + address.getPort();
        }
        return toString(a, address.getPort());
    }

    /** {@code addr:port} for IPv4, {@code [addr]:port} for IPv6. */
    public static String toString(InetAddress address, int port) {
        if (address instanceof Inet6Address) {
            return "[" + toString(address) + "]:" + port;
        }
        return toString(address) + ":" + port;
    }

    /**
     * The address folded to 32 bits as the IPVS hashing schedulers fold it: an IPv4 address as its number
     * (host order), an IPv6 address as the XOR of its four 32-bit words.
     */
    public static int fold(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address.hashCode() is the address as an int and does not copy the array.
            return address.hashCode();
        }
        byte[] b = address.getAddress();
        int h = 0;
        for (int i = 0; i < 16; i += 4) {
            h ^= ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
        }
        return h;
    }

    /**
     * Parses an IP literal (IPv4 dotted quad or IPv6, optionally in brackets) without any name lookup.
     *
     * @return the address, or {@code null} if {@code text} is not an IP literal
     */
    public static InetAddress parseLiteral(String text) {
        String s = text;
        if (s.startsWith("[") && s.endsWith("]")) {
            s = s.substring(1, s.length() - 1);
        }
        if (s.isEmpty()) {
            return null;
        }
        if (s.indexOf(':') >= 0) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!(c == ':' || c == '.' || c == '%' || Character.digit(c, 16) >= 0)) {
                    return null;
                }
            }
        } else if (!isDottedQuad(s)) {
            return null;
        }
        try {
            return InetAddress.getByName(s); // a literal: no lookup happens
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean isDottedQuad(String s) {
        int parts = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            int start = i;
            int value = 0;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                value = value * 10 + (s.charAt(i) - '0');
                if (value > 255) {
                    return false;
                }
                i++;
            }
            if (i == start || i - start > 3) {
                return false;
            }
            parts++;
            if (i < n) {
                if (s.charAt(i) != '.' || i == n - 1) {
                    return false;
                }
                i++;
            }
        }
        return parts == 4;
    }

    /**
     * Resolves {@code host}: an IP literal is parsed without a lookup; anything else is looked up once with
     * the system resolver (this blocks, so call it on a control thread only).
     *
     * @throws IllegalArgumentException if the name does not resolve
     */
    public static InetAddress resolve(String host, String name) {
        InetAddress literal = parseLiteral(host);
        if (literal != null) {
            return literal;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(name + ": " + host + " (expected: an IP address or a resolvable host name)");
        }
    }
}
