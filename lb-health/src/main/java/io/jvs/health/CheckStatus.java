package io.jvs.health;

/**
 * A snapshot of one check of a real server.
 *
 * @param check what it probes, as {@link HealthCheck#describe} puts it
 * @param state its state
 * @param consecutiveSuccesses successful results in a row (0 after a failure)
 * @param consecutiveFailures failed results in a row (0 after a success)
 * @param probes probes run so far, retries included
 * @param failedProbes probes that failed so far
 * @param lastResult the latest probe's outcome, or {@code null} before the first
 * @since 0.1
 */
public record CheckStatus(String check, HealthState state, int consecutiveSuccesses, int consecutiveFailures,
        long probes, long failedProbes, CheckResult lastResult) {}
