package io.jvs.core;

import io.jvs.api.internal.Checks;
import java.time.Duration;

/**
 * When the director publishes a connection to the other directors ({@link StateSync}): IPVS's sysctls
 * {@code sync_threshold} (threshold and period), {@code sync_refresh_period}, {@code sync_retries} and
 * {@code sync_persist_mode}, with the kernel's meanings.
 *
 * <ul>
 *   <li>A connection is published when its inbound packet count {@code pkts} gives {@code pkts % period ==
 *       threshold}: packets 3, 53, 103, ... by default. With period 0, only at packet {@code threshold}, unless a
 *       refresh period is set.</li>
 *   <li>A TCP state change into anything but ESTABLISHED is published at once, whatever the count.</li>
 *   <li>With a refresh period, a connection whose timer moved by less than {@code min(refreshPeriod,
 *       max(timeout / 2, 10 s))} since it was last published is not published again, except {@code retries}
 *       times, every refresh period / 8.</li>
 *   <li>Persist mode publishes only the templates of persistent services, not their connections.</li>
 * </ul>
 *
 * @param threshold the packet count that publishes, 0 to period - 1 (any when period is 0)
 * @param period the packet period, 0 or more
 * @param refreshPeriod the refresh period, 0 (off) to 24 hours
 * @param retries how often a refresh is sent again, 0-3
 * @param persistMode whether connections of persistent services are left to their templates
 * @since 0.1
 */
public record SyncPolicy(int threshold, int period, Duration refreshPeriod, int retries, boolean persistMode) {

    /** The kernel's defaults: threshold 3, period 50, no refresh period, no retries, persist mode off. */
    public static final SyncPolicy DEFAULT = new SyncPolicy(3, 50, Duration.ZERO, 0, false);

    /**
     * Checks the values with the kernel's rules.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    public SyncPolicy {
        Checks.checkInRange(period, 0, Integer.MAX_VALUE, "period");
        Checks.checkInRange(threshold, 0, period == 0 ? Integer.MAX_VALUE : period - 1, "threshold");
        Checks.checkNotNull(refreshPeriod, "refreshPeriod");
        Checks.checkArgument(!refreshPeriod.isNegative() && refreshPeriod.compareTo(Duration.ofHours(24)) <= 0,
                "refreshPeriod", refreshPeriod, "PT0S-PT24H");
        Checks.checkInRange(retries, 0, 3, "retries");
    }
}
