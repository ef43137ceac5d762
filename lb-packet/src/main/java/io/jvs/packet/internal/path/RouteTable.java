package io.jvs.packet.internal.path;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.xmit.Route;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.IdentityHashMap;
import java.util.function.IntUnaryOperator;

/**
 * The {@link Route} of each real server on one interface, keyed by the {@link RealServer} object the director holds
 * for the destination (an edit replaces it, so a stale route is never found): built once, when the server is added
 * or at its first packet, then read per packet from an immutable snapshot ({@code IdentityHashMap.get} allocates
 * nothing).
 */
public final class RouteTable {

    /** Snapshots are dropped whole past this many routes (edited servers leave their old routes behind). */
    private static final int MAX_ROUTES = 4096;

    private final IntUnaryOperator nextHop;
    private volatile IdentityHashMap<RealServer, Route> routes = new IdentityHashMap<>();

    /** @param nextHop the IPv4 address whose MAC a tunnelled packet to a server goes to (the server when on-link) */
    public RouteTable(IntUnaryOperator nextHop) {
        this.nextHop = nextHop;
    }

    /** The route to {@code server}, or null when it cannot be forwarded to (an IPv6 tunnel). */
    public Route route(RealServer server) {
        Route r = routes.get(server);
        return r != null ? r : build(server);
    }

    private synchronized Route build(RealServer server) {
        Route r = routes.get(server);
        if (r != null) {
            return r;
        }
        r = create(server, nextHop);
        if (r != null) {
            IdentityHashMap<RealServer, Route> next = routes.size() >= MAX_ROUTES ? new IdentityHashMap<>()
                    : new IdentityHashMap<>(routes);
            next.put(server, r);
            routes = next;
        }
        return r;
    }

    /** The route for {@code server}'s method and tunnel settings, or null when the packet path cannot carry it. */
    static Route create(RealServer server, IntUnaryOperator nextHop) {
        InetAddress a = server.address().getAddress();
        ForwardingMethod m = server.forwardingMethod();
        if (a instanceof Inet4Address) {
            int ip = ipv4(a);
            if (m == ForwardingMethod.DR) {
                return Route.direct(ip);
            }
            if (m != ForwardingMethod.TUN) {
                return null;
            }
            int hop = nextHop.applyAsInt(ip);
            return server.tunnelType() == TunnelType.GUE
                    ? Route.gue(ip, hop, server.tunnelPort(), server.tunnelChecksum() == TunnelChecksum.CHECKSUM)
                    : Route.ipip(ip, hop);
        }
        if (m != ForwardingMethod.DR) {
            return null; // IPv6 tunnels are not supported (PacketDataPath.check refuses them)
        }
        byte[] b = a.getAddress();
        return Route.direct6(Bytes.word(b, 0), Bytes.word(b, 8));
    }

    static int ipv4(InetAddress a) {
        return Bytes.ipv4(a.getAddress());
    }
}
