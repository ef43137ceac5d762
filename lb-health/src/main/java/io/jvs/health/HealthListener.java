package io.jvs.health;

/**
 * Receives what a {@link HealthChecker} does. Calls for one checked service come one at a time, in order, on
 * the checker's threads, while it holds that service's lock: a listener must return quickly and must not block;
 * it may read {@link HealthChecker#health()} and {@link HealthChecker#services()}, but must not change the checker
 * (start, update, stop ...): hand such work to another thread. An exception thrown by a listener is logged and
 * otherwise ignored.
 *
 * @since 0.1
 */
public interface HealthListener {

    /** A state change (also logged). */
    void onEvent(HealthEvent event);

    /** The outcome of every probe, for metrics such as check latency; does nothing by default. */
    default void onResult(CheckResult result) {}
}
