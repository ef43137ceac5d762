package io.jvs.health.internal;

/**
 * What one probe found.
 *
 * @param healthy whether it succeeded
 * @param message what was seen, for people
 * @param exitStatus a command's exit status, or -1
 * @param latencyNanos how long it took
 */
public record Outcome(boolean healthy, String message, int exitStatus, long latencyNanos) {}
