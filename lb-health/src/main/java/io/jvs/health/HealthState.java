package io.jvs.health;

/**
 * Whether a check, or a real server, is healthy.
 *
 * @since 0.1
 */
public enum HealthState {
    /** Healthy: the real server takes new connections (at its weight). */
    UP,
    /** Unhealthy: the real server is removed from the service, or kept at weight 0 (inhibit on failure). */
    DOWN
}
