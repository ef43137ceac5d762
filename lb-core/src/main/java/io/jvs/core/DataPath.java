package io.jvs.core;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.VirtualService;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The part of a director that moves traffic: it receives clients on a service's endpoints and carries their
 * connections to the real servers the {@link Director} picks. Implemented by transports such as
 * {@code io.jvs.netty}; applications do not call it.
 *
 * <p>The director calls {@link #bind} and {@link #unbind} from its control thread, one change at a time. For
 * every client connection or flow the data path calls {@link RunningService#open}, then reports what happens
 * to the connection through the returned {@link Connection}.
 *
 * @since 0.1
 */
public interface DataPath {

    /** The forwarding methods this data path carries out; real servers with other methods are refused. */
    Set<ForwardingMethod> supportedForwardingMethods();

    /**
     * Refuses a service this data path cannot serve (for example port 0, "every port", on a socket data path).
     * Called before the service enters the table. The default accepts everything.
     *
     * @throws LoadBalancerException with reason {@link LoadBalancerException.Reason#UNSUPPORTED}
     */
    default void check(VirtualService service) {}

    /**
     * Starts receiving traffic for {@code service} on {@code endpoint}.
     *
     * @return a future that completes when traffic is received, or fails if the endpoint cannot be bound
     */
    CompletableFuture<Void> bind(RunningService service, Endpoint endpoint);

    /**
     * Stops receiving new traffic for {@code service} on {@code endpoint}. Established connections continue.
     *
     * @return a future that completes when the endpoint is released
     */
    CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint);

    /** Releases the data path's threads and sockets; called once, after every endpoint was unbound. */
    void close();

    /**
     * Called by the director, under its control lock, just before a running service's real servers change to
     * {@code next}'s ({@code ipvsadm -a}, {@code -e}, {@code -d}, or an update), after {@link #check} accepted
     * {@code next}. A data path that serves services by their servers' forwarding methods
     * ({@link #byForwardingMethod}) moves the service to another data path here. Throwing refuses the change, which
     * then leaves everything as it was. The default does nothing.
     *
     * @throws LoadBalancerException if the service cannot be served as {@code next} asks
     * @since 0.1
     */
    default void serversChanging(RunningService service, VirtualService next) {}

    /**
     * One data path made of several that carry different forwarding methods, for a load balancer that serves
     * socket services (FULLNAT, NAT) and packet services (DR, TUN) side by side. Each service is bound to the data
     * path that carries the method of its real servers:
     *
     * <ul>
     *   <li>all real servers of one service use methods of one data path: a mix is refused with an error naming both
     *       ({@link LoadBalancerException.Reason#UNSUPPORTED});</li>
     *   <li>a service with no real server yet ({@code ipvsadm -A} before {@code -a}) is bound to the data path of
     *       the default method, {@link ForwardingMethod#DR} when one of the paths carries it (ipvsadm's default,
     *       {@code -g}), else the first path's; when its first real server of another data path's method is added
     *       the service moves there (bound on the new path before it is released on the old one); when its last
     *       server is deleted it stays where it is;</li>
     *   <li>one virtual address belongs to one data path: a packet data path takes every packet to its virtual
     *       addresses, so a service on another path may not use the same address (refused as a mix).</li>
     * </ul>
     *
     * {@link #close()} closes every path.
     *
     * @param paths two or more data paths whose {@linkplain #supportedForwardingMethods() methods} do not overlap
     * @throws IllegalArgumentException if fewer than two paths are given or two carry the same method
     * @since 0.1
     */
    static DataPath byForwardingMethod(DataPath... paths) {
        return new io.jvs.core.internal.MethodDataPaths(java.util.List.of(paths));
    }

    /**
     * A data path that listens nowhere and supports every forwarding method: for tests and tools that drive the
     * director's connections themselves through {@link Director#service}.
     *
     * @since 0.1
     */
    static DataPath detached() {
        return new DataPath() {
            @Override
            public Set<ForwardingMethod> supportedForwardingMethods() {
                return EnumSet.allOf(ForwardingMethod.class);
            }

            @Override
            public CompletableFuture<Void> bind(RunningService service, Endpoint endpoint) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public void close() {}

            @Override
            public String toString() {
                return "DataPath.detached()";
            }
        };
    }
}
