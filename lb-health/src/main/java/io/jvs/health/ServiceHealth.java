package io.jvs.health;

import io.jvs.api.ServiceId;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A snapshot of a checked service's health.
 *
 * @param services the ids of its virtual services, the first naming it
 * @param quorum its quorum
 * @param hysteresis its hysteresis
 * @param liveWeight the sum of the effective weights of the servers that are up
 * @param quorumUp whether it has quorum
 * @param sorryServer the sorry server's address, or {@code null}
 * @param sorryServerActive whether the sorry server is serving
 * @param servers its real servers, in order
 * @since 0.1
 */
public record ServiceHealth(List<ServiceId> services, int quorum, int hysteresis, long liveWeight, boolean quorumUp,
        InetSocketAddress sorryServer, boolean sorryServerActive, List<ServerHealth> servers) {

    /** Copies the lists. */
    public ServiceHealth {
        services = List.copyOf(services);
        servers = List.copyOf(servers);
    }

    /** The id that names the service. */
    public ServiceId id() {
        return services.get(0);
    }
}
