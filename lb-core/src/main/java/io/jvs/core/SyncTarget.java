package io.jvs.core;

import io.jvs.api.SyncRecord;
import java.util.function.Consumer;

/**
 * The receive side of connection synchronization: where entries sent by the other directors go
 * ({@link Director#syncTarget()}), and what a director that joins is given. Applying follows IPVS's backup
 * ({@code ip_vs_proc_conn}):
 *
 * <ul>
 *   <li>A new entry is bound to the matching local service and real server and counted in its ActiveConn,
 *       InActConn or PersistConn, so {@code lc}/{@code wlc} see the cluster's load. An entry whose service or
 *       real server this director does not have is not kept ({@link Result#UNBOUND}; IPVS keeps it unbound).</li>
 *   <li>An existing entry takes the record's state, INACTIVE flag (moving it between the counters) and timeout.</li>
 *   <li>A connection that exists with another real server is expired and created again, unless the record is
 *       INACTIVE (a stale expiry: ignored), or the local entry has open sockets of this director (kept: a live
 *       connection keeps its own entry). A template keeps its real server.</li>
 *   <li>The timeout comes from the record (v0 records have none: the state's timeout, 180 s for templates).</li>
 * </ul>
 *
 * Each entry remembers its owner, the director that sent it; it stays until it times out (also when that director
 * has left) and becomes this director's own at its first local packet. Thread-safe: entries of different senders may
 * be applied at once.
 *
 * @since 0.1
 */
public interface SyncTarget {

    /** What {@link #apply} did. */
    enum Result {
        /** A new entry was created and bound. */
        CREATED,
        /** An existing entry was updated. */
        UPDATED,
        /** An existing connection with another real server was replaced. */
        REPLACED,
        /** An INACTIVE record for a connection that now has another real server: a stale expiry, ignored. */
        STALE,
        /** The local connection with this key has open sockets here and another real server: kept. */
        LOCAL,
        /** No local service or real server matches: not kept. */
        UNBOUND,
        /** The connection table is full: not kept. */
        TABLE_FULL
    }

    /**
     * Applies an entry another director sent.
     *
     * @param record the entry, its flags reduced to what a backup keeps
     * @param owner the sending director's id
     */
    Result apply(SyncRecord record, String owner);

    /**
     * Gives {@code sink} every live entry and template, this director's own first, for a director that joins. A
     * weakly consistent walk: entries created or expired meanwhile may be seen or not.
     */
    void snapshot(Consumer<SyncRecord> sink);
}
