package io.jvs.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random and mutated command lines for the property tests of {@code jvs proxy} and {@code jvs daemon}: valid vectors
 * with words dropped, doubled, swapped or replaced, and vectors of random option names and values. Address values
 * are IP literals, {@code localhost} or malformed in ways that never reach a DNS lookup, so the tests stay offline.
 */
public final class ArgumentVectors {

    /** Values for options that take an address, a network or a host and port. */
    public static final List<String> ADDRESSES = List.of("127.0.0.1:8080", "127.0.0.1:0", "127.0.0.1:65536",
            "127.0.0.1:-1", "127.0.0.1:", ":80", "[::1]:80", "::1:80", "[::1]", "[::1:80", "localhost:80", "127.0.0.1",
            "127.0.0.1:80@3", "127.0.0.1:80@70000", "127.0.0.1:80@-1", "127.0.0.1:80@", "127.0.0.1:80@x", "10.0.0.0/8",
            "10.0.0.0/33", "2001:db8::/32", "2001:db8::/129", "10.0.0.1,::1", "10.0.0.0/8,", ",", "/8", "10.0.0.1/",
            "127.0.0.1,127.0.0.2", "0.0.0.0", "::", "127.0.0.1:80:90", "[]:80", "@", "");

    /** Values for everything else. */
    public static final List<String> VALUES = List.of("0", "1", "2", "50", "-1", "65535", "65536", "2147483647",
            "2147483648", "99999999999", "1.5", "x", "", " ", "wrr", "rr", "nosuch", "auto", "epoll", "nio", "io_uring",
            "dpdk", "fullnat", "nat", "masq", "dr", "v1", "v2", "v3", "10:20", "10:", ":20", "10:0", "24,64", "24",
            "33,64", "24,129", "64m", "1g", "10k", "9999999999999g", "m", "-5m", "/tmp/jvs-test-nonexistent/x");

    private ArgumentVectors() {}

    /** Replaces, drops, doubles or swaps words of {@code valid}, or appends random option/value pairs. */
    public static List<String> mutate(List<String> valid, List<String> options, Random r) {
        List<String> v = new ArrayList<>(valid);
        for (int i = 1 + r.nextInt(3); i > 0; i--) {
            int at = v.isEmpty() ? 0 : r.nextInt(v.size());
            switch (r.nextInt(6)) {
                case 0 -> {
                    if (!v.isEmpty()) {
                        v.remove(at);
                    }
                }
                case 1 -> {
                    if (!v.isEmpty()) {
                        v.add(at, v.get(at));
                    }
                }
                case 2 -> {
                    if (v.size() > 1) {
                        int b = r.nextInt(v.size());
                        String x = v.get(at);
                        v.set(at, v.get(b));
                        v.set(b, x);
                    }
                }
                case 3 -> {
                    if (!v.isEmpty()) {
                        v.set(at, value(r));
                    }
                }
                default -> {
                    v.add(options.get(r.nextInt(options.size())));
                    v.add(value(r));
                }
            }
        }
        return v;
    }

    /** Random option names (known and not) with random values. */
    public static List<String> random(List<String> options, Random r) {
        List<String> v = new ArrayList<>();
        for (int i = r.nextInt(8); i > 0; i--) {
            int k = r.nextInt(10);
            v.add(k == 0 ? "--" + word(r) : k == 1 ? word(r) : options.get(r.nextInt(options.size())));
            if (r.nextInt(8) != 0) {
                v.add(value(r));
            }
        }
        return v;
    }

    private static String value(Random r) {
        int k = r.nextInt(3);
        return k == 0 ? ADDRESSES.get(r.nextInt(ADDRESSES.size())) : k == 1 ? VALUES.get(r.nextInt(VALUES.size()))
                : "-" + word(r);
    }

    /** A random word that is no host name a resolver would be asked about (it never reaches an address option). */
    private static String word(Random r) {
        char[] c = new char[1 + r.nextInt(6)];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) (0x21 + r.nextInt(0x5e));
        }
        return new String(c);
    }

    /** A rejection's message: one non-empty line that is no exception's text. */
    public static void assertClearMessage(List<String> args, RuntimeException e) {
        String m = e.getMessage();
        assertNotNull(m, () -> args + " -> " + e);
        assertFalse(m.isBlank() || m.contains("\n") || m.contains("Exception") || m.equals("null"),
                () -> args + " -> " + m);
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException,
                () -> args + " -> " + e);
    }

    /** For failure messages. */
    public static String show(List<String> args) {
        return Arrays.toString(args.toArray());
    }
}
