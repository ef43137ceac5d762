package io.jvs.cli;

import io.jvs.api.internal.Addresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Locale;

/** Parses {@code HOST:PORT} and {@code [IPv6]:PORT} arguments, and the other values the commands share. */
public final class HostPort {

    private HostPort() {}

    /**
     * Parses {@code text} as {@code HOST:PORT}.
     *
     * @throws IllegalArgumentException naming {@code option} if it is malformed or the host does not resolve
     */
    public static InetSocketAddress parse(String text, String option) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException(option + ": " + text + " (expected: HOST:PORT)");
        }
        String host = text.substring(0, colon);
        if (host.indexOf(':') >= 0 && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new IllegalArgumentException(option + ": " + text + " (expected: [IPv6]:PORT for an IPv6 address)");
        }
        int port = parseInt(text.substring(colon + 1), 0, 65535, option + " port");
        InetAddress address = Addresses.resolve(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
                option + " host");
        return new InetSocketAddress(address, port);
    }

    /** Parses a decimal in {@code [min, max]}, or throws {@code name: text (expected: min-max)}. */
    public static int parseInt(String text, int min, int max, String name) {
        try {
            int v = Integer.parseInt(text);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(name + ": " + text + " (expected: " + min + "-" + max + ")");
    }

    /**
     * Parses a size in bytes: digits with an optional {@code k}, {@code m} or {@code g} (powers of 1024), or throws
     * {@code name: text (expected: ...)}.
     */
    public static long parseBytes(String text, String name) {
        String t = text.toLowerCase(Locale.ROOT);
        long unit = 1;
        if (!t.isEmpty() && "kmg".indexOf(t.charAt(t.length() - 1)) >= 0) {
            unit = 1L << (10 * ("kmg".indexOf(t.charAt(t.length() - 1)) + 1));
            t = t.substring(0, t.length() - 1);
        }
        try {
            if (!t.isEmpty() && t.chars().allMatch(Character::isDigit) && t.length() <= 12) {
                return Math.multiplyExact(Long.parseLong(t), unit);
            }
        } catch (ArithmeticException | NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException(name + ": " + text + " (expected: bytes, e.g. 67108864, 64m or 1g; 0 for "
                + "off)");
    }

    /** Parses a {@code --transport} value, or throws {@code --transport: text (expected: ...)}. */
    public static io.jvs.netty.Transport parseTransport(String text) {
        try {
            return io.jvs.netty.Transport.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--transport: " + text + " (expected: auto, epoll, io_uring or nio)");
        }
    }

    /**
     * Walks {@code --name value} pairs, handing each to {@code handler}.
     *
     * @throws IllegalArgumentException for a word that is not an option, or an option without its value
     */
    public static void options(String[] args, java.util.function.BiConsumer<String, String> handler) {
        options(args, java.util.Set.of(), handler);
    }

    /**
     * Walks {@code --name value} pairs and the {@code flags} (options without a value, which {@code handler} gets
     * with a null value). A flag is one only where an option may stand: {@code --connect-timeout -h} is a
     * connect timeout of "-h", not a request for help.
     *
     * @throws IllegalArgumentException for a word that is not an option, or an option without its value
     */
    public static void options(String[] args, java.util.Set<String> flags,
            java.util.function.BiConsumer<String, String> handler) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (flags.contains(a)) {
                handler.accept(a, null);
                continue;
            }
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": missing value");
            }
            handler.accept(a, args[++i]);
        }
    }
}
