package io.jvs.health;

import io.jvs.api.internal.Checks;
import java.time.Duration;
import java.util.Objects;

/**
 * When and how often a {@link HealthCheck} runs, and how its results turn into a {@link HealthState}. An
 * immutable value; the {@code with*} methods return modified copies.
 *
 * <p>Every {@link #interval() interval} the check probes the real server. A probe that fails is repeated up to
 * {@link #retries() retries} more times, {@link #retryDelay() retryDelay} apart, before the check counts one
 * failed result (as keepalived's {@code retry} and {@code delay_before_retry}; retries apply only to a check
 * that is up and has reported before). {@link #fall() fall} consecutive failed results take an up check down,
 * {@link #rise() rise} consecutive successes bring a down check up (HAProxy's {@code rise}/{@code fall}).
 *
 * <p>The {@link #initialState() initial state} is provisional, as in keepalived and HAProxy's {@code init-state
 * up}/{@code down}: the first result that contradicts it changes it at once, after which rise and fall apply.
 * Starting {@link HealthState#DOWN} is keepalived's {@code alpha} mode: a real server takes no connections
 * until a check has passed.
 *
 * <p>The defaults are keepalived's: {@code delay_loop 60}, {@code connect_timeout 5}, {@code retry 1},
 * {@code delay_before_retry 1}, the first probe at a random moment within one interval ({@code warmup}), rise
 * and fall 1, initial state up, no jitter.
 *
 * <pre>{@code
 * CheckSettings fast = CheckSettings.defaults()
 *         .withInterval(Duration.ofSeconds(2))     // delay_loop 2
 *         .withTimeout(Duration.ofMillis(500))     // connect_timeout 0.5
 *         .withRise(2).withFall(3);                // 3 failed results down, 2 good ones up
 * }</pre>
 *
 * @since 0.1
 */
public final class CheckSettings {

    private static final Duration MAX_INTERVAL = Duration.ofDays(1);
    private static final Duration MAX_TIMEOUT = Duration.ofHours(1);
    private static final Duration MIN = Duration.ofMillis(1);
    private static final CheckSettings DEFAULTS = new Copy(Duration.ofSeconds(60), Duration.ofSeconds(5), 1,
            Duration.ofSeconds(1), 1, 1, null, 0, HealthState.UP, false).build();

    private final Duration interval;
    private final Duration timeout;
    private final int retries;
    private final Duration retryDelay;
    private final int rise;
    private final int fall;
    private final Duration warmup; // null: one interval
    private final double jitter;
    private final HealthState initialState;
    private final boolean logAllFailures;

    private CheckSettings(Copy c) {
        this.interval = c.interval;
        this.timeout = c.timeout;
        this.retries = c.retries;
        this.retryDelay = c.retryDelay;
        this.rise = c.rise;
        this.fall = c.fall;
        this.warmup = c.warmup;
        this.jitter = c.jitter;
        this.initialState = c.initialState;
        this.logAllFailures = c.logAllFailures;
    }

    /** The one place a modified copy is made: every {@code with*} method changes one field of a copy. */
    private static final class Copy {
        Duration interval;
        Duration timeout;
        int retries;
        Duration retryDelay;
        int rise;
        int fall;
        Duration warmup;
        double jitter;
        HealthState initialState;
        boolean logAllFailures;

        Copy(Duration interval, Duration timeout, int retries, Duration retryDelay, int rise, int fall,
                Duration warmup, double jitter, HealthState initialState, boolean logAllFailures) {
            this.interval = interval;
            this.timeout = timeout;
            this.retries = retries;
            this.retryDelay = retryDelay;
            this.rise = rise;
            this.fall = fall;
            this.warmup = warmup;
            this.jitter = jitter;
            this.initialState = initialState;
            this.logAllFailures = logAllFailures;
        }

        Copy(CheckSettings s) {
            this(s.interval, s.timeout, s.retries, s.retryDelay, s.rise, s.fall, s.warmup, s.jitter, s.initialState,
                    s.logAllFailures);
        }

        CheckSettings build() {
            return new CheckSettings(this);
        }
    }

    private Copy copy() {
        return new Copy(this);
    }

    /** keepalived's defaults (see the class description). */
    public static CheckSettings defaults() {
        return DEFAULTS;
    }

    /** How long from one result to the next probe (keepalived {@code delay_loop}). */
    public Duration interval() {
        return interval;
    }

    /**
     * How long one probe may take (keepalived {@code connect_timeout}): for TCP and HTTP checks the connection
     * and the response together, for a predicate its call. A command check has its own timeout.
     */
    public Duration timeout() {
        return timeout;
    }

    /** How many times a failed probe is repeated before the check counts a failure (keepalived {@code retry}). */
    public int retries() {
        return retries;
    }

    /** The pause before each retry (keepalived {@code delay_before_retry}). */
    public Duration retryDelay() {
        return retryDelay;
    }

    /** Consecutive successful results that bring a down check up. */
    public int rise() {
        return rise;
    }

    /** Consecutive failed results that take an up check down. */
    public int fall() {
        return fall;
    }

    /**
     * The first probe runs at a random moment between now and this long from now, so that checks of many
     * servers do not run in step (keepalived {@code warmup}); by default one interval.
     */
    public Duration warmup() {
        return warmup == null ? interval : warmup;
    }

    /**
     * How much each interval varies at random, as a fraction of it: 0.1 makes every interval 90-110 % of the
     * configured one. 0 (the default) keeps intervals exact.
     */
    public double jitter() {
        return jitter;
    }

    /** The provisional state a check has before its first result (DOWN is keepalived's {@code alpha}). */
    public HealthState initialState() {
        return initialState;
    }

    /** Whether every failed probe is logged, not only state changes (keepalived {@code log_all_failures}). */
    public boolean logAllFailures() {
        return logAllFailures;
    }

    /**
     * A copy with another interval.
     *
     * @throws IllegalArgumentException unless it is 1 ms to 1 day
     */
    public CheckSettings withInterval(Duration interval) {
        checkDuration(interval, MIN, MAX_INTERVAL, "interval");
        Copy c = copy();
        c.interval = interval;
        return c.build();
    }

    /**
     * A copy with another probe timeout.
     *
     * @throws IllegalArgumentException unless it is 1 ms to 1 hour
     */
    public CheckSettings withTimeout(Duration timeout) {
        checkDuration(timeout, MIN, MAX_TIMEOUT, "timeout");
        Copy c = copy();
        c.timeout = timeout;
        return c.build();
    }

    /**
     * A copy with another retry count.
     *
     * @throws IllegalArgumentException unless it is 0-1000
     */
    public CheckSettings withRetries(int retries) {
        Checks.checkInRange(retries, 0, 1000, "retries");
        Copy c = copy();
        c.retries = retries;
        return c.build();
    }

    /**
     * A copy with another pause before retries.
     *
     * @throws IllegalArgumentException unless it is 0 to 1 day
     */
    public CheckSettings withRetryDelay(Duration retryDelay) {
        checkDuration(retryDelay, Duration.ZERO, MAX_INTERVAL, "retryDelay");
        Copy c = copy();
        c.retryDelay = retryDelay;
        return c.build();
    }

    /**
     * A copy with another rise count.
     *
     * @throws IllegalArgumentException unless it is 1-1000
     */
    public CheckSettings withRise(int rise) {
        Checks.checkInRange(rise, 1, 1000, "rise");
        Copy c = copy();
        c.rise = rise;
        return c.build();
    }

    /**
     * A copy with another fall count.
     *
     * @throws IllegalArgumentException unless it is 1-1000
     */
    public CheckSettings withFall(int fall) {
        Checks.checkInRange(fall, 1, 1000, "fall");
        Copy c = copy();
        c.fall = fall;
        return c.build();
    }

    /**
     * A copy with another warmup; {@link Duration#ZERO} runs the first probe at once.
     *
     * @throws IllegalArgumentException unless it is 0 to 1 day
     */
    public CheckSettings withWarmup(Duration warmup) {
        checkDuration(warmup, Duration.ZERO, MAX_INTERVAL, "warmup");
        Copy c = copy();
        c.warmup = warmup;
        return c.build();
    }

    /**
     * A copy with another jitter.
     *
     * @throws IllegalArgumentException unless it is 0.0-0.5
     */
    public CheckSettings withJitter(double jitter) {
        Checks.checkArgument(jitter >= 0 && jitter <= 0.5, "jitter", jitter, "0.0-0.5");
        Copy c = copy();
        c.jitter = jitter;
        return c.build();
    }

    /** A copy with another initial state. */
    public CheckSettings withInitialState(HealthState state) {
        Checks.checkNotNull(state, "initialState");
        Copy c = copy();
        c.initialState = state;
        return c.build();
    }

    /** A copy that logs every failed probe, or only state changes. */
    public CheckSettings withLogAllFailures(boolean logAllFailures) {
        Copy c = copy();
        c.logAllFailures = logAllFailures;
        return c.build();
    }

    static void checkDuration(Duration d, Duration min, Duration max, String name) {
        Checks.checkNotNull(d, name);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) { // the message only when it is needed: loads check many
            Checks.checkArgument(false, name, d, min + "-" + max);
        }
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CheckSettings)) {
            return false;
        }
        CheckSettings that = (CheckSettings) o;
        return retries == that.retries && rise == that.rise && fall == that.fall && jitter == that.jitter
                && logAllFailures == that.logAllFailures && interval.equals(that.interval)
                && timeout.equals(that.timeout) && retryDelay.equals(that.retryDelay)
                && warmup().equals(that.warmup()) && initialState == that.initialState;
    }

    @Override
    public int hashCode() {
        return Objects.hash(interval, timeout, retries, retryDelay, rise, fall, warmup(), jitter, initialState,
                logAllFailures);
    }

    /** For example {@code interval=PT2S timeout=PT0.5S retries=1 retryDelay=PT1S rise=2 fall=3 ...}. */
    @Override
    public String toString() {
        return "interval=" + interval + " timeout=" + timeout + " retries=" + retries + " retryDelay=" + retryDelay
                + " rise=" + rise + " fall=" + fall + " warmup=" + warmup() + " jitter=" + jitter + " initialState="
                + initialState + (logAllFailures ? " logAllFailures" : "");
    }
}
