package io.jvs.health;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One keepalived {@code virtual_server}: one or more virtual services that share their real servers, those
 * servers' checks, a quorum and a sorry server. A single service is the usual case; a keepalived
 * {@code virtual_server group} gives one virtual service per group entry, all fed by the same checks.
 *
 * <p>The real servers of {@link #services()} are the {@link #servers() checked servers} at their configured
 * weights; a {@link HealthChecker} runs the service with the servers that are healthy.
 *
 * <p><b>Quorum</b> (keepalived's meaning): the live weight is the sum of the weights of the servers that are up.
 * The service has quorum while the live weight is at least {@code quorum - hysteresis}; once lost, it regains
 * quorum when the live weight reaches {@code quorum + hysteresis}. A live weight of 0 always loses it. When it
 * loses quorum and there is a {@link #sorryServer() sorry server}, every real server is taken out (or kept at
 * weight 0 if it inhibits on failure) and the sorry server put in; when quorum comes back, the sorry server
 * goes and the healthy servers return. With the default quorum 1 the sorry server serves exactly while every
 * real server is down.
 *
 * <pre>{@code
 * CheckedService web = CheckedService.builder(VirtualService.tcp("10.0.0.1", 80).scheduler("wrr")
 *                 .realServer(RealServer.of("10.0.0.11", 80).withWeight(3))
 *                 .realServer(RealServer.of("10.0.0.12", 80))
 *                 .build())
 *         .servers(s -> s.withChecks(HealthCheck.tcp()).withInhibitOnFailure(true))
 *         .sorryServer(RealServer.of("10.0.0.99", 80))
 *         .build();
 * }</pre>
 *
 * @since 0.1
 */
public final class CheckedService {

    private final List<VirtualService> services;
    private final List<CheckedServer> servers;
    private final int quorum;
    private final int hysteresis;
    private final RealServer sorryServer;
    private final boolean sorryServerInhibit;

    private CheckedService(List<VirtualService> services, List<CheckedServer> servers, int quorum, int hysteresis,
            RealServer sorryServer, boolean sorryServerInhibit) {
        this.services = services;
        this.servers = servers;
        this.quorum = quorum;
        this.hysteresis = hysteresis;
        this.sorryServer = sorryServer;
        this.sorryServerInhibit = sorryServerInhibit;
    }

    /**
     * Starts a checked service from {@code service}: its real servers become the checked servers, with no
     * checks until {@link Builder#server} or {@link Builder#servers} gives them some.
     */
    public static Builder builder(VirtualService service) {
        return new Builder(Checks.checkNotNull(service, "service"));
    }

    /** The id of the first service; it names the checked service in events and logs. */
    public ServiceId id() {
        return services.get(0).id();
    }

    /** The ids of all its services. */
    public List<ServiceId> ids() {
        List<ServiceId> ids = new ArrayList<>(services.size());
        services.forEach(s -> ids.add(s.id()));
        return ids;
    }

    /** Its virtual services, each with every checked server at its configured weight. */
    public List<VirtualService> services() {
        return services;
    }

    /** Its real servers and their checks, in order. */
    public List<CheckedServer> servers() {
        return servers;
    }

    /** The checked server at {@code address}, if there is one. */
    public Optional<CheckedServer> server(InetSocketAddress address) {
        return servers.stream().filter(s -> s.address().equals(address)).findFirst();
    }

    /** The minimum live weight to operate without the sorry server; default 1. */
    public int quorum() {
        return quorum;
    }

    /** How far the live weight may stray around the quorum before the quorum state changes; default 0. */
    public int hysteresis() {
        return hysteresis;
    }

    /** The server that takes the traffic while quorum is lost, if any (keepalived {@code sorry_server}). */
    public Optional<RealServer> sorryServer() {
        return Optional.ofNullable(sorryServer);
    }

    /** Whether the sorry server stays in the service at weight 0 while not needed (keepalived {@code sorry_server_inhibit}). */
    public boolean sorryServerInhibit() {
        return sorryServerInhibit;
    }

    /**
     * A copy with {@code server} replacing the one with the same address, or added last.
     *
     * @throws IllegalArgumentException if the server is the sorry server, or passive without checks
     */
    public CheckedService withServer(CheckedServer server) {
        return toBuilder().server(server).build();
    }

    /**
     * A copy without the server at {@code address}.
     *
     * @throws IllegalArgumentException if there is no such server
     */
    public CheckedService withoutServer(InetSocketAddress address) {
        Builder b = toBuilder();
        Checks.checkArgument(b.servers.remove(address) != null, "server", Addresses.toString(address),
                "one of the real servers of " + id());
        return b.build();
    }

    /**
     * A copy in which {@code service} replaces the virtual service with the same id: its scheduler, persistence,
     * flags and endpoints (what {@code ipvsadm -E} changes). Its real servers are ignored: the checked servers
     * stay.
     *
     * @throws IllegalArgumentException if no service of this checked service has {@code service}'s id
     */
    public CheckedService withService(VirtualService service) {
        Checks.checkNotNull(service, "service");
        List<VirtualService> next = new ArrayList<>(services);
        int i = ids().indexOf(service.id());
        Checks.checkArgument(i >= 0, "service", service.id(), "one of " + ids());
        List<RealServer> members = new ArrayList<>();
        servers.forEach(s -> members.add(s.server()));
        next.set(i, service.withRealServers(members));
        return new CheckedService(List.copyOf(next), servers, quorum, hysteresis, sorryServer, sorryServerInhibit);
    }

    /** A builder holding this service's values; quorum, hysteresis and the sorry server may be set once more. */
    public Builder toBuilder() {
        Builder b = new Builder(services.get(0));
        b.servers.clear();
        for (int i = 1; i < services.size(); i++) {
            b.service(services.get(i));
        }
        servers.forEach(s -> b.servers.put(s.address(), s));
        b.quorum = quorum;
        b.hysteresis = hysteresis;
        b.sorryServer = sorryServer;
        b.sorryServerInhibit = sorryServerInhibit;
        return b;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CheckedService)) {
            return false;
        }
        CheckedService that = (CheckedService) o;
        return quorum == that.quorum && hysteresis == that.hysteresis && sorryServerInhibit == that.sorryServerInhibit
                && services.equals(that.services) && servers.equals(that.servers)
                && Objects.equals(sorryServer, that.sorryServer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(services, servers, quorum, hysteresis, sorryServer, sorryServerInhibit);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(ids()).append(" servers ").append(servers);
        sb.append(" quorum ").append(quorum).append(" hysteresis ").append(hysteresis);
        if (sorryServer != null) {
            sb.append(" sorry ").append(sorryServer).append(sorryServerInhibit ? " inhibit" : "");
        }
        return sb.toString();
    }

    /** Builds a {@link CheckedService}; {@link #build()} checks the combination and leaves the builder reusable. */
    public static final class Builder {
        private final List<VirtualService> services = new ArrayList<>();
        private final Map<InetSocketAddress, CheckedServer> servers = new LinkedHashMap<>();
        private int quorum = 1;
        private int hysteresis;
        private RealServer sorryServer;
        private boolean sorryServerInhibit;
        private boolean quorumSet;
        private boolean hysteresisSet;
        private boolean sorrySet;
        private boolean sorryInhibitSet;

        Builder(VirtualService first) {
            services.add(first);
            first.realServers().forEach(rs -> servers.put(rs.address(), CheckedServer.of(rs)));
        }

        /**
         * Adds another virtual service fed by the same real servers (a keepalived group entry); its own real
         * servers are replaced by this service's.
         *
         * @throws IllegalArgumentException if a service with the same id was already added
         */
        public Builder service(VirtualService service) {
            Checks.checkNotNull(service, "service");
            for (VirtualService s : services) {
                Checks.checkArgument(!s.id().equals(service.id()), "service", service.id(), "not a duplicate");
            }
            services.add(service);
            return this;
        }

        /** Replaces the checked server with the same address (real servers start unchecked), or adds it last. */
        public Builder server(CheckedServer server) {
            Checks.checkNotNull(server, "server");
            servers.put(server.address(), server);
            return this;
        }

        /**
         * Replaces every checked server by what {@code change} makes of it, for example
         * {@code servers(s -> s.withChecks(HealthCheck.tcp()))}.
         *
         * @throws IllegalArgumentException if {@code change} returns a server with another address
         */
        public Builder servers(UnaryOperator<CheckedServer> change) {
            Checks.checkNotNull(change, "change");
            Map<InetSocketAddress, CheckedServer> changed = new LinkedHashMap<>();
            for (CheckedServer s : servers.values()) {
                CheckedServer c = Checks.checkNotNull(change.apply(s), "server");
                Checks.checkArgument(c.address().equals(s.address()), "server", Addresses.toString(c.address()),
                        "the address " + Addresses.toString(s.address()) + " it was given");
                changed.put(c.address(), c);
            }
            servers.putAll(changed);
            return this;
        }

        /**
         * Sets the quorum (keepalived {@code quorum}).
         *
         * @throws IllegalArgumentException if it is not positive
         * @throws IllegalStateException if it was already set
         */
        public Builder quorum(int quorum) {
            Checks.checkInRange(quorum, 1, Integer.MAX_VALUE, "quorum");
            Checks.checkNotSet(quorumSet ? this.quorum : null, "quorum");
            this.quorum = quorum;
            quorumSet = true;
            return this;
        }

        /**
         * Sets the hysteresis (keepalived {@code hysteresis}); it must stay below the quorum.
         *
         * @throws IllegalArgumentException if it is negative
         * @throws IllegalStateException if it was already set
         */
        public Builder hysteresis(int hysteresis) {
            Checks.checkInRange(hysteresis, 0, Integer.MAX_VALUE - 1, "hysteresis");
            Checks.checkNotSet(hysteresisSet ? this.hysteresis : null, "hysteresis");
            this.hysteresis = hysteresis;
            hysteresisSet = true;
            return this;
        }

        /**
         * Sets the sorry server (keepalived {@code sorry_server}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sorryServer(RealServer server) {
            Checks.checkNotNull(server, "sorryServer");
            Checks.checkNotSet(sorrySet ? sorryServer : null, "sorryServer");
            sorryServer = server;
            sorrySet = true;
            return this;
        }

        /**
         * Keeps the sorry server in the services at weight 0 while it is not needed (keepalived
         * {@code sorry_server_inhibit}).
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder sorryServerInhibit(boolean inhibit) {
            Checks.checkNotSet(sorryInhibitSet ? sorryServerInhibit : null, "sorryServerInhibit");
            sorryServerInhibit = inhibit;
            sorryInhibitSet = true;
            return this;
        }

        /**
         * Builds the checked service.
         *
         * @throws IllegalArgumentException if the hysteresis is not below the quorum, the sorry server is also a
         *     real server, or a passive server has no check to bring it back
         */
        public CheckedService build() {
            Checks.checkArgument(hysteresis < quorum, "hysteresis", hysteresis, "0-" + (quorum - 1)
                    + ", below the quorum " + quorum);
            if (sorryServer != null) {
                Checks.checkArgument(!servers.containsKey(sorryServer.address()), "sorryServer",
                        Addresses.toString(sorryServer.address()), "not one of the real servers");
            }
            List<RealServer> members = new ArrayList<>();
            for (CheckedServer s : servers.values()) {
                if (s.passive() && s.checks().isEmpty()) {
                    Checks.checkArgument(false, "passive", "true for " + Addresses.toString(s.address()),
                            "at least one active check to bring the server back");
                }
                members.add(s.server());
            }
            List<VirtualService> normalized = new ArrayList<>();
            services.forEach(vs -> normalized.add(vs.withRealServers(members)));
            return new CheckedService(List.copyOf(normalized), List.copyOf(servers.values()), quorum, hysteresis,
                    sorryServer, sorryServerInhibit);
        }
    }
}
