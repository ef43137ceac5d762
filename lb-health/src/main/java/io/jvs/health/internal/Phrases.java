package io.jvs.health.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.time.Duration;
import java.util.Locale;

/** Formatting shared by the health-check messages. */
public final class Phrases {

    private Phrases() {}

    /** {@code 50 ms}, {@code 1.5 s}, {@code 2 min}. */
    public static String duration(Duration d) {
        long ms = d.toMillis();
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + " min";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0).replaceAll("0+ s$", " s");
    }

    /** {@code 50 ms}, {@code 1.5 s}. */
    public static String nanos(long nanos) {
        if (nanos < 10_000_000) {
            return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
        }
        return duration(Duration.ofNanos(nanos));
    }

    /** A short description of why a connection failed: {@code connection refused}, {@code no route to host}. */
    public static String cause(Throwable t, Duration timeout) {
        if (t instanceof ConnectException && t.getMessage() != null
                && t.getMessage().toLowerCase(Locale.ROOT).contains("refused")) {
            return "connection refused";
        }
        if (t instanceof NoRouteToHostException) {
            return "no route to host";
        }
        if (t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
            return "connect timed out after " + duration(timeout);
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }
}
