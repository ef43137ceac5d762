package io.jvs.netty;

import io.jvs.api.Refusal;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What the Netty data path counted since the load balancer was built: the events that are about sockets rather than
 * about one service's traffic ({@link io.jvs.api.LoadBalancer#services()} reports that), and every client it refused,
 * by reason, over all services, including services deleted since (each running service's own count is in
 * {@link io.jvs.api.ServiceDefenceStatus#refusals()}). A snapshot; the counters only grow, except
 * {@link #openConnections()} and {@link #udpFlows()}.
 *
 * @param openConnections client connections currently relayed, being connected, or held at their service's limit
 * @param accepted client connections accepted
 * @param refusals the clients the data path refused, by reason: TCP clients reset, datagrams of new UDP clients
 *     dropped (each datagram counts), and datagrams of UDP flows whose real server was deleted, each one, as IPVS drops
 *     them until the flow's entry expires ({@link Refusal#SERVER_DELETED}); every {@link Refusal} is present (0 when
 *     none happened)
 * @param serviceLimitHeld clients accepted while their service carried its
 *     {@link io.jvs.api.Defences#maxConnections() connection limit}: they were held, accepted but not relayed,
 *     until a place was free (other clients wait in the kernel's listen backlog). Not refusals.
 * @param connectFailures connections to real servers that failed (refused, unreachable, timed out), and ICMP errors
 *     (port or host unreachable) on UDP flows' sockets; each counts against its server and the client is moved to
 *     another one while any is left
 * @param localAddressFailures connections to real servers that could not get a local address and port (source
 *     ports exhausted, or a source address that is not local); they do not count against the server
 * @param acceptPauses times accepting was paused because the process ran out of file descriptors
 * @param udpFlows UDP clients the data path relays for now, each with its socket(s) to real servers: flows of the
 *     connection table, and one-packet clients
 * @param udpOversized datagrams dropped because they were longer than
 *     {@link NettyLoadBalancer.Builder#maxDatagramSize(int) maxDatagramSize} (in either direction)
 * @param udpDropped other datagrams dropped: a socket whose send buffer was full, no socket to be had (out of file
 *     descriptors or local ports), an empty datagram on a transport that cannot send one (epoll, NIO)
 * @since 0.1
 */
public record DataPathStats(long openConnections, long accepted, Map<Refusal, Long> refusals, long serviceLimitHeld,
        long connectFailures, long localAddressFailures, long acceptPauses, long udpFlows, long udpOversized,
        long udpDropped) {

    /** Copies the map, filling the reasons it lacks with 0. */
    public DataPathStats {
        EnumMap<Refusal, Long> m = new EnumMap<>(Refusal.class);
        for (Refusal r : Refusal.values()) {
            Long n = refusals.get(r);
            m.put(r, n == null ? 0L : n);
        }
        refusals = Collections.unmodifiableMap(m);
    }

    /** The clients refused for {@code reason}. */
    public long refused(Refusal reason) {
        return refusals.get(reason);
    }

    /** Every client refused, whatever the reason. */
    public long refused() {
        long n = 0;
        for (long v : refusals.values()) {
            n += v;
        }
        return n;
    }

    /**
     * Clients reset, or datagrams of new UDP clients dropped, because no real server was available
     * ({@link Refusal#NO_DESTINATION}), and datagrams of UDP flows dropped because their server was deleted, every one
     * until the flow expires ({@link Refusal#SERVER_DELETED}).
     */
    public long noDestination() {
        return refused(Refusal.NO_DESTINATION) + refused(Refusal.SERVER_DELETED);
    }

    /**
     * Clients reset because they came from a network not trusted to send a PROXY protocol header, or sent no valid
     * header in time ({@link Refusal#UNTRUSTED_PROXY} and {@link Refusal#PROXY_HEADER}).
     */
    public long proxyProtocolRejected() {
        return refused(Refusal.UNTRUSTED_PROXY) + refused(Refusal.PROXY_HEADER);
    }

    /**
     * Datagrams of new UDP clients dropped because their service carried its connection limit, or the data path its
     * {@link NettyLoadBalancer.Builder#maxUdpFlows(int) maxUdpFlows} ({@link Refusal#SERVICE_LIMIT} and
     * {@link Refusal#FLOW_LIMIT}; TCP clients at a service's limit are held, not refused).
     */
    public long udpFlowLimitDrops() {
        return refused(Refusal.SERVICE_LIMIT) + refused(Refusal.FLOW_LIMIT);
    }
}
