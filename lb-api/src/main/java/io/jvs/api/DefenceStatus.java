package io.jvs.api;

import java.util.List;

/**
 * The defences of a load balancer in force at the time of the call, and what each refused since the load balancer
 * started: the memory defence, the connection table's bound, and per service its access lists, per-source limits,
 * connection limit, trusted PROXY protocol sources and client data timeout.
 *
 * @param memory the memory defence (IPVS {@code amemthresh}, {@code drop_entry}, {@code drop_packet})
 * @param connectionTable the connection table's fill, bound and refusals
 * @param services the defences of each service, in the order the services were added
 * @since 0.1
 */
public record DefenceStatus(MemoryDefenceStatus memory, ConnectionTableStatus connectionTable,
        List<ServiceDefenceStatus> services) {

    /** Copies the list. */
    public DefenceStatus {
        services = List.copyOf(services);
    }
}
