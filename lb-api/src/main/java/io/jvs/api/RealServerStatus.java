package io.jvs.api;

/**
 * A snapshot of one real server of a running service: its definition and counters at the time of the call.
 *
 * @param server the real server's current definition
 * @param activeConnections ipvsadm ActiveConn
 * @param inactiveConnections ipvsadm InActConn
 * @param persistentConnections ipvsadm PersistConn (live persistence templates)
 * @param overloaded whether the upper threshold has marked it overloaded
 * @param stats its traffic counters
 * @param rates its traffic rates
 * @since 0.1
 */
public record RealServerStatus(RealServer server, int activeConnections, int inactiveConnections,
        int persistentConnections, boolean overloaded, Stats stats, Rates rates) {}
