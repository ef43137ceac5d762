package io.jvs.api;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A running director: a table of virtual services, each spreading client connections over its real servers,
 * and the data path that carries them.
 *
 * <p>Every operation on the table is atomic: it is checked completely first and either applies entirely or
 * throws {@link LoadBalancerException} (or {@link IllegalArgumentException} for an unusable value) leaving the
 * table as it was. Operations are safe to call from any thread and take effect for new connections at once.
 * <b>No table change disturbs an established connection</b>: a deleted or quiesced real server keeps the
 * connections it has until they end, as in IPVS.
 *
 * <p>The ipvsadm command each method corresponds to is named in its description.
 *
 * @since 0.1
 */
public interface LoadBalancer extends AutoCloseable {

    /**
     * Adds a service with its real servers and starts receiving traffic for it (ipvsadm {@code -A} followed by
     * one {@code -a} per real server, in order). The future completes once the data path listens on every
     * endpoint; if it cannot, the service is removed again and the future fails with
     * {@link LoadBalancerException.Reason#BIND_FAILED}.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#SERVICE_EXISTS} if the id is taken,
     *     {@link LoadBalancerException.Reason#UNSUPPORTED} if the data path cannot serve it
     */
    CompletableFuture<Void> start(VirtualService service);

    /**
     * Makes a running service match {@code service} (ipvsadm {@code -E}, plus {@code -a}, {@code -e} and
     * {@code -d} for the real servers that differ): its scheduler, persistence, flags and endpoints are
     * replaced, real servers missing from {@code service} are deleted, new ones are added in order, changed
     * ones are edited in place.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE} if no service has the id
     */
    void update(VirtualService service);

    /**
     * Deletes a service (ipvsadm {@code -D}). It stops receiving new connections at once; the future completes
     * when its listeners are closed. Established connections continue.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE}
     */
    CompletableFuture<Void> stop(ServiceId service);

    /**
     * Adds a real server to a running service (ipvsadm {@code -a}); it goes first in the scheduling order, as
     * in IPVS.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE},
     *     {@link LoadBalancerException.Reason#DESTINATION_EXISTS}, or
     *     {@link LoadBalancerException.Reason#UNSUPPORTED} for a forwarding method the data path lacks
     */
    void addRealServer(ServiceId service, RealServer server);

    /**
     * Replaces the settings of the real server with the same address and port (ipvsadm {@code -e}); it keeps
     * its place in the scheduling order and its connections. Weight 0 quiesces it.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE},
     *     {@link LoadBalancerException.Reason#NO_SUCH_DESTINATION}, or
     *     {@link LoadBalancerException.Reason#UNSUPPORTED}
     */
    void editRealServer(ServiceId service, RealServer server);

    /**
     * Deletes a real server (ipvsadm {@code -d}). It gets no new connections; its established connections
     * continue until they end.
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE},
     *     {@link LoadBalancerException.Reason#NO_SUCH_DESTINATION}
     */
    void removeRealServer(ServiceId service, InetSocketAddress server);

    /**
     * Deletes every service (ipvsadm {@code -C}). The future completes when all listeners are closed.
     */
    CompletableFuture<Void> clear();

    /** Zeroes the traffic counters of every service and real server (ipvsadm {@code -Z}). */
    void zeroCounters();

    /**
     * Zeroes the traffic counters of one service and its real servers (ipvsadm {@code -Z -t ...}).
     *
     * @throws LoadBalancerException {@link LoadBalancerException.Reason#NO_SUCH_SERVICE}
     */
    void zeroCounters(ServiceId service);

    /** Every service, in the order they were added (ipvsadm {@code -L} sorts them for display). */
    List<ServiceStatus> services();

    /** One service, if it exists (ipvsadm {@code -L -t ...}). */
    Optional<ServiceStatus> service(ServiceId service);

    /**
     * The connection table: every connection and persistence template, as {@code ipvsadm -L -c} lists them (in no
     * particular order). One-packet UDP traffic keeps no entries.
     */
    List<ConnectionStatus> connections();

    /**
     * The size ipvsadm shows in its header, {@code IP Virtual Server version 1.2.1 (size=N)}: the number of hash
     * buckets of the connection table.
     */
    int connectionTableSize();

    /**
     * How full the connection table is, and how many new flows it refused for lack of room. The default, for
     * implementations without a table of their own, counts {@link #connections()} and reports no limit.
     *
     * @since 0.1
     */
    default ConnectionTableStatus connectionTable() {
        List<ConnectionStatus> all = connections();
        int templates = (int) all.stream().filter(ConnectionStatus::template).count();
        return new ConnectionTableStatus(all.size(), templates, Integer.MAX_VALUE, connectionTableSize(), 0, 0);
    }

    /**
     * The defences in force and what they refused: the memory defence, the connection table's bound, and per
     * service its access lists and limits. The default, for implementations without defences of their own,
     * reports each service's settings with no counts and no memory defence.
     *
     * @since 0.1
     */
    default DefenceStatus defences() {
        return new DefenceStatus(MemoryDefenceStatus.DISABLED, connectionTable(),
                services().stream().map(s -> ServiceDefenceStatus.of(s.service())).toList());
    }

    /** The connection timeouts in force (ipvsadm {@code -L --timeout}). */
    Timeouts timeouts();

    /**
     * Sets the connection timeouts (ipvsadm {@code --set tcp tcpfin udp}); a zero value leaves that timeout as it
     * is. Existing connections take the new values at their next packet.
     */
    void setTimeouts(Timeouts timeouts);

    /** Adds a listener for what the data path observes (see {@link LoadBalancerListener}). */
    void addListener(LoadBalancerListener listener);

    /** Removes a listener added with {@link #addListener}; does nothing if it was not added. */
    void removeListener(LoadBalancerListener listener);

    /** The forwarding methods this load balancer's data path can carry out. */
    Set<ForwardingMethod> supportedForwardingMethods();

    /**
     * Stops every service and releases the data path's threads and sockets; open connections are closed.
     * Idempotent.
     */
    @Override
    void close();
}
