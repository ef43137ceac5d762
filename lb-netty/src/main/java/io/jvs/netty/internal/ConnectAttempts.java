package io.jvs.netty.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Connection;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.BindException;

/**
 * The connect attempts of one client connection, for the {@link Connector} and the {@link LeanConnector}: after a
 * failure, whether to try again, and where. A server that refuses, is unreachable or times out counts a failure and
 * the connection moves to another server ({@link Connection#reschedule()}), up to the configured number of attempts; a
 * connect that finds no local address or port tries the next source address (which is not the server's fault, and
 * not an attempt). Confined to the connection's loop.
 */
final class ConnectAttempts {

    private static final Logger LOG = System.getLogger(Connector.class.getName());

    private final RelayContext context;
    private int attempts;
    private int localFailures;

    ConnectAttempts(RelayContext context) {
        this.context = context;
    }

    /** An attempt starts. */
    void started() {
        attempts++;
    }

    /**
     * The attempt of {@code conn} failed with {@code cause} (counted and logged here): true to try again (the
     * connection has its next server or source address), false to give up and reset the client.
     */
    boolean retry(Connection conn, Throwable cause) {
        DataPathCounters counters = context.counters();
        if (isLocalAddressFailure(cause)) {
            counters.localAddressFailures.increment();
            SourceAddresses s = context.setup().sources();
            localFailures++;
            counters.localAddressLog.log(() -> conn + ": no local address for the connection to the real server ("
                    + cause.getMessage() + "): local ports exhausted (net.ipv4.ip_local_port_range), or a source "
                    + "address that is not local; the client is reset");
            if (s != null && conn.destination().server().forwardingMethod() == ForwardingMethod.FULLNAT
                    && localFailures < s.count(conn.destinationAddress())) {
                attempts--;
                return true; // the next source address
            }
            return false;
        }
        counters.connectFailures.increment();
        LOG.log(Level.DEBUG, () -> conn + ": connect failed: " + cause);
        return attempts < context.setup().config().connectAttempts() && conn.reschedule(); // the next server
    }

    /** Whether a connect failed for want of a local address or port, which is not the real server's fault. */
    static boolean isLocalAddressFailure(Throwable cause) {
        if (cause instanceof BindException) {
            return true;
        }
        String m = cause.getMessage();
        return m != null && (m.contains("Cannot assign requested address") || m.contains("Address already in use"));
    }
}
