package io.jvs.api;

import java.net.InetSocketAddress;

/**
 * A real server as a scheduler sees it while the service runs: its current settings and its live counters.
 *
 * <p>Counters change on the data path's threads while a scheduler reads them, as in IPVS; a scheduler reads
 * each value once per comparison and accepts that they may move under it. All methods are cheap reads of
 * volatile fields.
 *
 * @since 0.1
 */
public interface Destination {

    /** The real server's current definition (edits replace it; the destination stays the same object). */
    RealServer server();

    /** The real server's address and port. */
    InetSocketAddress address();

    /** The current weight, 0-65535; 0 = quiesced, no new connections. */
    int weight();

    /**
     * The most recent non-zero weight, or the weight given when the server was added if it has never been
     * non-zero (IPVS {@code last_weight}; the {@code mh} scheduler builds its table from it).
     */
    int lastWeight();

    /** Connections in an active state (ESTABLISHED and the SYN states): ipvsadm's ActiveConn. */
    int activeConnections();

    /** Connections in any other state, and every UDP flow: ipvsadm's InActConn. */
    int inactiveConnections();

    /** Live persistence templates pointing at this server: ipvsadm's PersistConn. */
    int persistentConnections();

    /**
     * Whether the upper connection threshold marked the server overloaded (IPVS {@code IP_VS_DEST_F_OVERLOAD}).
     * Schedulers skip overloaded servers.
     */
    boolean isOverloaded();

    /** Whether the server still belongs to its service (false once deleted; IPVS {@code IP_VS_DEST_F_AVAILABLE}). */
    boolean isAvailable();

    /**
     * The IPVS connection overhead, {@code activeConnections() * 256 + inactiveConnections()}, used by the
     * least-connection schedulers.
     */
    default long overhead() {
        return ((long) activeConnections() << 8) + inactiveConnections();
    }
}
