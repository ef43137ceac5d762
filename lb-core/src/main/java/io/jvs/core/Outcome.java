package io.jvs.core;

import io.jvs.api.Refusal;

/**
 * What the director answered a data path's {@link FlowRequest}: the connection was found or placed, the client passed
 * a check, the request's key has no entry, or the client was refused, and why. Data paths react to it (relay, reset,
 * drop, hold, pause) and count by it; the director has already counted every refusal it made under its
 * {@link Refusal} ({@link io.jvs.api.ServiceDefenceStatus#refusals()}).
 *
 * @since 0.1
 */
public enum Outcome {
    /** The request's key has a live entry: {@link FlowRequest#connection()} is it. */
    FOUND(null),
    /** A new entry was placed on a real server: {@link FlowRequest#connection()} is it. */
    PLACED(null),
    /** The client passed a check ({@link RunningService#admitPeer}); nothing was placed yet. */
    ADMITTED(null),
    /** A look-up only ({@link RunningService#lookup}) found no entry. Not a refusal: nothing is counted. */
    NO_ENTRY(null),
    /** Refused: {@link Refusal#UNTRUSTED_PROXY}. */
    UNTRUSTED_PROXY(Refusal.UNTRUSTED_PROXY),
    /** Refused: {@link Refusal#NOT_SYN}. */
    NOT_SYN(Refusal.NOT_SYN),
    /** Refused: {@link Refusal#ACCESS_DENIED}. */
    ACCESS_DENIED(Refusal.ACCESS_DENIED),
    /** Refused: {@link Refusal#MEMORY_SHORT}. */
    MEMORY_SHORT(Refusal.MEMORY_SHORT),
    /** Refused: {@link Refusal#SOURCE_CONNECTIONS}. */
    SOURCE_CONNECTIONS(Refusal.SOURCE_CONNECTIONS),
    /** Refused: {@link Refusal#SOURCE_RATE}. */
    SOURCE_RATE(Refusal.SOURCE_RATE),
    /** Refused: {@link Refusal#SOURCE_TABLE_FULL}. */
    SOURCE_TABLE_FULL(Refusal.SOURCE_TABLE_FULL),
    /**
     * The service carries its most connections: a UDP datagram of a new flow is refused ({@link Refusal#SERVICE_LIMIT},
     * counted); a TCP client is not counted by the director: a socket data path holds it until a place is free (not a
     * refusal), a packet data path drops its SYN, which the client sends again, and counts that refusal itself
     * ({@link RunningService#refused}).
     */
    SERVICE_LIMIT(Refusal.SERVICE_LIMIT),
    /** Refused: {@link Refusal#NO_DESTINATION}. */
    NO_DESTINATION(Refusal.NO_DESTINATION),
    /** Refused: {@link Refusal#SERVER_DELETED}. */
    SERVER_DELETED(Refusal.SERVER_DELETED),
    /** Refused: {@link Refusal#SERVICE_STOPPED}. */
    SERVICE_STOPPED(Refusal.SERVICE_STOPPED),
    /** Refused: {@link Refusal#TABLE_FULL}. */
    TABLE_FULL(Refusal.TABLE_FULL),
    /**
     * Refused: {@link Refusal#FLOW_LIMIT}, the data path holds its most flows
     * ({@link FlowRequest#flowLimit(java.util.concurrent.Semaphore)}), the last check of a new flow.
     */
    FLOW_LIMIT(Refusal.FLOW_LIMIT);

    private final Refusal refusal;

    Outcome(Refusal refusal) {
        this.refusal = refusal;
    }

    /** Whether the client may go on: {@link #FOUND}, {@link #PLACED} or {@link #ADMITTED}. */
    public boolean admitted() {
        return this == FOUND || this == PLACED || this == ADMITTED;
    }

    /** Why the client was refused, or null for an outcome that is not a refusal. */
    public Refusal refusal() {
        return refusal;
    }
}
