package io.jvs.health;

/**
 * Receives what a {@link HealthChecker} does. Calls come one at a time, in the order things happened, on the
 * checker's threads (or the thread that made the change), and never while the checker holds a lock: the load
 * balancer already reflects the change an event reports. A listener should return quickly; it may read
 * {@link HealthChecker#health()} and even change the checker (start, update, stop ...): what that change reports
 * is delivered after the current call returns. An exception thrown by a listener is logged and otherwise ignored.
 *
 * @since 0.1
 */
public interface HealthListener {

    /** A state change (also logged). */
    void onEvent(HealthEvent event);

    /** The outcome of every probe, for metrics such as check latency; does nothing by default. */
    default void onResult(CheckResult result) {}
}
