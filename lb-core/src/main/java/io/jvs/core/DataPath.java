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
