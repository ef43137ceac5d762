package io.jvs.health;

import io.jvs.api.ServiceId;
import io.jvs.api.internal.Addresses;
import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * A state change made by a {@link HealthChecker}. Each is also logged (logger {@code io.jvs.health}) with the
 * same message.
 *
 * @param type what changed
 * @param service the checked service ({@link CheckedService#id()})
 * @param server the real server (or sorry server) concerned, or {@code null} for a service-wide change
 * @param weight the server's weight in the load balancer after the change, or -1 if it is not in it (or the
 *     change concerns the whole service)
 * @param message what happened, for people: for example {@code TCP 10.0.0.1:80: real server 10.0.0.11:80 is
 *     DOWN after 3 failed results (TCP_CHECK 10.0.0.11:80: connection refused); removed}
 * @param time when it happened
 * @since 0.1
 */
public record HealthEvent(Type type, ServiceId service, InetSocketAddress server, int weight, String message,
        Instant time) {

    /** The kinds of change. */
    public enum Type {
        /** One check of a real server came up (rise reached). */
        CHECK_UP,
        /** One check of a real server went down (fall reached). */
        CHECK_DOWN,
        /** A real server is healthy again: all its checks are up; it is back in the services. */
        SERVER_UP,
        /** A real server failed: it was removed, or set to weight 0 if it inhibits on failure. */
        SERVER_DOWN,
        /** A real server's weight in the load balancer changed: slow-start step, dynamic weight, new setting. */
        WEIGHT_CHANGED,
        /** The live weight fell below the quorum. */
        QUORUM_LOST,
        /** The live weight reached the quorum again. */
        QUORUM_GAINED,
        /** The sorry server was put in (quorum lost). */
        SORRY_SERVER_IN,
        /** The sorry server was taken out (quorum regained). */
        SORRY_SERVER_OUT,
        /** The application added a real server to a checked service. */
        SERVER_ADDED,
        /** The application removed a real server from a checked service; its checks stopped. */
        SERVER_REMOVED
    }

    /** {@code 2026-09-10T12:00:00Z SERVER_DOWN TCP 10.0.0.1:80 10.0.0.11:80 weight -1: message}. */
    @Override
    public String toString() {
        return time + " " + type + " " + service + (server == null ? "" : " " + Addresses.toString(server))
                + " weight " + weight + ": " + message;
    }
}
