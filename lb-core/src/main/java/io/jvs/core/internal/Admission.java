package io.jvs.core.internal;

import io.jvs.api.Cidr;
import io.jvs.api.Defences;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.SourceLimit;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.Outcome;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The admission step of a service's pipeline: every "may this client have a connection" decision, in one order
 * (PROXY protocol source, access lists, memory defence, per-source limits, service limit), and the counters of every
 * refusal by {@link Refusal}. One per running service; its rules are compiled from the service's settings and
 * replaced whole when they change, its counters and the places held under the connection limit carry over.
 *
 * <p>What a new connection is given here, it holds until it ends: a place under the connection limit and, with a
 * per-source connection limit, a count in the per-source table. {@link #hold} hands both to the connection's entry,
 * which gives them back once ({@link ConnectionEntry#releaseHolds}): when its sockets close, or when it leaves the
 * table; a flow that was not placed gives them back at once ({@link #giveBack}). Nothing on the admitting path
 * allocates.
 */
final class Admission {

    private static final Refusal[] REFUSALS = Refusal.values();

    private final ServiceId id;
    private final Ticker ticker;
    private final MemoryDefence memory;
    private final ServiceLog log;
    private final LongAdder[] refused = new LongAdder[REFUSALS.length];
    /** Connections holding a place under the connection limit. */
    private final AtomicInteger open = new AtomicInteger();
    private volatile Rules rules;

    /**
     * The settings admission reads, compiled to primitives; replaced whole by an edit. A new connection is admitted
     * and held under one snapshot ({@link #rules()}), so what it acquired it holds, and gives back, where it acquired
     * it, even when an edit replaces the per-source table meanwhile.
     */
    static final class Rules {
        final Defences defences;
        final String logPrefix;
        final AccessList access;
        final List<Cidr> trustedProxies;
        /** The per-source table, or null without a source limit. */
        final SourceTable sources;
        final int sourceMaxOpen;
        /** Nanoseconds per token of a source's bucket, 0 without a rate. */
        final long sourceInterval;
        final long sourceTolerance;
        final int maxConnections;

        /** @param previous the rules before an edit, whose source table is kept when it fits */
        Rules(VirtualService s, Rules previous) {
            defences = s.defences();
            logPrefix = s.schedulerName() + ": " + s.id();
            access = AccessList.of(defences);
            trustedProxies = defences.proxyProtocolSources();
            SourceLimit limit = defences.sourceLimit();
            if (!limit.isLimited()) {
                sources = null;
            } else if (previous != null && previous.sources != null && previous.sources.fits(limit)) {
                sources = previous.sources;
            } else {
                sources = new SourceTable(limit);
            }
            sourceMaxOpen = limit.maxConnections();
            sourceInterval = limit.ratePerSecond() == 0 ? 0 : Math.max(1, 1_000_000_000L / limit.ratePerSecond());
            sourceTolerance = limit.ratePerSecond() == 0 ? 0 : (limit.burst() - 1) * sourceInterval;
            maxConnections = defences.maxConnections();
        }
    }

    Admission(VirtualService service, Ticker ticker, MemoryDefence memory, ServiceLog log) {
        this.id = service.id();
        this.ticker = ticker;
        this.memory = memory;
        this.log = log;
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new LongAdder();
        }
        this.rules = new Rules(service, null);
    }

    /** New settings (ipvsadm {@code -E}): new rules; the per-source table is kept when the new limit fits it. */
    void setSettings(VirtualService service) {
        rules = new Rules(service, rules);
    }

    /** The current rules: the snapshot a new connection is admitted and held under. */
    Rules rules() {
        return rules;
    }

    /** Counts {@code outcome} if it is a refusal; returns it. */
    Outcome count(Outcome outcome) {
        Refusal r = outcome.refusal();
        if (r != null) {
            refused[r.ordinal()].increment();
        }
        return outcome;
    }

    /** Counts a refusal a data path made. */
    void count(Refusal reason) {
        refused[reason.ordinal()].increment();
    }

    // ---- the checks

    /** A socket's peer, before anything is read: a service that reads PROXY headers admits only trusted upstreams. */
    Outcome admitPeer(InetSocketAddress peer) {
        List<Cidr> trusted = rules.trustedProxies;
        if (trusted.isEmpty()) {
            return Outcome.ADMITTED;
        }
        InetAddress a = peer.getAddress();
        for (int i = 0, n = trusted.size(); i < n; i++) {
            if (trusted.get(i).contains(a)) {
                return Outcome.ADMITTED;
            }
        }
        return count(Outcome.UNTRUSTED_PROXY);
    }

    /**
     * A new connection or flow of the client at ({@code hi}, {@code lo}) under the rules {@code r}: access lists,
     * memory defence, per-source limits, then a place under the service's connection limit. On
     * {@link Outcome#ADMITTED} with {@code hold} true the caller owes the acquired place and source count to the new
     * entry ({@link #hold}) or gives them back ({@link #giveBack}), under the same {@code r}; a one-packet datagram
     * ({@code hold} false) takes neither. A TCP client at the service's limit ({@code tcp}) waits rather than being
     * refused (a socket data path holds it, a packet data path drops its SYN, which the client sends again):
     * {@link Outcome#SERVICE_LIMIT} is not counted for it.
     */
    Outcome admitNew(Rules r, boolean v6, long hi, long lo, boolean hold, boolean tcp) {
        if (!r.access.admits(v6, hi, lo)) {
            return count(Outcome.ACCESS_DENIED);
        }
        if (memory.refuse()) {
            if (log.due()) {
                log.write(Level.WARNING, r.logPrefix + " - memory is short: new flow refused");
            }
            return count(Outcome.MEMORY_SHORT);
        }
        boolean countSource = hold && r.sources != null && r.sourceMaxOpen > 0;
        if (r.sources != null) {
            Outcome o = admitSource(r, v6, hi, lo, countSource);
            if (o != Outcome.ADMITTED) {
                return o;
            }
        }
        if (hold && !takePlace(r)) {
            if (countSource) {
                r.sources.release(v6, hi, lo);
            }
            return tcp ? Outcome.SERVICE_LIMIT : count(Outcome.SERVICE_LIMIT);
        }
        return Outcome.ADMITTED;
    }

    /**
     * A new TCP connection that reuses a finished entry ({@link ConnectionEntry#finished}: its old connection's
     * sockets are gone, or it is in TIME_WAIT or CLOSE): the access lists, the source's rate (a new connection takes a
     * token), and the source count and place the entry no longer holds (at the limit it waits, uncounted, as in
     * {@link #admitNew}).
     */
    Outcome admitAgain(ConnectionEntry c, boolean v6, long hi, long lo) {
        Rules r = rules;
        if (!r.access.admits(v6, hi, lo)) {
            return count(Outcome.ACCESS_DENIED);
        }
        boolean countSource = r.sources != null && r.sourceMaxOpen > 0 && !c.sourceCounted();
        if (r.sources != null && (countSource || r.sourceInterval > 0)) {
            Outcome o = admitSource(r, v6, hi, lo, countSource);
            if (o != Outcome.ADMITTED) {
                return o;
            }
        }
        if (!c.holdsPlace()) {
            if (!takePlace(r)) {
                if (countSource) {
                    r.sources.release(v6, hi, lo);
                }
                return Outcome.SERVICE_LIMIT;
            }
            if (!c.holdPlace()) { // the entry expired meanwhile
                releasePlace();
            }
        }
        if (countSource) {
            c.countSource(r.sources);
        }
        return Outcome.ADMITTED;
    }

    /**
     * An entry another director sent (connection sync) met its first local packet ({@link ConnectionEntry#adopt}):
     * it takes a place under the service's connection limit and a count in the per-source table, as a connection
     * admitted here would, so that the connections taken over after a failover count toward the limits. It is never
     * refused ("nothing is lost"): over a limit it is counted all the same (the service's open connections, or its
     * source's, exceed the limit, and new connections wait or are refused until they are below it), and logged.
     */
    void adopt(ConnectionEntry c, boolean v6, long hi, long lo) {
        Rules r = rules;
        if (!c.holdsPlace()) {
            int n = open.incrementAndGet();
            if (!c.holdPlace()) {
                releasePlace(); // the entry expired meanwhile
                return;
            }
            if (r.maxConnections > 0 && n > r.maxConnections && log.due()) {
                log.write(Level.WARNING, r.logPrefix + " - a connection taken over from another director is over the "
                        + "connection limit (" + n + " open, " + r.maxConnections + " allowed): kept");
            }
        }
        if (r.sources != null && r.sourceMaxOpen > 0 && !c.sourceCounted()) {
            int result = r.sources.adopt(v6, hi, lo, ticker.nanoTime(), r.sourceMaxOpen);
            if (result != SourceTable.TABLE_FULL) {
                c.countSource(r.sources);
            }
            if (result != SourceTable.ADMITTED && log.due()) {
                log.write(Level.WARNING, r.logPrefix + " - a connection taken over from another director "
                        + (result == SourceTable.TABLE_FULL ? "found the per-source table full: not counted there"
                        : "is over its source's connection limit (" + r.sourceMaxOpen + "): kept"));
            }
        }
    }

    /** Hands what {@link #admitNew} acquired under {@code r} to the new entry {@code c} (before it is published). */
    void hold(Rules r, ConnectionEntry c) {
        c.holdPlace(); // (not published yet: it cannot have expired)
        if (r.sources != null && r.sourceMaxOpen > 0) {
            c.countSource(r.sources);
        }
    }

    /** Gives back what {@link #admitNew} acquired under {@code r} when no entry took it (the flow was not placed). */
    void giveBack(Rules r, boolean v6, long hi, long lo) {
        releasePlace();
        if (r.sources != null && r.sourceMaxOpen > 0) {
            r.sources.release(v6, hi, lo);
        }
    }

    private Outcome admitSource(Rules r, boolean v6, long hi, long lo, boolean countOpen) {
        int result = r.sources.acquire(v6, hi, lo, ticker.nanoTime(), r.sourceMaxOpen, r.sourceInterval,
                r.sourceTolerance, countOpen);
        switch (result) {
            case SourceTable.ADMITTED:
                return Outcome.ADMITTED;
            case SourceTable.TOO_MANY_CONNECTIONS:
                return count(Outcome.SOURCE_CONNECTIONS);
            case SourceTable.RATE_EXCEEDED:
                return count(Outcome.SOURCE_RATE);
            default:
                if (log.due()) {
                    log.write(Level.WARNING, r.logPrefix + " - per-source table full ("
                            + r.defences.sourceLimit().maxSources()
                            + " sources, every one with connections open): new source refused");
                }
                return count(Outcome.SOURCE_TABLE_FULL);
        }
    }

    private boolean takePlace(Rules r) {
        int n = open.incrementAndGet();
        if (r.maxConnections > 0 && n > r.maxConnections) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    /** A connection gave its place back. */
    void releasePlace() {
        open.decrementAndGet();
    }

    /** Whether the service carries its most connections now. */
    boolean atLimit() {
        int max = rules.maxConnections;
        return max > 0 && open.get() >= max;
    }

    /** Connections holding a place now. */
    int open() {
        return open.get();
    }

    // ---- status

    ServiceDefenceStatus status() {
        Rules r = rules;
        Map<Refusal, Long> counts = new EnumMap<>(Refusal.class);
        for (Refusal x : REFUSALS) {
            counts.put(x, refused[x.ordinal()].sum());
        }
        return new ServiceDefenceStatus(id, r.defences, r.sources == null ? 0 : r.sources.tracked(ticker.nanoTime()),
                open.get(), counts);
    }

    /** Zeroes the refusal counters (with the traffic counters, ipvsadm {@code -Z}). */
    void zero() {
        for (LongAdder a : refused) {
            a.reset();
        }
    }

    /** The connections open from {@code client}'s source in the per-source table; for tests. */
    int openFromSource(InetAddress client) {
        SourceTable st = rules.sources;
        return st == null ? 0 : st.openFrom(!(client instanceof java.net.Inet4Address), AddressWords.high(client),
                AddressWords.low(client));
    }
}
