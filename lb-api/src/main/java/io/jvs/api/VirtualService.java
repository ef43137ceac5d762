package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A virtual service (VS): where clients connect, how new connections are spread over the real servers, and
 * the real servers themselves. An immutable definition made with a {@link Builder}; a
 * {@link LoadBalancer} runs it.
 *
 * <pre>{@code
 * VirtualService web = VirtualService.tcp("10.0.0.1", 80)        // ipvsadm -A -t 10.0.0.1:80
 *         .scheduler("wrr")                                       //   -s wrr
 *         .persistence(Duration.ofMinutes(5))                     //   -p 300
 *         .realServer(RealServer.of("192.168.1.2", 80).withWeight(3))
 *         .realServer(RealServer.of("192.168.1.3", 80))           // ipvsadm -a ... -w 1
 *         .build();
 * }</pre>
 *
 * <p>Each builder option may be set once; a second call throws {@link IllegalStateException} (a defence set
 * alone, or all of them with {@link Builder#defences}, counts as set). Values are checked as they are set, and
 * {@link Builder#build()} checks the combination; a rejected value leaves the builder as it was.
 *
 * @since 0.1
 */
public final class VirtualService {

    /** The scheduler a service gets when none is set, as in ipvsadm. */
    public static final String DEFAULT_SCHEDULER = "wlc";

    /** The longest persistence timeout ipvsadm accepts: 31 days. */
    public static final Duration MAX_PERSISTENCE = Duration.ofSeconds(2_678_400);

    private final ServiceId id;
    private final List<Endpoint> endpoints;
    private final Scheduler.Factory scheduler;
    private final Duration persistence;
    private final PersistenceMask netmask;
    private final boolean onePacket;
    private final Set<SchedulerFlag> schedulerFlags;
    private final List<RealServer> realServers;
    private final Defences defences;

    private VirtualService(Builder b, Scheduler.Factory scheduler) {
        this.id = b.id;
        this.endpoints = List.copyOf(b.endpoints);
        this.scheduler = scheduler;
        this.persistence = b.persistence == null ? Duration.ZERO : b.persistence;
        this.netmask = b.netmask;
        this.onePacket = b.onePacket;
        this.schedulerFlags = Collections.unmodifiableSet(b.schedulerFlags.isEmpty()
                ? EnumSet.noneOf(SchedulerFlag.class) : EnumSet.copyOf(b.schedulerFlags));
        this.realServers = List.copyOf(b.realServers.values());
        this.defences = b.defences;
    }

    /** Starts a TCP service on {@code host:port} (ipvsadm {@code -t}); an IP literal or a name resolved now. */
    public static Builder tcp(String host, int port) {
        return new Builder(ServiceId.tcp(socketAddress(host, port)));
    }

    /** Starts a TCP service on a resolved address (ipvsadm {@code -t}). */
    public static Builder tcp(InetSocketAddress address) {
        return new Builder(ServiceId.tcp(address));
    }

    /** Starts a UDP service on {@code host:port} (ipvsadm {@code -u}); an IP literal or a name resolved now. */
    public static Builder udp(String host, int port) {
        return new Builder(ServiceId.udp(socketAddress(host, port)));
    }

    /** Starts a UDP service on a resolved address (ipvsadm {@code -u}). */
    public static Builder udp(InetSocketAddress address) {
        return new Builder(ServiceId.udp(address));
    }

    /**
     * Starts an IPv4 firewall-mark service group (ipvsadm {@code -f MARK}): several endpoints, added with
     * {@link Builder#endpoint(Protocol, InetSocketAddress)}, that share real servers and persistence.
     */
    public static Builder fwmark(int mark) {
        return new Builder(ServiceId.fwmark(mark, StandardProtocolFamily.INET));
    }

    /** Starts a service with the given id. */
    public static Builder builder(ServiceId id) {
        return new Builder(Checks.checkNotNull(id, "id"));
    }

    private static InetSocketAddress socketAddress(String host, int port) {
        Checks.checkNotNull(host, "host");
        Checks.checkInRange(port, 0, 65535, "port");
        return new InetSocketAddress(Addresses.resolve(host, "host"), port);
    }

    /** What identifies the service. */
    public ServiceId id() {
        return id;
    }

    /**
     * Where the service receives traffic: for a TCP or UDP service its one address; for a firewall-mark group
     * the endpoints it was given (possibly none: then it receives nothing, as an IPVS mark no packet carries).
     */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The scheduler's factory. */
    public Scheduler.Factory scheduler() {
        return scheduler;
    }

    /** The scheduler's name, as ipvsadm prints it. */
    public String schedulerName() {
        return scheduler.name();
    }

    /** Whether the service is persistent (ipvsadm {@code -p}). */
    public boolean isPersistent() {
        return !persistence.isZero();
    }

    /** The persistence timeout, whole seconds, or {@link Duration#ZERO} if the service is not persistent. */
    public Duration persistence() {
        return persistence;
    }

    /**
     * The persistence granularity (ipvsadm {@code -M}): clients whose addresses agree under this mask share a
     * persistence template. Defaults to a host mask, 255.255.255.255 or /128.
     */
    public InetAddress persistenceNetmask() {
        return netmask.address();
    }

    /**
     * The persistence netmask as a prefix length (0-32 or 1-128), or -1 for an IPv4 mask whose one bits are not
     * contiguous (ipvsadm accepts any dotted mask).
     */
    public int persistencePrefixLength() {
        return netmask.prefix();
    }

    /** Whether every datagram is scheduled on its own (ipvsadm {@code -o}, UDP only). */
    public boolean isOnePacket() {
        return onePacket;
    }

    /** The scheduler flags (ipvsadm {@code -b}). */
    public Set<SchedulerFlag> schedulerFlags() {
        return schedulerFlags;
    }

    /**
     * The service's defences beyond IPVS: access lists, per-source limits, the connection limit, PROXY protocol
     * sources, the client data timeout ({@link Defences#NONE} by default).
     */
    public Defences defences() {
        return defences;
    }

    /** The real servers, in the order they were added. A running service keeps them newest first, as IPVS does. */
    public List<RealServer> realServers() {
        return realServers;
    }

    /**
     * A copy of this service with {@code servers} as its real servers instead of the current ones.
     *
     * @throws IllegalArgumentException if two servers share an address and port
     */
    public VirtualService withRealServers(Iterable<RealServer> servers) {
        Builder b = toBuilder();
        b.realServers.clear();
        return b.realServers(servers).build();
    }

    /**
     * A builder holding this service's values, each of which may be set once more. Real servers are kept;
     * {@link Builder#realServer(RealServer)} adds to them.
     */
    public Builder toBuilder() {
        Builder b = new Builder(id);
        b.endpoints.addAll(endpoints);
        b.scheduler = scheduler instanceof DefaultScheduler ? null : scheduler;
        b.persistence = isPersistent() ? persistence : null;
        b.netmask = netmask;
        b.onePacket = onePacket;
        b.schedulerFlags.addAll(schedulerFlags);
        b.defences = defences;
        for (RealServer rs : realServers) {
            b.realServers.put(rs.address(), rs);
        }
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VirtualService that && netmask.equals(that.netmask) && onePacket == that.onePacket
                && id.equals(that.id) && endpoints.equals(that.endpoints)
                && scheduler.name().equals(that.scheduler.name()) && persistence.equals(that.persistence)
                && schedulerFlags.equals(that.schedulerFlags) && realServers.equals(that.realServers)
                && defences.equals(that.defences);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, endpoints, scheduler.name(), persistence, netmask, onePacket,
                schedulerFlags, realServers, defences);
    }

    /** For example {@code TCP 10.0.0.1:80 wrr persistent 300 [10.0.0.11:80 FullNat weight 3, ...]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(id).append(' ').append(scheduler.name());
        if (isPersistent()) {
            sb.append(" persistent ").append(persistence.getSeconds());
            if (!netmask.isHost()) {
                sb.append(" mask ").append(netmask);
            }
        }
        if (onePacket) {
            sb.append(" ops");
        }
        if (id.isFwmark()) {
            sb.append(" endpoints ").append(endpoints);
        }
        if (!defences.isEmpty()) {
            sb.append(' ').append(defences);
        }
        sb.append(' ');
        if (realServers.size() <= 8) {
            return sb.append(realServers).toString();
        }
        // A log line per change must not grow with a service of 100,000 servers: the first eight and a count.
        String first = realServers.subList(0, 8).toString();
        return sb.append(first, 0, first.length() - 1).append(", ... ").append(realServers.size() - 8)
                .append(" more]").toString();
    }

    /**
     * Builds a {@link VirtualService}. Options are set once and checked as they are set; {@link #build()}
     * checks the combination and leaves the builder unchanged, so it can build again.
     */
    public static final class Builder {
        private final ServiceId id;
        private final Set<Endpoint> endpoints = new LinkedHashSet<>();
        private final Set<SchedulerFlag> schedulerFlags = EnumSet.noneOf(SchedulerFlag.class);
        private final Map<InetSocketAddress, RealServer> realServers = new LinkedHashMap<>();
        private Scheduler.Factory scheduler;
        private Duration persistence;
        private PersistenceMask netmask;
        private boolean onePacket;
        private Defences defences = Defences.NONE;
        /** The options set on this builder (toBuilder() pre-fills values without marking them set). */
        private final Set<Option> set = EnumSet.noneOf(Option.class);

        /** The set-once options. */
        private enum Option {
            SCHEDULER, PERSISTENCE, NETMASK, ONE_PACKET, FLAGS, DEFENCES, MAX_CONNECTIONS, PROXY_PROTOCOL, ALLOW, DENY,
            SOURCE_LIMIT, CLIENT_DATA_TIMEOUT;

            /** The options {@link Builder#defences(Defences)} sets at once. */
            static final Set<Option> DEFENCE_OPTIONS = EnumSet.of(MAX_CONNECTIONS, PROXY_PROTOCOL, ALLOW, DENY,
                    SOURCE_LIMIT, CLIENT_DATA_TIMEOUT);
        }

        /** Marks {@code option} set, or throws {@code name was already set to value} if it was. */
        private void setOnce(Option option, String name, Object value) {
            boolean defence = Option.DEFENCE_OPTIONS.contains(option);
            if (set.contains(option) || (defence && set.contains(Option.DEFENCES))) {
                throw new IllegalStateException(name + " was already set to "
                        + (set.contains(Option.DEFENCES) && defence ? "defences " + defences : value));
            }
            set.add(option);
        }

        Builder(ServiceId id) {
            this.id = id;
            this.netmask = id.family() == StandardProtocolFamily.INET ? PersistenceMask.HOST_V4
                    : PersistenceMask.HOST_V6;
            if (!id.isFwmark()) {
                endpoints.add(Endpoint.of(id.protocol(), id.address()));
            }
        }

        /**
         * Sets the scheduler by name (ipvsadm {@code -s}); the default is {@value #DEFAULT_SCHEDULER}.
         *
         * @throws IllegalArgumentException naming the registered schedulers if none has this name
         */
        public Builder scheduler(String name) {
            Checks.checkNotNull(name, "scheduler");
            return scheduler(Scheduler.Factory.byName(name));
        }

        /**
         * Sets the scheduler by factory, for schedulers that are not registered by name.
         */
        public Builder scheduler(Scheduler.Factory factory) {
            Checks.checkNotNull(factory, "scheduler");
            setOnce(Option.SCHEDULER, "scheduler", scheduler == null ? null : scheduler.name());
            scheduler = factory;
            return this;
        }

        /**
         * Makes the service persistent (ipvsadm {@code -p}): a client's new connections go to the server its
         * earlier ones went to, until {@code timeout} passes with no new connection from it.
         *
         * @param timeout whole seconds, 1 s to 31 days (ipvsadm's range)
         * @throws IllegalArgumentException if the timeout is out of range or not whole seconds
         */
        public Builder persistence(Duration timeout) {
            Checks.checkNotNull(timeout, "persistence");
            Checks.checkArgument(!timeout.isNegative() && !timeout.isZero() && timeout.getNano() == 0
                    && timeout.compareTo(MAX_PERSISTENCE) <= 0, "persistence", timeout, "whole seconds, PT1S-PT744H");
            setOnce(Option.PERSISTENCE, "persistence", persistence);
            persistence = timeout;
            return this;
        }

        /**
         * Sets the persistence granularity as a prefix length (ipvsadm {@code -M}): 0-32 for an IPv4 service,
         * 1-128 for an IPv6 one. {@code 24} makes all clients of a /24 share one real server.
         *
         * @throws IllegalArgumentException if the length is out of range for the service's family
         */
        public Builder persistenceNetmask(int prefixLength) {
            return netmask(PersistenceMask.ofPrefix(id.family() == StandardProtocolFamily.INET, prefixLength));
        }

        /**
         * Sets the persistence granularity as an IPv4 dotted mask, as ipvsadm {@code -M 255.255.255.0} does. Any
         * mask is accepted, as in ipvsadm; for an IPv6 service give an IPv6 mask of contiguous one bits.
         *
         * @throws IllegalArgumentException if the mask's family differs from the service's, or an IPv6 mask is
         *     not a prefix
         */
        public Builder persistenceNetmask(InetAddress mask) {
            return netmask(PersistenceMask.ofAddress(id.family() == StandardProtocolFamily.INET, mask));
        }

        private Builder netmask(PersistenceMask mask) {
            if (set.contains(Option.NETMASK)) {
                throw new IllegalStateException("persistenceNetmask was already set to " + netmask.describe());
            }
            netmask = mask;
            set.add(Option.NETMASK);
            return this;
        }

        /**
         * Schedules every datagram on its own and keeps no flow entry (ipvsadm {@code -o}). Only for UDP services
         * and firewall-mark groups (where it applies to their UDP traffic).
         */
        public Builder onePacket() {
            setOnce(Option.ONE_PACKET, "onePacket", onePacket ? Boolean.TRUE : null);
            onePacket = true;
            return this;
        }

        /**
         * Sets the scheduler flags (ipvsadm {@code -b}); {@link SchedulerFlag#parse(String, String)} turns
         * ipvsadm's names into flags.
         */
        public Builder schedulerFlags(Set<SchedulerFlag> flags) {
            Checks.checkNotNull(flags, "schedulerFlags");
            for (SchedulerFlag f : flags) {
                Checks.checkNotNull(f, "schedulerFlag");
            }
            setOnce(Option.FLAGS, "schedulerFlags", EnumSet.copyOf(schedulerFlags));
            schedulerFlags.clear();
            schedulerFlags.addAll(flags);
            return this;
        }

        /**
         * Limits the connections and UDP flows the service carries at once ({@link Defences#maxConnections()}).
         *
         * @param max 1 to {@link Integer#MAX_VALUE}
         * @throws IllegalArgumentException if {@code max} is less than 1
         */
        public Builder maxConnections(int max) {
            Checks.checkInRange(max, 1, Integer.MAX_VALUE, "maxConnections");
            setOnce(Option.MAX_CONNECTIONS, "maxConnections", defences.maxConnections());
            defences = defences.withMaxConnections(max);
            return this;
        }

        /**
         * Makes the service read a PROXY protocol header (v1 or v2) from every client, as behind another balancer
         * (HAProxy {@code accept-proxy}); only clients in {@code trusted} may send one
         * ({@link Defences#proxyProtocolSources()}).
         *
         * @param trusted the upstream balancers' networks, at least one
         * @throws IllegalArgumentException if {@code trusted} is empty
         */
        public Builder acceptProxyProtocol(Iterable<Cidr> trusted) {
            List<Cidr> list = networks(trusted, "acceptProxyProtocol", "at least one trusted network");
            setOnce(Option.PROXY_PROTOCOL, "acceptProxyProtocol", defences.proxyProtocolSources());
            defences = defences.withProxyProtocolSources(list);
            return this;
        }

        /**
         * Allows only clients in these networks (IPv4 and IPv6 may be mixed); how it combines with {@link #deny}:
         * {@link Defences#allow()} (the longest matching network decides, a deny wins a tie).
         *
         * @param networks at least one network
         * @throws IllegalArgumentException if {@code networks} is empty
         */
        public Builder allow(Iterable<Cidr> networks) {
            List<Cidr> list = networks(networks, "allow", "at least one network");
            setOnce(Option.ALLOW, "allow", defences.allow());
            defences = defences.withAllow(list);
            return this;
        }

        /**
         * Refuses clients in these networks (IPv4 and IPv6 may be mixed; {@link Defences#deny()}).
         *
         * @param networks at least one network
         * @throws IllegalArgumentException if {@code networks} is empty
         */
        public Builder deny(Iterable<Cidr> networks) {
            List<Cidr> list = networks(networks, "deny", "at least one network");
            setOnce(Option.DENY, "deny", defences.deny());
            defences = defences.withDeny(list);
            return this;
        }

        /** The networks as {@link Defences} keeps them, refused when there are none. */
        private static List<Cidr> networks(Iterable<Cidr> networks, String name, String expected) {
            List<Cidr> list = Defences.networks(networks, name);
            Checks.checkArgument(!list.isEmpty(), name, list, expected);
            return list;
        }

        /**
         * Limits what one client source may open: connections at once and new connections per second
         * ({@link SourceLimit}, {@link Defences#sourceLimit()}).
         */
        public Builder sourceLimit(SourceLimit limit) {
            Checks.checkNotNull(limit, "sourceLimit");
            setOnce(Option.SOURCE_LIMIT, "sourceLimit", defences.sourceLimit());
            defences = defences.withSourceLimit(limit);
            return this;
        }

        /**
         * Sets every defence at once (access lists, per-source limits, the connection limit, PROXY protocol sources,
         * the client data timeout), for example to carry a running service's defences over to an edited copy.
         *
         * @throws IllegalStateException if the defences, or any one of them, were already set
         */
        public Builder defences(Defences defences) {
            Checks.checkNotNull(defences, "defences");
            for (Option o : Option.DEFENCE_OPTIONS) {
                if (set.contains(o)) {
                    throw new IllegalStateException("defences: " + o.name().toLowerCase(java.util.Locale.ROOT)
                            + " was already set (expected: defences set whole, or one by one)");
                }
            }
            setOnce(Option.DEFENCES, "defences", this.defences);
            this.defences = defences;
            return this;
        }

        /**
         * Makes a TCP service wait up to {@code timeout} for each client's first bytes before it contacts a real
         * server ({@link Defences#clientDataTimeout()}: <b>only for protocols in which the client speaks first</b>).
         *
         * @param timeout 1 ms to 1 hour
         * @throws IllegalArgumentException if the timeout is out of range
         */
        public Builder awaitClientData(Duration timeout) {
            Checks.checkNotNull(timeout, "awaitClientData");
            Checks.checkArgument(timeout.toMillis() >= 1 && timeout.compareTo(Duration.ofHours(1)) <= 0,
                    "awaitClientData", timeout, "PT0.001S-PT1H");
            setOnce(Option.CLIENT_DATA_TIMEOUT, "awaitClientData", defences.clientDataTimeout());
            defences = defences.withClientDataTimeout(timeout);
            return this;
        }

        /**
         * Adds an endpoint to a firewall-mark service group. A TCP or UDP service has exactly one endpoint, its
         * own address.
         *
         * @throws IllegalArgumentException if this is not a firewall-mark service, the address family differs
         *     from the group's, or the endpoint was already added
         */
        public Builder endpoint(Protocol protocol, InetSocketAddress address) {
            Endpoint e = Endpoint.of(protocol, address);
            Checks.checkArgument(id.isFwmark(), "endpoint", e, "only for firewall-mark services; " + id
                    + " has its own");
            boolean v6 = address.getAddress() instanceof Inet6Address;
            Checks.checkArgument(v6 == (id.family() == StandardProtocolFamily.INET6), "endpoint", e,
                    "an address of the group's family " + id.family());
            Checks.checkArgument(!endpoints.contains(e), "endpoint", e, "not a duplicate");
            endpoints.add(e);
            return this;
        }

        /**
         * Adds a real server (ipvsadm {@code -a}).
         *
         * @throws IllegalArgumentException if a server with the same address and port was already added
         */
        public Builder realServer(RealServer server) {
            Checks.checkNotNull(server, "realServer");
            if (realServers.containsKey(server.address())) {
                throw new IllegalArgumentException("duplicate real server: " + Addresses.toString(server.address()));
            }
            realServers.put(server.address(), server);
            return this;
        }

        /**
         * Adds real servers in order; none is added if any is rejected.
         *
         * @throws IllegalArgumentException if two servers share an address and port, or one was already added
         */
        public Builder realServers(Iterable<RealServer> servers) {
            Checks.checkNotNull(servers, "realServers");
            Map<InetSocketAddress, RealServer> added = new LinkedHashMap<>();
            for (RealServer rs : servers) {
                Checks.checkNotNull(rs, "realServer");
                if (realServers.containsKey(rs.address()) || added.put(rs.address(), rs) != null) {
                    throw new IllegalArgumentException("duplicate real server: " + Addresses.toString(rs.address()));
                }
            }
            realServers.putAll(added);
            return this;
        }

        /**
         * Builds the service.
         *
         * @throws IllegalArgumentException if the options do not fit together: a port-0 service that is not
         *     persistent, or one-packet scheduling on a TCP service
         */
        public VirtualService build() {
            if (!id.isFwmark() && id.address().getPort() == 0 && persistence == null) {
                throw new IllegalArgumentException("port: 0 (expected: 1-65535 for a non-persistent service; "
                        + "port 0 stands for every port and needs persistence)");
            }
            if (onePacket && !id.isFwmark() && id.protocol() != Protocol.UDP) {
                throw new IllegalArgumentException("onePacket: true (expected: only for UDP virtual services, not "
                        + id + ")");
            }
            Scheduler.Factory f = scheduler == null ? DefaultScheduler.INSTANCE : scheduler;
            return new VirtualService(this, f);
        }

        /** The options set so far, for example {@code VirtualService.Builder[TCP 10.0.0.1:80, scheduler=wrr]}. */
        @Override
        public String toString() {
            List<String> parts = new ArrayList<>(List.of(id.toString()));
            add(parts, scheduler != null, "scheduler=" + (scheduler == null ? "" : scheduler.name()));
            add(parts, persistence != null, "persistence=" + persistence);
            add(parts, set.contains(Option.NETMASK), "persistenceNetmask=" + netmask.prefix());
            add(parts, onePacket, "onePacket");
            add(parts, !schedulerFlags.isEmpty(), "schedulerFlags=" + schedulerFlags);
            add(parts, !defences.isEmpty(), "defences=" + defences);
            add(parts, !realServers.isEmpty(), "realServers=" + realServers.values());
            return "VirtualService.Builder" + parts;
        }

        private static void add(List<String> parts, boolean set, String part) {
            if (set) {
                parts.add(part);
            }
        }
    }
}
