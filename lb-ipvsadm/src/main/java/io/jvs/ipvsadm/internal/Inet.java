package io.jvs.ipvsadm.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The C library's address parsers, as ipvsadm calls them: {@code inet_aton} (which takes {@code 10.1} for
 * 10.0.0.1, hex and octal parts) and {@code inet_pton(AF_INET6)} (strict: no scope, no brackets). Java's own
 * parsers accept other forms and turn IPv4-mapped IPv6 addresses into IPv4 ones, so they are not used here.
 */
public final class Inet {

    private Inet() {}

    /**
     * {@code inet_aton}: one to four parts, each decimal, octal (leading 0) or hex (leading 0x); the last part
     * fills the remaining bytes. Trailing white space and whatever follows it are ignored, as glibc does.
     *
     * @return the address as a 32-bit number, or null if {@code s} is not an address
     */
    public static Long aton(String s) {
        long[] parts = new long[4];
        int n = 0;
        int i = 0;
        int len = s.length();
        while (true) {
            if (i >= len || !isDigit(s.charAt(i))) {
                return null;
            }
            long val = 0;
            int base = 10;
            if (s.charAt(i) == '0') {
                base = 8;
                i++;
                if (i < len && (s.charAt(i) == 'x' || s.charAt(i) == 'X')) {
                    base = 16;
                    i++;
                }
            }
            while (i < len) {
                char c = s.charAt(i);
                int d = Character.digit(c, 16);
                if (c > 127 || d < 0 || (base != 16 && !isDigit(c))) {
                    break;
                }
                if (base == 8 && d > 7) {
                    return null;
                }
                val = val * base + d;
                if (val > 0xffffffffL) {
                    return null;
                }
                i++;
            }
            if (i < len && s.charAt(i) == '.') {
                if (n >= 3 || val > 0xff) {
                    return null;
                }
                parts[n++] = val;
                i++;
                continue;
            }
            if (i < len && !isSpace(s.charAt(i))) {
                return null;
            }
            parts[n++] = val;
            break;
        }
        long last = parts[n - 1];
        long[] max = {0xffffffffL, 0xffffffL, 0xffffL, 0xffL};
        if (last > max[n - 1]) {
            return null;
        }
        long result = last;
        for (int k = 0; k < n - 1; k++) {
            result |= parts[k] << (24 - 8 * k);
        }
        return result;
    }

    /** {@link #aton(String)} as an address, or null. */
    public static Inet4Address atonAddress(String s) {
        Long v = aton(s);
        return v == null ? null : ipv4(v.intValue());
    }

    /** The IPv4 address with this 32-bit value. */
    public static Inet4Address ipv4(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16),
                    (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * {@code inet_pton(AF_INET6)}: eight groups of one to four hex digits, one {@code ::} at most, optionally
     * ending in a dotted quad.
     *
     * @return the address (always an {@link Inet6Address}, IPv4-mapped ones included), or null
     */
    public static Inet6Address pton6(String s) {
        byte[] out = new byte[16];
        int len = s.length();
        if (len == 0) {
            return null;
        }
        int i = 0;
        if (s.charAt(0) == ':') {
            if (len < 2 || s.charAt(1) != ':') {
                return null;
            }
            i = 1;
        }
        int tp = 0;
        int colonp = -1;
        int curtok = i;
        boolean sawXdigit = false;
        int val = 0;
        int digits = 0;
        while (i < len) {
            char ch = s.charAt(i++);
            int d = ch < 128 ? Character.digit(ch, 16) : -1;
            if (d >= 0) {
                if (++digits > 4) {
                    return null;
                }
                val = (val << 4) | d;
                sawXdigit = true;
                continue;
            }
            if (ch == ':') {
                curtok = i;
                if (!sawXdigit) {
                    if (colonp >= 0) {
                        return null;
                    }
                    colonp = tp;
                    continue;
                } else if (i >= len) {
                    return null;
                }
                if (tp + 2 > 16) {
                    return null;
                }
                out[tp++] = (byte) (val >> 8);
                out[tp++] = (byte) val;
                sawXdigit = false;
                digits = 0;
                val = 0;
                continue;
            }
            if (ch == '.' && tp + 4 <= 16) {
                byte[] v4 = pton4(s.substring(curtok));
                if (v4 == null) {
                    return null;
                }
                System.arraycopy(v4, 0, out, tp, 4);
                tp += 4;
                sawXdigit = false;
                break;
            }
            return null;
        }
        if (sawXdigit) {
            if (tp + 2 > 16) {
                return null;
            }
            out[tp++] = (byte) (val >> 8);
            out[tp++] = (byte) val;
        }
        if (colonp >= 0) {
            if (tp == 16) {
                return null;
            }
            int n = tp - colonp;
            System.arraycopy(out, colonp, out, 16 - n, n);
            for (int k = colonp; k < 16 - n; k++) {
                out[k] = 0;
            }
            tp = 16;
        }
        if (tp != 16) {
            return null;
        }
        try {
            return Inet6Address.getByAddress(null, out, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code inet_pton(AF_INET)}: exactly four decimal parts 0-255 without leading zeros. */
    static byte[] pton4(String s) {
        byte[] out = new byte[4];
        int octets = 0;
        int cur = -1;
        boolean sawDigit = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (isDigit(ch)) {
                if (sawDigit && cur == 0) {
                    return null;
                }
                cur = (sawDigit ? cur * 10 : 0) + (ch - '0');
                if (cur > 255) {
                    return null;
                }
                if (!sawDigit) {
                    if (++octets > 4) {
                        return null;
                    }
                    sawDigit = true;
                }
                out[octets - 1] = (byte) cur;
            } else if (ch == '.' && sawDigit) {
                if (octets == 4) {
                    return null;
                }
                sawDigit = false;
                cur = 0;
            } else {
                return null;
            }
        }
        return octets == 4 && sawDigit ? out : null;
    }

    /** The address's bytes as 32-bit words (IPv4: one word; IPv6: four), as ipvsadm compares them. */
    static int word(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }

    /** C {@code atoi}: leading white space, a sign, digits; stops at the first other character; 0 if none. */
    public static long atoi(String s) {
        Strtol r = strtol(s);
        return r.overflow ? (r.value < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r.value;
    }

    /**
     * ipvsadm's {@code string_to_number}: the whole string must be a decimal {@code strtol} number (leading white
     * space and a sign allowed) in {@code [min, max]}.
     *
     * @return the number, or -1
     */
    public static long stringToNumber(String s, long min, long max) {
        Strtol r = strtol(s);
        if (!r.digits || r.end != s.length() || r.overflow) {
            return -1;
        }
        return r.value >= min && r.value <= max ? r.value : -1;
    }

    /** The result of {@link #strtol(String)}. */
    private static final class Strtol {
        long value;
        int end;
        boolean digits;
        boolean overflow;
    }

    /** C {@code strtol(s, &end, 10)}: white space, a sign, then as many digits as there are. */
    private static Strtol strtol(String s) {
        Strtol r = new Strtol();
        int i = 0;
        int len = s.length();
        while (i < len && isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < len && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        long v = 0;
        while (i < len && isDigit(s.charAt(i))) {
            r.digits = true;
            if (v > (Long.MAX_VALUE - 9) / 10) {
                r.overflow = true;
            } else {
                v = v * 10 + (s.charAt(i) - '0');
            }
            i++;
        }
        r.value = negative ? -v : v;
        r.end = i;
        return r;
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0b;
    }
}
