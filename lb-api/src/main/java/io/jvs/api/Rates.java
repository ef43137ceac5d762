package io.jvs.api;

/**
 * Traffic rates of a service or real server, as {@code ipvsadm -L --rate} shows them: IPVS's estimator, an
 * exponentially weighted average over 2-second samples (weight 1/4).
 *
 * @param connectionsPerSecond CPS
 * @param inPacketsPerSecond InPPS (reads per second, for a socket data path)
 * @param outPacketsPerSecond OutPPS
 * @param inBytesPerSecond InBPS
 * @param outBytesPerSecond OutBPS
 * @since 0.1
 */
public record Rates(long connectionsPerSecond, long inPacketsPerSecond, long outPacketsPerSecond,
        long inBytesPerSecond, long outBytesPerSecond) {

    /** All zero. */
    public static final Rates ZERO = new Rates(0, 0, 0, 0, 0);
}
