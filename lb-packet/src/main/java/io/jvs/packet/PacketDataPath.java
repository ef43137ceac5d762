package io.jvs.packet;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import io.jvs.core.DataPath;
import io.jvs.core.RunningService;
import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.path.NextHops;
import io.jvs.packet.internal.path.PacketRouter;
import io.jvs.packet.internal.path.RouteTable;
import io.jvs.packet.internal.path.ServiceMap;
import io.jvs.packet.internal.ring.PortOptions;
import io.jvs.packet.internal.xmit.Counter;
import io.jvs.packet.internal.xmit.PacketEngine;
import io.jvs.packet.internal.xmit.Route;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The packet data path: direct routing ({@link ForwardingMethod#DR}, ipvsadm {@code -g}) and tunnelling
 * ({@link ForwardingMethod#TUN}, {@code -i}, IPIP or GUE) on one or more Linux interfaces, through AF_PACKET rings.
 * Every packet to a bound virtual address and port goes through the director's pipeline ({@link RunningService#open}:
 * connection table, schedulers, persistence, defences) and is forwarded to its real server, which answers the
 * client directly; the director never holds a socket for it. See docs/packet-path.md.
 *
 * <p><b>VIP modes</b>, chosen per virtual address when its first service is bound, and logged:
 * {@link VipMode#KERNEL_HOLDS_VIP} when the address is configured on the director (as {@code lvs_dr.sh} does: an
 * nftables netdev ingress rule keeps the kernel off it while it is served), else {@link VipMode#ANSWER_ARP} (the
 * director answers ARP and neighbour solicitations for it, and refuses the address while the kernel forwards on the
 * interface). Nothing stays behind: the rule goes with the last VIP's service or {@link #close()}, and a rule left by
 * a crash is removed at the next start.
 *
 * <p>Packets leave by the interface they came in on: the real servers (DR) or the tunnels' next hops must be reached
 * there. Build one with {@link #builder()}, use it alone through {@link PacketLoadBalancer}, or next to a socket data
 * path through {@link DataPath#byForwardingMethod}.
 *
 * <p>Needs Linux, Java 22+, native access and {@code CAP_NET_RAW} ({@link PacketSupport}). Thread-safe; the workers
 * are platform threads named {@code jvs-packet-<interface>-<n>}.
 *
 * @since 0.1
 */
public final class PacketDataPath implements DataPath {

    private static final Logger LOG = System.getLogger("io.jvs.packet.PacketDataPath");

    private record Port(String name, PacketEngine engine, RouteTable routes) {}

    private static final class Vip {
        final VipMode mode;
        int uses;

        Vip(VipMode mode) {
            this.mode = mode;
        }
    }

    private final List<Port> ports;
    private final ServiceMap services;
    /** Bound VIPs with their mode and use count; guarded by {@code this}. */
    private final Map<InetAddress, Vip> vips = new HashMap<>();
    private boolean closed;

    private PacketDataPath(List<Port> ports, ServiceMap services) {
        this.ports = ports;
        this.services = services;
    }

    /** Starts building a packet data path. */
    public static Builder builder() {
        return new Builder();
    }

    /** The interfaces served. */
    public List<String> interfaces() {
        return ports.stream().map(Port::name).toList();
    }

    /** The mode a bound virtual address is served in, or null when no service binds it. */
    public synchronized VipMode vipMode(InetAddress vip) {
        Vip v = vips.get(vip);
        return v == null ? null : v.mode;
    }

    /**
     * What the workers counted, summed over interfaces and workers, by name in lower case: {@code rx_frames},
     * {@code forwarded}, {@code icmp_relayed}, {@code refused}, {@code no_neighbour}, {@code frag_needed},
     * {@code ttl_expired}, {@code malformed}, {@code truncated}, ... A snapshot; any thread.
     */
    public Map<String, Long> counters() {
        Map<String, Long> sum = new LinkedHashMap<>();
        for (Counter c : Counter.values()) {
            long n = 0;
            for (Port p : ports) {
                n += p.engine().counter(c);
            }
            sum.put(c.name().toLowerCase(java.util.Locale.ROOT), n);
        }
        return Collections.unmodifiableMap(sum);
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return EnumSet.of(ForwardingMethod.DR, ForwardingMethod.TUN);
    }

    @Override
    public void check(VirtualService service) {
        for (Endpoint e : service.endpoints()) {
            if (e.protocol() != Protocol.TCP && e.protocol() != Protocol.UDP) {
                throw unsupported("endpoint " + e + " of " + service.id() + ": the packet data path carries TCP and "
                        + "UDP only");
            }
            if (e.address().getAddress().isAnyLocalAddress()) {
                throw unsupported("endpoint " + e + " of " + service.id() + ": the packet data path serves virtual "
                        + "addresses, not the wildcard (expected: a unicast address)");
            }
        }
        if (service.defences().acceptsProxyProtocol()) {
            throw unsupported(service.id() + ": accepting PROXY protocol headers needs a socket data path (the packet "
                    + "data path does not read the stream)");
        }
        for (RealServer rs : service.realServers()) {
            checkServer(service, rs);
        }
    }

    private static void checkServer(VirtualService service, RealServer rs) {
        String name = "real server " + Addresses.toString(rs.address()) + " of " + service.id();
        if (rs.forwardingMethod() != ForwardingMethod.DR && rs.forwardingMethod() != ForwardingMethod.TUN) {
            return; // the director refuses the method itself, naming the supported ones
        }
        if (rs.proxyProtocol() != ProxyProtocol.NONE) {
            throw unsupported(name + ": sending PROXY protocol headers needs a socket data path (expected: NONE with "
                    + rs.forwardingMethod() + ")");
        }
        boolean serverV4 = rs.address().getAddress() instanceof Inet4Address;
        for (Endpoint e : service.endpoints()) {
            boolean vipV4 = e.address().getAddress() instanceof Inet4Address;
            if (rs.forwardingMethod() == ForwardingMethod.TUN && !(serverV4 && vipV4)) {
                throw unsupported(name + ": IPv6 tunnels are not supported yet (expected: an IPv4 server and virtual "
                        + "address with TUN, or DR)");
            }
            if (rs.forwardingMethod() == ForwardingMethod.DR && serverV4 != vipV4) {
                throw unsupported(name + ": direct routing keeps the packet's addresses, so the server's family must "
                        + "be the virtual address's (" + e + ")");
            }
        }
    }

    private static LoadBalancerException unsupported(String message) {
        return new LoadBalancerException(Reason.UNSUPPORTED, message);
    }

    @Override
    public CompletableFuture<Void> bind(RunningService service, Endpoint endpoint) {
        InetAddress vip = endpoint.address().getAddress();
        int port = endpoint.address().getPort();
        int protocol = endpoint.protocol().number();
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new LoadBalancerException(Reason.CLOSED, "data path is closed"));
            }
            try {
                useVip(vip);
            } catch (IOException | RuntimeException e) {
                return CompletableFuture.failedFuture(new LoadBalancerException(Reason.BIND_FAILED, "cannot serve "
                        + endpoint + " for " + service.id() + " on " + interfaces() + ": " + e.getMessage(), e));
            }
            if (vip instanceof Inet4Address) {
                services.put(protocol, ipv4(vip), port, service);
            } else {
                services.put6(protocol, hi(vip), lo(vip), port, service);
            }
        }
        resolve(service.service().realServers());
        LOG.log(Level.INFO, "serving " + endpoint + " for " + service.id() + " on " + interfaces() + " ("
                + describe(vipMode(vip)) + ")");
        return CompletableFuture.completedFuture(null);
    }

    private static String describe(VipMode mode) {
        return mode == VipMode.KERNEL_HOLDS_VIP
                ? "the address is configured on this director: mode B, an nftables ingress rule keeps the kernel off it"
                : "the address is not configured on this director: mode A, JVS answers ARP for it";
    }

    /** Counts one more use of {@code vip}; its first use adds it to every interface in its mode. */
    private void useVip(InetAddress vip) throws IOException {
        Vip v = vips.get(vip);
        if (v != null) {
            v.uses++;
            return;
        }
        VipMode mode = configuredHere(vip) ? VipMode.KERNEL_HOLDS_VIP : VipMode.ANSWER_ARP;
        boolean answerArp = mode == VipMode.ANSWER_ARP;
        List<Port> done = new ArrayList<>();
        try {
            for (Port p : ports) {
                if (vip instanceof Inet4Address) {
                    p.engine().addVip(ipv4(vip), answerArp);
                } else {
                    p.engine().addVip(hi(vip), lo(vip), answerArp);
                }
                done.add(p);
            }
        } catch (IOException | RuntimeException e) {
            for (Port p : done) {
                try {
                    removeVip(p, vip);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        v = new Vip(mode);
        v.uses = 1;
        vips.put(vip, v);
    }

    private static boolean configuredHere(InetAddress vip) {
        try {
            return NetworkInterface.getByInetAddress(vip) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static void removeVip(Port p, InetAddress vip) throws IOException {
        if (vip instanceof Inet4Address) {
            p.engine().removeVip(ipv4(vip));
        } else {
            p.engine().removeVip(hi(vip), lo(vip));
        }
    }

    @Override
    public CompletableFuture<Void> unbind(RunningService service, Endpoint endpoint) {
        InetAddress vip = endpoint.address().getAddress();
        int port = endpoint.address().getPort();
        int protocol = endpoint.protocol().number();
        synchronized (this) {
            boolean removed = vip instanceof Inet4Address ? services.remove(protocol, ipv4(vip), port, service)
                    : services.remove6(protocol, hi(vip), lo(vip), port, service);
            Vip v = vips.get(vip);
            if (!removed || v == null || --v.uses > 0) {
                return CompletableFuture.completedFuture(null);
            }
            vips.remove(vip);
            IOException failure = null;
            for (Port p : ports) {
                try {
                    removeVip(p, vip);
                } catch (IOException e) {
                    failure = e;
                }
            }
            if (failure != null) {
                return CompletableFuture.failedFuture(new LoadBalancerException(Reason.BIND_FAILED, "cannot release "
                        + Addresses.toString(vip) + ": " + failure.getMessage(), failure));
            }
        }
        LOG.log(Level.INFO, "stopped serving " + endpoint + " for " + service.id());
        return CompletableFuture.completedFuture(null);
    }

    /** Builds the routes of the servers about to be added and asks for their MACs, so the first SYN finds them. */
    @Override
    public void serversChanging(RunningService service, VirtualService next) {
        resolve(next.realServers());
    }

    private void resolve(List<RealServer> servers) {
        for (RealServer rs : servers) {
            if (rs.forwardingMethod() != ForwardingMethod.DR && rs.forwardingMethod() != ForwardingMethod.TUN) {
                continue;
            }
            for (Port p : ports) {
                Route r = p.routes().route(rs);
                if (r == null) {
                    continue;
                }
                if (r.isIpv6()) {
                    if (p.engine().neighbours().lookup(r.serverHi(), r.serverLo()) < 0) {
                        p.engine().resolve(r.serverHi(), r.serverLo());
                    }
                } else if (p.engine().neighbours().lookup(r.nextHop()) < 0) {
                    p.engine().resolve(r.nextHop());
                }
            }
        }
    }

    /** Whether the MAC of {@code server}'s next hop is known on every interface (tests wait for it). */
    public boolean neighbourKnown(RealServer server) {
        for (Port p : ports) {
            Route r = p.routes().route(server);
            if (r == null || (r.isIpv6() ? p.engine().neighbours().lookup(r.serverHi(), r.serverLo())
                    : p.engine().neighbours().lookup(r.nextHop())) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Stops the workers and removes the nftables rule of every interface; idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            vips.clear();
        }
        IOException failure = null;
        for (Port p : ports) {
            try {
                p.engine().close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new UncheckedIOException("closing the packet data path: " + failure.getMessage(), failure);
        }
        LOG.log(Level.INFO, "packet data path on " + interfaces() + " stopped");
    }

    @Override
    public String toString() {
        return "PacketDataPath" + interfaces();
    }

    private static int ipv4(InetAddress a) {
        return Bytes.ipv4(a.getAddress());
    }

    private static long hi(InetAddress a) {
        return Bytes.word(a.getAddress(), 0);
    }

    private static long lo(InetAddress a) {
        return Bytes.word(a.getAddress(), 8);
    }

    /** Builds a {@link PacketDataPath}; {@link #interfaces} is required, every other option has a default. */
    public static final class Builder {
        private List<String> interfaces;
        private Integer workers;
        private Boolean qdiscBypass;

        Builder() {}

        /**
         * The interfaces to serve (one or more, for example {@code "eth0"}): each gets its own AF_PACKET sockets and
         * workers, and every bound virtual address is served on each.
         *
         * @throws IllegalArgumentException if none is given, one is blank, or one is given twice
         * @throws IllegalStateException if they were already set
         */
        public Builder interfaces(String... names) {
            Checks.checkNotNull(names, "interfaces");
            Checks.checkArgument(names.length > 0, "interfaces", "[]", "at least one interface name");
            Set<String> set = new LinkedHashSet<>();
            for (String n : names) {
                Checks.checkNotNull(n, "interface");
                Checks.checkArgument(!n.isBlank() && n.length() < 16 && !n.contains("/"), "interface", n,
                        "an interface name of 1-15 characters");
                Checks.checkArgument(set.add(n), "interfaces", List.of(names), "each interface once");
            }
            Checks.checkNotSet(this.interfaces, "interfaces");
            this.interfaces = List.copyOf(set);
            return this;
        }

        /**
         * Worker threads per interface (each an AF_PACKET socket in one fanout group); the default is the number of
         * available processors, at most 4.
         *
         * @throws IllegalArgumentException if it is not in 1 to the number of available processors
         * @throws IllegalStateException if it was already set
         */
        public Builder workers(int workers) {
            Checks.checkInRange(workers, 1, Runtime.getRuntime().availableProcessors(), "workers");
            Checks.checkNotSet(this.workers, "workers");
            this.workers = workers;
            return this;
        }

        /**
         * Whether sent frames bypass the interface's queueing discipline ({@code PACKET_QDISC_BYPASS}, the
         * default): faster, but {@code tcpdump} on the director does not see them. Switch it off to watch.
         *
         * @throws IllegalStateException if it was already set
         */
        public Builder qdiscBypass(boolean bypass) {
            Checks.checkNotSet(this.qdiscBypass, "qdiscBypass");
            this.qdiscBypass = bypass;
            return this;
        }

        /**
         * Opens the sockets and starts the workers of every interface, with no service yet.
         *
         * @throws IllegalStateException if no interface was set, or the packet data path cannot run here (the
         *     message is {@link PacketSupport#unavailableReason()})
         * @throws UncheckedIOException if an interface cannot be opened (no such interface, no IPv4 address, ...)
         */
        public PacketDataPath build() {
            if (interfaces == null) {
                throw new IllegalStateException("interfaces: not set (expected: one or more interface names)");
            }
            String why = PacketSupport.unavailableReason();
            if (why != null) {
                throw new IllegalStateException(why);
            }
            int n = workers != null ? workers : Math.min(4, Runtime.getRuntime().availableProcessors());
            ServiceMap services = new ServiceMap();
            List<Port> ports = new ArrayList<>();
            try {
                for (String name : interfaces) {
                    RouteTable routes = new RouteTable(ip -> NextHops.nextHop(name, ip));
                    PortOptions options = PortOptions.defaults(name)
                            .withQdiscBypass(qdiscBypass == null || qdiscBypass);
                    PacketEngine engine = PacketEngine.start(options, n, i -> new PacketRouter(services, routes));
                    ports.add(new Port(name, engine, routes));
                }
            } catch (IOException | RuntimeException e) {
                for (Port p : ports) {
                    try {
                        p.engine().close();
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                if (e instanceof IOException io) {
                    throw new UncheckedIOException("cannot start the packet data path on " + interfaces + ": "
                            + io.getMessage(), io);
                }
                throw (RuntimeException) e;
            }
            return new PacketDataPath(List.copyOf(ports), services);
        }
    }
}
