package io.jvs.cli.status;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** How the status page writes numbers, sizes, durations and times, and how it escapes text for HTML. */
final class Format {

    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss z", Locale.ROOT)
            .withZone(ZoneId.systemDefault());
    private static final String[] DECIMAL_UNITS = {"kB", "MB", "GB", "TB", "PB", "EB"};

    private Format() {}

    /** Escapes text for HTML element content and attribute values. */
    static String esc(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String r = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (r != null && sb == null) {
                sb = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (sb != null) {
                if (r != null) {
                    sb.append(r);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }

    /** {@code 1,234,567}. */
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** A count per second, with its unit when there is one. */
    static String rate(long perSecond, String unit) {
        return count(perSecond) + (unit.isEmpty() ? "" : " " + unit);
    }

    /** {@code 512 B}, {@code 12.3 kB}, {@code 4.5 MB}, {@code 1.2 GB} (decimal units). */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        double v = n;
        int u = -1;
        while (v >= 999.95 && u < DECIMAL_UNITS.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" : "%.0f %s", v, DECIMAL_UNITS[u]);
    }

    /** {@code 0.42 ms}, {@code 12 ms}, {@code 1.5 s}. */
    static String latency(Duration d) {
        double ms = d.toNanos() / 1e6;
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        if (ms < 1000) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    /** {@code 3 s ago} as an HTML {@code time} element, with the absolute time as a tooltip. */
    static String ago(Instant then, Instant now) {
        return "<time datetime=\"" + then + "\" title=\"" + STAMP.format(then) + "\">"
                + duration(Duration.between(then, now)) + " ago</time>";
    }

    /** {@code 4 s}, {@code 3 min 4 s}, {@code 2 h 5 min}, {@code 3 d 4 h}. */
    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        if (s < 86400) {
            return s / 3600 + " h " + s % 3600 / 60 + " min";
        }
        return s / 86400 + " d " + s % 86400 / 3600 + " h";
    }
}
