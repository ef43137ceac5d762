package io.jvs.api;

import java.time.Duration;
import java.util.List;

/**
 * The defences of one running service and what they refused since the service started (zeroed with the service's
 * counters by {@link LoadBalancer#zeroCounters}).
 *
 * @param service the service
 * @param allow the allowed client networks ({@link VirtualService#allow()}); empty: every client not denied
 * @param deny the refused client networks ({@link VirtualService#deny()})
 * @param sourceLimit the per-source limits ({@link VirtualService#sourceLimit()})
 * @param maxConnections the service's connection limit, 0 for none ({@link VirtualService#maxConnections()})
 * @param proxyProtocolSources the networks trusted to send a PROXY protocol header, empty when the service reads
 *     none
 * @param clientDataTimeout how long a client may take to send its first bytes, {@link Duration#ZERO} when the
 *     service does not wait for them
 * @param trackedSources sources held in the per-source table now (0 without a source limit)
 * @param denied connections and UDP flows refused by the access lists
 * @param sourceConnectionsRefused connections refused because their source had its most connections open
 * @param sourceRateRefused connections refused because their source's bucket was empty
 * @param sourceTableFull connections refused because the per-source table had no room for a new source
 * @param clientDataTimeouts TCP clients closed because they sent nothing within the client data timeout
 * @since 0.1
 */
public record ServiceDefenceStatus(ServiceId service, List<Cidr> allow, List<Cidr> deny, SourceLimit sourceLimit,
        int maxConnections, List<Cidr> proxyProtocolSources, Duration clientDataTimeout, int trackedSources,
        long denied, long sourceConnectionsRefused, long sourceRateRefused, long sourceTableFull,
        long clientDataTimeouts) {

    /** Copies the lists. */
    public ServiceDefenceStatus {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        proxyProtocolSources = List.copyOf(proxyProtocolSources);
    }

    /** The settings of {@code service} with every counter 0. */
    public static ServiceDefenceStatus of(VirtualService service) {
        return new ServiceDefenceStatus(service.id(), service.allow(), service.deny(), service.sourceLimit(),
                service.maxConnections(), service.proxyProtocolSources(), service.clientDataTimeout(), 0, 0, 0, 0,
                0, 0);
    }

    /** Connections and flows these defences refused in all. */
    public long refused() {
        return denied + sourceConnectionsRefused + sourceRateRefused + sourceTableFull + clientDataTimeouts;
    }
}
