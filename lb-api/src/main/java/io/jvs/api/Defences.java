package io.jvs.api;

import io.jvs.api.internal.Checks;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * The defences of a virtual service that IPVS does not have: access lists, per-source limits, a limit on the
 * connections it carries at once, the upstream balancers it reads PROXY protocol headers from, and how long a TCP
 * client may take to speak first. One immutable value, so that a tool editing a service's IPVS settings (ipvsadm
 * {@code -E}) carries its defences over whole ({@link VirtualService#defences()},
 * {@link VirtualService.Builder#defences}). The {@code with*} methods return modified copies.
 *
 * <p>Every new connection (each TCP connection, each new UDP flow) meets them in order: the PROXY protocol source,
 * the access lists, the memory defence, the per-source limits, the service limit; each refusal is counted under its
 * {@link Refusal} ({@link ServiceDefenceStatus#refusals()}).
 *
 * <pre>{@code
 * Defences d = Defences.NONE
 *         .withDeny(List.of(Cidr.parse("10.66.0.0/16")))
 *         .withSourceLimit(SourceLimit.maxConnections(50).withRate(20, 40))
 *         .withMaxConnections(10_000);
 * }</pre>
 *
 * @since 0.1
 */
public final class Defences {

    /** No defences: every client is admitted. What a service has unless it was given some. */
    public static final Defences NONE = new Defences(List.of(), List.of(), SourceLimit.NONE, 0, List.of(),
            Duration.ZERO);

    /** The longest {@link #clientDataTimeout()}: one hour. */
    public static final Duration MAX_CLIENT_DATA_TIMEOUT = Duration.ofHours(1);

    private final List<Cidr> allow;
    private final List<Cidr> deny;
    private final SourceLimit sourceLimit;
    private final int maxConnections;
    private final List<Cidr> proxyProtocolSources;
    private final Duration clientDataTimeout;

    private Defences(List<Cidr> allow, List<Cidr> deny, SourceLimit sourceLimit, int maxConnections,
            List<Cidr> proxyProtocolSources, Duration clientDataTimeout) {
        this.allow = allow;
        this.deny = deny;
        this.sourceLimit = sourceLimit;
        this.maxConnections = maxConnections;
        this.proxyProtocolSources = proxyProtocolSources;
        this.clientDataTimeout = clientDataTimeout;
    }

    /**
     * The client networks allowed to use the service; empty allows every client that {@link #deny()} does not
     * refuse. The <b>longest</b> network of either list that contains the client's address decides, and a deny wins
     * when an allowed and a denied network have the same length; a client in no network of either list is allowed
     * only if the allow list is empty. So {@code allow 10.0.0.0/8, deny 10.66.0.0/16, allow 10.66.1.0/24} lets
     * 10.66.1.7 in, keeps 10.66.2.7 out, and refuses everyone outside 10/8; the order of the networks does not
     * matter.
     *
     * <p>The address checked is the connection's client: the socket's peer, or, on a service that reads PROXY
     * protocol headers, the source address of the header a trusted upstream sent (the upstream itself must be among
     * {@link #proxyProtocolSources()}, which the access lists do not apply to). A refused TCP client is reset before
     * any real server is contacted; a refused UDP datagram is dropped ({@link Refusal#ACCESS_DENIED}).
     */
    public List<Cidr> allow() {
        return allow;
    }

    /** The client networks refused; see {@link #allow()} for how the two lists combine. */
    public List<Cidr> deny() {
        return deny;
    }

    /**
     * The per-source limits: connections at once and new connections per second per client address or network;
     * {@link SourceLimit#NONE} for none.
     */
    public SourceLimit sourceLimit() {
        return sourceLimit;
    }

    /**
     * The most connections the service carries at once, or 0 for no limit. A connection holds its place from the
     * moment it is placed until its sockets close (socket data paths) or its entry leaves the connection table
     * (packet data paths); UDP flows count too. At the limit a socket data path stops accepting until a connection
     * ends (HAProxy's frontend {@code maxconn}), so new clients wait in the listen backlog, and the datagrams of new
     * UDP clients are dropped while existing flows carry on ({@link Refusal#SERVICE_LIMIT}). Each real server's own
     * limit is its upper threshold ({@link RealServer#withThresholds}).
     */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * The networks of the upstream balancers the service accepts a PROXY protocol header (version 1 or 2) from;
     * empty when the service reads none. When set, every client must send a header and come from one of these
     * networks ({@link Refusal#UNTRUSTED_PROXY}, {@link Refusal#PROXY_HEADER}); the header's source address and port
     * become the connection's client, for scheduling, persistence, listings and the PROXY header sent on to real
     * servers. TCP only.
     */
    public List<Cidr> proxyProtocolSources() {
        return proxyProtocolSources;
    }

    /**
     * How long a TCP client may take to send its first bytes before the service contacts a real server, or
     * {@link Duration#ZERO} to contact it at once. With a timeout, idle and slowloris-style clients never cost a real
     * server a connection; a client silent for the whole timeout is reset ({@link Refusal#CLIENT_DATA_TIMEOUT}).
     * <b>Only for protocols in which the client speaks first</b> (HTTP, TLS, Redis, ...): with one in which the
     * server speaks first (MySQL, SMTP, FTP, SSH) every connection would be closed at the timeout. UDP ignores it.
     */
    public Duration clientDataTimeout() {
        return clientDataTimeout;
    }

    /** Whether the service reads a PROXY protocol header from its clients. */
    public boolean acceptsProxyProtocol() {
        return !proxyProtocolSources.isEmpty();
    }

    /** Whether any defence is set. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /**
     * Whether a client at {@code address} passes the access lists, as {@link #allow()} describes. Meant for tools and
     * tests; the data path checks a compiled copy without allocating.
     *
     * @throws NullPointerException if {@code address} is null
     */
    public boolean admits(InetAddress address) {
        Checks.checkNotNull(address, "address");
        int best = -1;
        boolean allowed = allow.isEmpty();
        for (Cidr c : deny) {
            if (c.prefixLength() > best && c.contains(address)) {
                best = c.prefixLength();
                allowed = false;
            }
        }
        for (Cidr c : allow) {
            if (c.prefixLength() > best && c.contains(address)) {
                best = c.prefixLength();
                allowed = true;
            }
        }
        return allowed;
    }

    /**
     * A copy with {@code networks} as its allow list (IPv4 and IPv6 may be mixed; duplicates are dropped).
     *
     * @param networks the networks; empty for no allow list
     * @throws NullPointerException if {@code networks} or one of them is null
     */
    public Defences withAllow(Iterable<Cidr> networks) {
        return new Defences(networks(networks, "allow"), deny, sourceLimit, maxConnections, proxyProtocolSources,
                clientDataTimeout);
    }

    /**
     * A copy with {@code networks} as its deny list.
     *
     * @param networks the networks; empty for no deny list
     * @throws NullPointerException if {@code networks} or one of them is null
     */
    public Defences withDeny(Iterable<Cidr> networks) {
        return new Defences(allow, networks(networks, "deny"), sourceLimit, maxConnections, proxyProtocolSources,
                clientDataTimeout);
    }

    /**
     * A copy with these per-source limits ({@link SourceLimit#NONE} for none).
     *
     * @throws NullPointerException if {@code limit} is null
     */
    public Defences withSourceLimit(SourceLimit limit) {
        Checks.checkNotNull(limit, "sourceLimit");
        return new Defences(allow, deny, limit, maxConnections, proxyProtocolSources, clientDataTimeout);
    }

    /**
     * A copy that carries at most {@code max} connections at once (0 for no limit).
     *
     * @throws IllegalArgumentException if {@code max} is negative
     */
    public Defences withMaxConnections(int max) {
        Checks.checkInRange(max, 0, Integer.MAX_VALUE, "maxConnections");
        return new Defences(allow, deny, sourceLimit, max, proxyProtocolSources, clientDataTimeout);
    }

    /**
     * A copy that reads a PROXY protocol header from clients in {@code trusted} (empty: reads none).
     *
     * @throws NullPointerException if {@code trusted} or one of them is null
     */
    public Defences withProxyProtocolSources(Iterable<Cidr> trusted) {
        return new Defences(allow, deny, sourceLimit, maxConnections, networks(trusted, "proxyProtocolSources"),
                clientDataTimeout);
    }

    /**
     * A copy that waits up to {@code timeout} for a TCP client's first bytes ({@link Duration#ZERO}: does not wait).
     *
     * @param timeout 0, or 1 ms to 1 hour
     * @throws IllegalArgumentException if the timeout is out of range
     */
    public Defences withClientDataTimeout(Duration timeout) {
        Checks.checkNotNull(timeout, "clientDataTimeout");
        Checks.checkArgument(timeout.isZero() || (timeout.toMillis() >= 1
                && timeout.compareTo(MAX_CLIENT_DATA_TIMEOUT) <= 0), "clientDataTimeout", timeout, "0 or PT0.001S-PT1H");
        return new Defences(allow, deny, sourceLimit, maxConnections, proxyProtocolSources, timeout);
    }

    static List<Cidr> networks(Iterable<Cidr> networks, String name) {
        Checks.checkNotNull(networks, name);
        List<Cidr> list = new ArrayList<>();
        for (Cidr c : networks) {
            list.add(Checks.checkNotNull(c, "cidr"));
        }
        return List.copyOf(new LinkedHashSet<>(list));
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Defences)) {
            return false;
        }
        Defences d = (Defences) o;
        return maxConnections == d.maxConnections && allow.equals(d.allow) && deny.equals(d.deny)
                && sourceLimit.equals(d.sourceLimit) && proxyProtocolSources.equals(d.proxyProtocolSources)
                && clientDataTimeout.equals(d.clientDataTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(allow, deny, sourceLimit, maxConnections, proxyProtocolSources, clientDataTimeout);
    }

    /** The defences set, as {@code VirtualService.toString()} prints them: {@code maxconn 100 allow [10.0.0.0/8]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        if (maxConnections != 0) {
            sb.append(" maxconn ").append(maxConnections);
        }
        if (!proxyProtocolSources.isEmpty()) {
            sb.append(" accept-proxy ").append(proxyProtocolSources);
        }
        if (!allow.isEmpty()) {
            sb.append(" allow ").append(allow);
        }
        if (!deny.isEmpty()) {
            sb.append(" deny ").append(deny);
        }
        if (sourceLimit.isLimited()) {
            sb.append(" source-limit ").append(sourceLimit);
        }
        if (!clientDataTimeout.isZero()) {
            sb.append(" await-data ").append(clientDataTimeout.toMillis()).append("ms");
        }
        return sb.length() == 0 ? "none" : sb.substring(1);
    }
}
