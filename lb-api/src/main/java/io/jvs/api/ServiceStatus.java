package io.jvs.api;

import java.util.List;

/**
 * A snapshot of one running service: its definition and the state of its real servers at the time of the
 * call.
 *
 * @param service the service's current definition; its {@link VirtualService#realServers()} are in the
 *     order they were added
 * @param realServers the real servers in IPVS order, newest added first (what {@code ipvsadm -L --nosort}
 *     prints)
 * @param stats the service's traffic counters
 * @param rates the service's traffic rates
 * @since 0.1
 */
public record ServiceStatus(VirtualService service, List<RealServerStatus> realServers, Stats stats, Rates rates) {

    /** Copies the list. */
    public ServiceStatus {
        realServers = List.copyOf(realServers);
    }

    /** The service's id. */
    public ServiceId id() {
        return service.id();
    }
}
