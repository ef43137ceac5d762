package io.jvs.api;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The defences of one running service and what the director refused its clients since the service started
 * (zeroed with the service's counters by {@link LoadBalancer#zeroCounters}).
 *
 * @param service the service
 * @param defences the service's defences ({@link VirtualService#defences()})
 * @param trackedSources sources held in the per-source table now (0 without a source limit)
 * @param openConnections connections holding a place under the service's connection limit now
 *     ({@link Defences#maxConnections()}; counted with or without a limit)
 * @param refusals the refusals by reason, every {@link Refusal} present (0 when none happened)
 * @since 0.1
 */
public record ServiceDefenceStatus(ServiceId service, Defences defences, int trackedSources, int openConnections,
        Map<Refusal, Long> refusals) {

    /** Copies the map, filling the reasons it lacks with 0. */
    public ServiceDefenceStatus {
        EnumMap<Refusal, Long> m = new EnumMap<>(Refusal.class);
        for (Refusal r : Refusal.values()) {
            Long n = refusals.get(r);
            m.put(r, n == null ? 0L : n);
        }
        refusals = Collections.unmodifiableMap(m);
    }

    /** The settings of {@code service} with every counter 0. */
    public static ServiceDefenceStatus of(VirtualService service) {
        return new ServiceDefenceStatus(service.id(), service.defences(), 0, 0, Map.of());
    }

    /** The refusals for {@code reason}. */
    public long refused(Refusal reason) {
        return refusals.get(reason);
    }

    /** Every refusal, whatever the reason. */
    public long refused() {
        long n = 0;
        for (long v : refusals.values()) {
            n += v;
        }
        return n;
    }

    /** The allowed client networks ({@link Defences#allow()}). */
    public List<Cidr> allow() {
        return defences.allow();
    }

    /** The refused client networks ({@link Defences#deny()}). */
    public List<Cidr> deny() {
        return defences.deny();
    }

    /** The per-source limits ({@link Defences#sourceLimit()}). */
    public SourceLimit sourceLimit() {
        return defences.sourceLimit();
    }

    /** The service's connection limit, 0 for none ({@link Defences#maxConnections()}). */
    public int maxConnections() {
        return defences.maxConnections();
    }

    /** The networks trusted to send a PROXY protocol header ({@link Defences#proxyProtocolSources()}). */
    public List<Cidr> proxyProtocolSources() {
        return defences.proxyProtocolSources();
    }

    /** How long a client may take to send its first bytes ({@link Defences#clientDataTimeout()}). */
    public Duration clientDataTimeout() {
        return defences.clientDataTimeout();
    }

    /** Connections and UDP flows refused by the access lists ({@link Refusal#ACCESS_DENIED}). */
    public long denied() {
        return refused(Refusal.ACCESS_DENIED);
    }

    /** Connections refused because their source had its most connections open ({@link Refusal#SOURCE_CONNECTIONS}). */
    public long sourceConnectionsRefused() {
        return refused(Refusal.SOURCE_CONNECTIONS);
    }

    /** Connections refused because their source's bucket was empty ({@link Refusal#SOURCE_RATE}). */
    public long sourceRateRefused() {
        return refused(Refusal.SOURCE_RATE);
    }

    /** Connections refused because the per-source table had no room ({@link Refusal#SOURCE_TABLE_FULL}). */
    public long sourceTableFull() {
        return refused(Refusal.SOURCE_TABLE_FULL);
    }

    /** TCP clients closed for sending nothing within the client data timeout ({@link Refusal#CLIENT_DATA_TIMEOUT}). */
    public long clientDataTimeouts() {
        return refused(Refusal.CLIENT_DATA_TIMEOUT);
    }
}
