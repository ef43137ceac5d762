package io.jvs.api;

/**
 * A source of monotonic time in nanoseconds. Everything in JVS that expires or measures rates reads time
 * through a ticker, so tests can drive it by hand.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface Ticker {

    /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
    long nanoTime();

    /** The system ticker, {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
