package io.jvs.api;

import java.net.InetSocketAddress;

/**
 * Receives what a {@link LoadBalancer}'s data path observes about real servers, for passive health checking and
 * monitoring. Methods run on data-path threads: they must return quickly and never block. An exception thrown by a
 * listener is logged and otherwise ignored.
 *
 * @since 0.1
 */
public interface LoadBalancerListener {

    /**
     * A real server did not accept a connection placed on it (refused, unreachable, timed out); the connection
     * was moved to another server if one was left.
     *
     * @param service the service the connection belongs to
     * @param server the real server's address and port
     */
    default void connectFailed(ServiceId service, InetSocketAddress server) {}
}
