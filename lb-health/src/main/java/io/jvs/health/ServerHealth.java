package io.jvs.health;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A snapshot of one real server of a checked service.
 *
 * @param server its address and port
 * @param state UP while all its checks are up
 * @param configuredWeight the weight it was given
 * @param effectiveWeight the configured weight as dynamic checks adjust it (keepalived {@code misc_dynamic})
 * @param loadBalancerWeight its weight in the load balancer now (lower while slow-starting, 0 when inhibited),
 *     or -1 if it is not in the services
 * @param slowStarting whether its weight is still ramping up
 * @param passiveFailures connect failures reported by the data path so far
 * @param checks its checks
 * @since 0.1
 */
public record ServerHealth(InetSocketAddress server, HealthState state, int configuredWeight, int effectiveWeight,
        int loadBalancerWeight, boolean slowStarting, long passiveFailures, List<CheckStatus> checks) {

    /** Copies the list. */
    public ServerHealth {
        checks = List.copyOf(checks);
    }
}
