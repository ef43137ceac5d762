package io.jvs.netty;

/**
 * What the Netty data path counted since the load balancer was built: the events that are about sockets rather
 * than about a service's traffic (which {@link io.jvs.api.LoadBalancer#services()} reports). A snapshot; the
 * counters only grow, except {@link #openConnections()}.
 *
 * @param openConnections client connections currently relayed or being connected
 * @param accepted client connections accepted
 * @param noDestination clients reset, or new UDP clients' datagrams dropped, because the director placed them nowhere:
 *     no real server was available (all quiesced, overloaded or deleted, or a UDP flow's server deleted), or its
 *     defences refused them (access lists, per-source limits, a full connection table, short memory;
 *     {@link io.jvs.api.LoadBalancer#defences()} counts those by reason)
 * @param serviceLimitHeld clients accepted by one event loop in the instant another took the last slot of
 *     their service's {@link io.jvs.api.VirtualService#maxConnections() connection limit}: they were held,
 *     accepted but not relayed, until a slot was free (other clients wait in the kernel's listen backlog)
 * @param proxyProtocolRejected clients reset because they sent no valid PROXY protocol header in time, or came
 *     from a network not trusted to send one
 * @param connectFailures connections to real servers that failed (refused, unreachable, timed out), and ICMP errors
 *     (port or host unreachable) on UDP flows' sockets; each counts against its server and the client is moved to
 *     another one while any is left
 * @param localAddressFailures connections to real servers that could not get a local address and port (source
 *     ports exhausted, or a source address that is not local); they do not count against the server
 * @param acceptPauses times accepting was paused because the process ran out of file descriptors
 * @param udpFlows UDP clients the data path relays for now, each with its socket(s) to real servers: flows of the
 *     connection table, and one-packet clients
 * @param udpFlowLimitDrops datagrams of new UDP clients dropped because their service carried its
 *     {@link io.jvs.api.VirtualService#maxConnections() maxConnections}, or the data path its
 *     {@link NettyLoadBalancer.Builder#maxUdpFlows(int) maxUdpFlows}
 * @param udpOversized datagrams dropped because they were longer than
 *     {@link NettyLoadBalancer.Builder#maxDatagramSize(int) maxDatagramSize} (in either direction)
 * @param udpDropped other datagrams dropped: a socket whose send buffer was full, no socket to be had (out of file
 *     descriptors or local ports), an empty datagram on a transport that cannot send one (epoll, NIO); datagrams
 *     without a real server count in {@code noDestination}
 * @since 0.1
 */
public record DataPathStats(long openConnections, long accepted, long noDestination, long serviceLimitHeld,
        long proxyProtocolRejected, long connectFailures, long localAddressFailures, long acceptPauses, long udpFlows,
        long udpFlowLimitDrops, long udpOversized, long udpDropped) {}
