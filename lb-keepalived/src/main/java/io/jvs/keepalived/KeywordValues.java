package io.jvs.keepalived;

import io.jvs.api.Protocol;
import io.jvs.api.internal.Addresses;
import java.math.BigDecimal;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Reads the values of keepalived keywords; every refusal names the keyword, the value and what is accepted. */
final class KeywordValues {

    private static final Pattern TIMER = Pattern.compile("\\d{1,9}(\\.\\d{1,9})?");

    private KeywordValues() {}

    static KeepalivedParseException error(Token at, String reason) {
        return new KeepalivedParseException(at.file, at.line, at.column, reason);
    }

    /** {@code name: value (expected: expectation)} at the value. */
    static KeepalivedParseException bad(Token value, String name, String expectation) {
        return error(value, name + ": " + value.text + " (expected: " + expectation + ")");
    }

    /** Checks that {@code n} has {@code min} to {@code max} arguments described by {@code usage}. */
    static void args(Node n, int min, int max, String usage) {
        if (n.args.size() < min) {
            Token last = n.args.isEmpty() ? n.keyword : n.args.get(n.args.size() - 1);
            throw new KeepalivedParseException(last.file, last.line, last.column + last.text.length(),
                    n.name() + ": missing value (expected: " + usage + ")");
        }
        if (n.args.size() > max) {
            throw error(n.args.get(max), n.name() + ": unexpected '" + n.args.get(max).text + "' (expected: "
                    + (max == 0 ? "no value" : usage) + ")");
        }
    }

    /** Checks that {@code n} has a block. */
    static void requireBlock(Node n) {
        if (!n.hasBlock()) {
            Token last = n.args.isEmpty() ? n.keyword : n.args.get(n.args.size() - 1);
            throw new KeepalivedParseException(last.file, last.line, last.column + last.text.length(),
                    n.name() + " needs a block: { ... }");
        }
    }

    /** Checks that {@code n} has no block. */
    static void noBlock(Node n) {
        if (n.hasBlock()) {
            throw error(n.open, n.name() + " takes no block");
        }
    }

    /** A keepalived {@code <TIMER>}: seconds, with a fraction down to microseconds. */
    static Duration seconds(Node n, Duration min, Duration max) {
        args(n, 1, 1, range(min, max));
        noBlock(n);
        Token t = n.args.get(0);
        Duration d = null;
        if (TIMER.matcher(t.text).matches()) {
            BigDecimal s = new BigDecimal(t.text);
            d = Duration.ofNanos(s.movePointRight(9).longValue());
        }
        if (d == null || d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw bad(t, n.name(), range(min, max));
        }
        return d;
    }

    private static String range(Duration min, Duration max) {
        return "seconds, " + plain(min) + "-" + plain(max);
    }

    private static String plain(Duration d) {
        return BigDecimal.valueOf(d.toNanos(), 9).stripTrailingZeros().toPlainString();
    }

    /** An unsigned integer in {@code [min, max]}, argument {@code index}. */
    static long integer(Node n, int index, long min, long max) {
        Token t = n.args.get(index);
        long v = digits(t.text);
        if (v < min || v > max) {
            throw bad(t, n.name(), min + "-" + max);
        }
        return v;
    }

    /** The value of 1-10 decimal digits, or -1 for anything else (signs, spaces, more digits). */
    private static long digits(String s) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** The keyword's single integer argument in {@code [min, max]}. */
    static int integer(Node n, long min, long max) {
        args(n, 1, 1, min + "-" + max);
        noBlock(n);
        return (int) integer(n, 0, min, max);
    }

    /** A flag with an optional keepalived {@code <BOOL>}: no value means on. */
    static boolean flag(Node n) {
        args(n, 0, 1, "on, off, true, false, yes or no");
        noBlock(n);
        return n.args.isEmpty() || bool(n.args.get(0), n.name());
    }

    static boolean bool(Token t, String name) {
        switch (t.text) {
            case "on":
            case "true":
            case "yes":
                return true;
            case "off":
            case "false":
            case "no":
                return false;
            default:
                throw bad(t, name, "on, off, true, false, yes or no");
        }
    }

    /** A fraction such as {@code 0.1} in {@code [0, max]}. */
    static double fraction(Node n, double max) {
        args(n, 1, 1, "0-" + max);
        noBlock(n);
        Token t = n.args.get(0);
        double v = -1;
        if (t.text.matches("\\d{1,3}(\\.\\d{1,6})?")) {
            v = Double.parseDouble(t.text);
        }
        if (v < 0 || v > max) {
            throw bad(t, n.name(), "a fraction 0-" + max);
        }
        return v;
    }

    /** An IP address literal (keepalived takes no names). */
    static InetAddress address(Token t, String name) {
        InetAddress a = literal(t.text);
        if (a == null) {
            throw bad(t, name, "an IPv4 or IPv6 address");
        }
        return a;
    }

    /** A unicast IP address literal, as real servers need. */
    static InetAddress unicast(Token t, String name) {
        InetAddress a = literal(t.text);
        if (a == null || a.isAnyLocalAddress() || a.isMulticastAddress()) {
            throw bad(t, name, "an IPv4 or IPv6 unicast address");
        }
        return a;
    }

    /** The address {@code s} is a literal of, or {@code null}; never a name lookup. */
    static InetAddress literal(String s) {
        if (s.startsWith("[")) {
            return null;
        }
        try {
            return Addresses.parseLiteral(s);
        } catch (RuntimeException e) { // a malformed scope id, for example
            return null;
        }
    }

    /** A port, 1-65535, or 0 when {@code zeroAllowed}. */
    static int port(Token t, String name, boolean zeroAllowed) {
        int min = zeroAllowed ? 0 : 1;
        long v = digits(t.text);
        if (v < min || v > 65535) {
            throw bad(t, name, "a port " + min + "-65535");
        }
        return (int) v;
    }

    /** {@code tcp} or {@code udp}, in any case. */
    static Protocol protocol(Token t, String name) {
        switch (lower(t.text)) {
            case "tcp":
                return Protocol.TCP;
            case "udp":
                return Protocol.UDP;
            default:
                throw bad(t, name, "TCP or UDP" + (lower(t.text).equals("sctp") ? "; JVS does not carry SCTP" : ""));
        }
    }

    /** {@code inet} or {@code inet6}. */
    static StandardProtocolFamily family(Token t) {
        switch (t.text) {
            case "inet":
                return StandardProtocolFamily.INET;
            case "inet6":
                return StandardProtocolFamily.INET6;
            default:
                throw bad(t, "ip_family", "inet or inet6");
        }
    }

    /** The family of an address. */
    static StandardProtocolFamily familyOf(InetAddress a) {
        return a instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    }

    /**
     * keepalived's hex strings ({@code payload}, {@code require_reply}): pairs of hex digits; with
     * {@code wildcards}, an {@code x} stands for any digit. Returns the bytes and the mask of the bits that are
     * ignored (set where an {@code x} was).
     *
     * @throws IllegalArgumentException if the text is empty, has an odd number of digits or other characters
     */
    static byte[][] hex(String text, boolean wildcards) {
        if (text.isEmpty() || text.length() % 2 != 0) {
            throw new IllegalArgumentException("hex: " + text);
        }
        byte[] data = new byte[text.length() / 2];
        byte[] mask = new byte[data.length];
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            int digit = Character.digit(ch, 16);
            int ignored = 0;
            if (digit < 0) {
                if (!wildcards || (ch != 'x' && ch != 'X')) {
                    throw new IllegalArgumentException("hex: " + text);
                }
                digit = 0;
                ignored = 0xf;
            }
            int shift = i % 2 == 0 ? 4 : 0;
            data[i / 2] |= (byte) (digit << shift);
            mask[i / 2] |= (byte) (ignored << shift);
        }
        return new byte[][] {data, mask};
    }

    /** {@code 10.0.0.1} or {@code 2001:db8::1} for messages. */
    static String text(InetAddress a) {
        return Addresses.toString(a);
    }

    static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** The words of a list for messages: {@code a, b or c}. */
    static String or(List<String> words) {
        if (words.size() <= 1) {
            return String.join("", words);
        }
        return String.join(", ", words.subList(0, words.size() - 1)) + " or " + words.get(words.size() - 1);
    }
}
