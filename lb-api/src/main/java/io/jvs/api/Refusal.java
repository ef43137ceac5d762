package io.jvs.api;

import java.util.Locale;

/**
 * Why a director refused a client a connection or a flow: every refusal is counted under one of these, per
 * service ({@link ServiceDefenceStatus#refusals()}), whichever data path made it. The order is the order in which a
 * new connection meets the checks: the checks of its socket (PROXY protocol), then admission (access lists, the
 * memory defence, per-source limits, the service's and the data path's limits), then placement (a real server, a
 * place in the connection table).
 *
 * @since 0.1
 */
public enum Refusal {
    /** The client's address is not among the networks trusted to send a PROXY protocol header. */
    UNTRUSTED_PROXY("untrusted PROXY protocol source"),
    /** The client sent no valid PROXY protocol header in time (or ended before it). */
    PROXY_HEADER("no valid PROXY protocol header"),
    /** A TCP segment without SYN for which no connection exists (a packet data path; IPVS drops it too). */
    NOT_SYN("TCP segment without SYN and no connection"),
    /** The service's access lists refused the client's address. */
    ACCESS_DENIED("refused by the access lists"),
    /** The memory defence refused the new connection (memory is short: IPVS {@code drop_packet}). */
    MEMORY_SHORT("memory is short"),
    /** The client's source had its most connections open ({@link SourceLimit#maxConnections()}). */
    SOURCE_CONNECTIONS("per-source connection limit"),
    /** The client's source opened new connections faster than its rate ({@link SourceLimit#ratePerSecond()}). */
    SOURCE_RATE("per-source rate limit"),
    /** The per-source table had no room for a new source (every slot of its set has connections open). */
    SOURCE_TABLE_FULL("per-source table full"),
    /**
     * The service carried its {@link Defences#maxConnections() most connections} at once: the datagram of a new
     * UDP flow was dropped. (A TCP client at the limit waits instead, and is not counted here.)
     */
    SERVICE_LIMIT("service connection limit"),
    /** The data path carried its most flows at once (a socket data path's UDP sockets). */
    FLOW_LIMIT("data path flow limit"),
    /** No real server was available: all quiesced, overloaded or deleted, or the scheduler found none. */
    NO_DESTINATION("no destination available"),
    /** The flow's real server was deleted: its datagrams are dropped until the flow expires (IPVS). */
    SERVER_DELETED("the flow's real server was deleted"),
    /** The service was deleted while the client arrived. */
    SERVICE_STOPPED("the service was deleted"),
    /** The connection table held its most entries. */
    TABLE_FULL("connection table full"),
    /** A TCP client sent nothing within its service's client data timeout ({@link Defences#clientDataTimeout()}). */
    CLIENT_DATA_TIMEOUT("no data from the client in time");

    private final String description;

    Refusal(String description) {
        this.description = description;
    }

    /** What the refusal means, in a few words, as logs and status pages print it. */
    public String description() {
        return description;
    }

    /** The name as metrics tag it: lower case with underscores, for example {@code access_denied}. */
    public String tagValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
