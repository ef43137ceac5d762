package io.jvs.api.internal;

import java.util.Locale;

/**
 * Argument checks with one message format for the whole project: {@code name: value (expected: range)}.
 *
 * <p>Not API: this package is exported only to the JVS modules.
 */
public final class Checks {

    private Checks() {}

    /** Returns {@code value} if it lies in {@code [min, max]}, else throws {@code name: value (expected: min-max)}. */
    public static int checkInRange(int value, int min, int max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
        }
        return value;
    }

    /** Returns {@code value} if it lies in {@code [min, max]}, else throws {@code name: value (expected: min-max)}. */
    public static long checkInRange(long value, long min, long max, String name) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + "-" + max + ")");
        }
        return value;
    }

    /** Throws {@code IllegalArgumentException(name: value (expected: expectation))} unless {@code ok}. */
    public static void checkArgument(boolean ok, String name, Object value, String expectation) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expectation + ")");
        }
    }

    /** Throws {@code NullPointerException(name)} if {@code value} is null, else returns it. */
    public static <T> T checkNotNull(T value, String name) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        return value;
    }

    /** Throws {@code IllegalStateException(name was already set to previous)} when a set-once option is set again. */
    public static void checkNotSet(Object previous, String name) {
        if (previous != null) {
            throw new IllegalStateException(name + " was already set to " + previous);
        }
    }

    /** {@link String#format} with {@link Locale#ROOT}. */
    public static String format(String template, Object... args) {
        return String.format(Locale.ROOT, template, args);
    }
}
