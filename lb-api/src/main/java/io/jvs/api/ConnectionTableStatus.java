package io.jvs.api;

/**
 * The size and limits of a director's connection table at the time of the call.
 *
 * @param entries entries in the table: connections and persistence templates (one-packet flows keep none)
 * @param templates persistence templates among them
 * @param capacity the most entries the table holds; a new flow that would need another is refused
 * @param buckets hash buckets (what {@code ipvsadm -L} shows as {@code size=})
 * @param refused new connections and templates refused since the start because the table was full
 * @param reclaimed entries of ended TCP connections (TIME_WAIT, CLOSE) expired early since the start to make room
 *     for new connections in a full or nearly full table
 * @since 0.1
 */
public record ConnectionTableStatus(int entries, int templates, int capacity, int buckets, long refused,
        long reclaimed) {}
