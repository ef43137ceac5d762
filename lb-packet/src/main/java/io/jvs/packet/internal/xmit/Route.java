package io.jvs.packet.internal.xmit;

import static io.jvs.api.internal.Checks.checkArgument;
import static io.jvs.api.internal.Checks.checkInRange;

import io.jvs.packet.internal.frame.Bytes;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where and how packets of a flow go: to one real server by direct routing (only the MACs change) or through an
 * IPIP or GUE tunnel. Built when a destination is added (control plane), read per packet; immutable but for the
 * outer IP id counter of tunnels.
 */
public final class Route {

    /** Forwarding: direct routing (ipvsadm {@code -g}). */
    public static final int DR = 0;
    /** Forwarding: tunnel (ipvsadm {@code -i}). */
    public static final int TUN = 1;
    /** Tunnel type IPIP (ipvsadm {@code --tun-type ipip}, the default). */
    public static final int IPIP = 0;
    /** Tunnel type GUE (ipvsadm {@code --tun-type gue --tun-port N}). */
    public static final int GUE = 1;

    private final int method;
    private final int server;
    private final int nextHop;
    private final int tunnelType;
    private final int tunnelPort;
    private final boolean tunnelChecksum;
    private final AtomicInteger ipId = new AtomicInteger();
    private final boolean ipv6;
    private final long serverHi;
    private final long serverLo;

    private Route(int method, int server, int nextHop, int tunnelType, int tunnelPort, boolean tunnelChecksum) {
        this(method, server, nextHop, tunnelType, tunnelPort, tunnelChecksum, false, 0, 0);
    }

    private Route(int method, int server, int nextHop, int tunnelType, int tunnelPort, boolean tunnelChecksum,
                  boolean ipv6, long serverHi, long serverLo) {
        this.ipv6 = ipv6;
        this.serverHi = serverHi;
        this.serverLo = serverLo;
        this.method = method;
        this.server = server;
        this.nextHop = nextHop;
        this.tunnelType = tunnelType;
        this.tunnelPort = tunnelPort;
        this.tunnelChecksum = tunnelChecksum;
        this.ipId.set(server * 0x9e3779b9);
    }

    /** Direct routing to an on-link {@code server} (IPv4 as an int). */
    public static Route direct(int server) {
        checkArgument(server != 0, "server", Bytes.ipv4(server), "a unicast IPv4 address");
        return new Route(DR, server, server, IPIP, 0, false);
    }

    /** Direct routing to an on-link IPv6 {@code server} ({@code hi:lo}). */
    public static Route direct6(long serverHi, long serverLo) {
        checkArgument((serverHi | serverLo) != 0, "server", "::", "a unicast IPv6 address");
        return new Route(DR, 0, 0, IPIP, 0, false, true, serverHi, serverLo);
    }

    /** An IPIP tunnel to {@code server}, sent to the MAC of {@code nextHop} (the server itself when on-link). */
    public static Route ipip(int server, int nextHop) {
        checkArgument(server != 0, "server", Bytes.ipv4(server), "a unicast IPv4 address");
        return new Route(TUN, server, nextHop, IPIP, 0, false);
    }

    /**
     * A GUE tunnel to {@code server}'s UDP {@code port}; {@code checksum} is ipvsadm's {@code --tun-csum} (a full
     * outer UDP checksum) as opposed to {@code --tun-nocsum} (0).
     */
    public static Route gue(int server, int nextHop, int port, boolean checksum) {
        checkArgument(server != 0, "server", Bytes.ipv4(server), "a unicast IPv4 address");
        checkInRange(port, 1, 65535, "tun-port");
        return new Route(TUN, server, nextHop, GUE, port, checksum);
    }

    /** True for an IPv6 destination. */
    public boolean isIpv6() {
        return ipv6;
    }

    /** The IPv6 real server's address, high 64 bits (its next hop: IPv6 DR only). */
    public long serverHi() {
        return serverHi;
    }

    /** The IPv6 real server's address, low 64 bits. */
    public long serverLo() {
        return serverLo;
    }

    /** {@link #DR} or {@link #TUN}. */
    public int method() {
        return method;
    }

    /** The real server's IPv4 address. */
    public int server() {
        return server;
    }

    /** The address whose MAC the frame goes to. */
    public int nextHop() {
        return nextHop;
    }

    /** {@link #IPIP} or {@link #GUE}. */
    public int tunnelType() {
        return tunnelType;
    }

    /** The GUE destination port (0 for IPIP and DR). */
    public int tunnelPort() {
        return tunnelPort;
    }

    /** True for {@code --tun-csum}. */
    public boolean tunnelChecksum() {
        return tunnelChecksum;
    }

    /** Bytes the encapsulation adds: 0 for DR, 20 for IPIP, 32 for GUE. */
    public int overhead() {
        return method == DR ? 0 : tunnelType == GUE ? Tunnel.IPV4 + Tunnel.UDP + Tunnel.GUE_HEADER : Tunnel.IPV4;
    }

    /** The next outer IP id (for tunnelled packets without DF). */
    int nextIpId() {
        return ipId.getAndIncrement() & 0xffff;
    }

    @Override
    public String toString() {
        String to = ipv6 ? Bytes.ipv6(serverHi, serverLo) : Bytes.ipv4(server);
        if (method == DR) {
            return "Route " + to;
        }
        return "Tunnel " + to + (tunnelType == IPIP ? " ipip" : " gue:" + tunnelPort + (tunnelChecksum ? ":+c" : ":-c"));
    }
}
