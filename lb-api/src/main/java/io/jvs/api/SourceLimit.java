package io.jvs.api;

import io.jvs.api.internal.Checks;
import java.util.Objects;

/**
 * Limits on what one client source may open on a virtual service: connections at once, and new connections per
 * second (a token bucket). A source is a client address cut to a prefix length, by default the address itself for
 * IPv4 ({@code /32}) and its {@code /64} for IPv6 (one IPv6 host usually holds a whole /64, so counting per address
 * would let it walk around the limit). An immutable value; the {@code with*} methods return modified copies.
 *
 * <pre>{@code
 * VirtualService.tcp("10.0.0.1", 80)
 *         .sourceLimit(SourceLimit.maxConnections(50)        // at most 50 open connections per client address
 *                 .withRate(20, 40))                         // and 20 new ones per second, bursts of 40
 *         ...
 * }</pre>
 *
 * <p>A connection over a limit is refused before any real server is contacted (a TCP client is reset, a UDP
 * datagram dropped) and counted ({@link ServiceDefenceStatus}). For TCP a connection counts from the moment it is
 * accepted until both its sockets are closed; for UDP a flow counts until it expires. The director tracks sources
 * in a table of fixed size ({@link #maxSources()}), so memory stays bounded however many clients there are: a
 * source drops out of it once it has nothing open and its bucket is full again. When every place a new source
 * could take is held by sources with open connections, the new source is refused (and counted as
 * {@link ServiceDefenceStatus#sourceTableFull()}); size the table above the number of clients you expect at once.
 *
 * @since 0.1
 */
public final class SourceLimit {

    /** No limit: what a service has unless {@link VirtualService.Builder#sourceLimit} was given. */
    public static final SourceLimit NONE = new SourceLimit(32, 64, 0, 0, 0, 65536);

    /** The default size of the table of tracked sources. */
    public static final int DEFAULT_MAX_SOURCES = 65536;
    /** The largest table of tracked sources: 2^24 (about 500 MiB). */
    public static final int MAX_MAX_SOURCES = 1 << 24;

    private final int ipv4PrefixLength;
    private final int ipv6PrefixLength;
    private final int maxConnections;
    private final int ratePerSecond;
    private final int burst;
    private final int maxSources;

    private SourceLimit(int ipv4PrefixLength, int ipv6PrefixLength, int maxConnections, int ratePerSecond, int burst,
            int maxSources) {
        this.ipv4PrefixLength = ipv4PrefixLength;
        this.ipv6PrefixLength = ipv6PrefixLength;
        this.maxConnections = maxConnections;
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxSources = maxSources;
    }

    /**
     * At most {@code max} connections open at once per source.
     *
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public static SourceLimit maxConnections(int max) {
        return NONE.withMaxConnections(max);
    }

    /**
     * At most {@code perSecond} new connections per second per source, in bursts of up to {@code burst}.
     *
     * @throws IllegalArgumentException if a value is out of range (see {@link #withRate})
     */
    public static SourceLimit rate(int perSecond, int burst) {
        return NONE.withRate(perSecond, burst);
    }

    /**
     * This limit with at most {@code max} connections open at once per source.
     *
     * @param max 1 to {@link Integer#MAX_VALUE}
     * @throws IllegalArgumentException if {@code max} is less than 1
     */
    public SourceLimit withMaxConnections(int max) {
        Checks.checkInRange(max, 1, Integer.MAX_VALUE, "maxConnections");
        return new SourceLimit(ipv4PrefixLength, ipv6PrefixLength, max, ratePerSecond, burst, maxSources);
    }

    /**
     * This limit with a token bucket on new connections: it holds up to {@code burst} tokens, refills at
     * {@code perSecond} tokens a second, and each new connection takes one; with none left the connection is
     * refused. A refused connection takes no token.
     *
     * @param perSecond 1-1000000
     * @param burst 1-1000000, the most connections a source may open at once after a quiet spell
     * @throws IllegalArgumentException if a value is out of range
     */
    public SourceLimit withRate(int perSecond, int burst) {
        Checks.checkInRange(perSecond, 1, 1_000_000, "rate");
        Checks.checkInRange(burst, 1, 1_000_000, "burst");
        return new SourceLimit(ipv4PrefixLength, ipv6PrefixLength, maxConnections, perSecond, burst, maxSources);
    }

    /**
     * This limit counting clients by network rather than by address: clients whose addresses agree in the first
     * {@code ipv4} (IPv4) or {@code ipv6} (IPv6) bits share one budget. The defaults are 32 and 64.
     *
     * @param ipv4 1-32
     * @param ipv6 1-128
     * @throws IllegalArgumentException if a length is out of range
     */
    public SourceLimit withPrefixLengths(int ipv4, int ipv6) {
        Checks.checkInRange(ipv4, 1, 32, "ipv4PrefixLength");
        Checks.checkInRange(ipv6, 1, 128, "ipv6PrefixLength");
        return new SourceLimit(ipv4, ipv6, maxConnections, ratePerSecond, burst, maxSources);
    }

    /**
     * This limit with room for {@code max} sources in the tracking table (rounded up to a power of two; about
     * 30 bytes each, allocated when the service starts). The default is {@value #DEFAULT_MAX_SOURCES}.
     *
     * @param max 16 to {@value #MAX_MAX_SOURCES}
     * @throws IllegalArgumentException if {@code max} is out of range
     */
    public SourceLimit withMaxSources(int max) {
        Checks.checkInRange(max, 16, MAX_MAX_SOURCES, "maxSources");
        return new SourceLimit(ipv4PrefixLength, ipv6PrefixLength, maxConnections, ratePerSecond, burst, max);
    }

    /** Whether this limits anything: a connection limit or a rate. */
    public boolean isLimited() {
        return maxConnections > 0 || ratePerSecond > 0;
    }

    /** The prefix length that makes an IPv4 client a source (default 32). */
    public int ipv4PrefixLength() {
        return ipv4PrefixLength;
    }

    /** The prefix length that makes an IPv6 client a source (default 64). */
    public int ipv6PrefixLength() {
        return ipv6PrefixLength;
    }

    /** The most connections a source may have open at once, or 0 for no limit. */
    public int maxConnections() {
        return maxConnections;
    }

    /** New connections per second a source's bucket refills with, or 0 for no rate limit. */
    public int ratePerSecond() {
        return ratePerSecond;
    }

    /** The size of a source's bucket: the most new connections it may open at once; 0 without a rate limit. */
    public int burst() {
        return burst;
    }

    /** How many sources the tracking table holds. */
    public int maxSources() {
        return maxSources;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SourceLimit)) {
            return false;
        }
        SourceLimit that = (SourceLimit) o;
        return ipv4PrefixLength == that.ipv4PrefixLength && ipv6PrefixLength == that.ipv6PrefixLength
                && maxConnections == that.maxConnections && ratePerSecond == that.ratePerSecond
                && burst == that.burst && maxSources == that.maxSources;
    }

    @Override
    public int hashCode() {
        return Objects.hash(ipv4PrefixLength, ipv6PrefixLength, maxConnections, ratePerSecond, burst, maxSources);
    }

    /** For example {@code per /32 and /64: 50 connections, 20/s burst 40}, or {@code none}. */
    @Override
    public String toString() {
        if (!isLimited()) {
            return "none";
        }
        StringBuilder sb = new StringBuilder("per /").append(ipv4PrefixLength).append(" and /")
                .append(ipv6PrefixLength).append(':');
        if (maxConnections > 0) {
            sb.append(' ').append(maxConnections).append(" connections");
        }
        if (ratePerSecond > 0) {
            sb.append(maxConnections > 0 ? ", " : " ").append(ratePerSecond).append("/s burst ").append(burst);
        }
        if (maxSources != DEFAULT_MAX_SOURCES) {
            sb.append(", ").append(maxSources).append(" sources tracked");
        }
        return sb.toString();
    }
}
