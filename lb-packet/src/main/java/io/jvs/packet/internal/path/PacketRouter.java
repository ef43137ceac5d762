package io.jvs.packet.internal.path;

import io.jvs.api.Refusal;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.xmit.FlowRouter;
import io.jvs.packet.internal.xmit.Route;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's {@link FlowRouter} on lb-core: the service of the packet's VIP and port from the {@link ServiceMap},
 * then the director's pipeline ({@link RunningService#open} for TCP and UDP, {@link RunningService#lookup} for an
 * ICMP error quoting a flow) through this worker's own {@link FlowRequest}, then the route of the connection's real
 * server. Allocates nothing for a packet of a known flow.
 *
 * <p>Counts the director's refusals of this worker's packets by {@link Refusal} ({@link #refused}), as the socket
 * data path does; a TCP SYN dropped at the service's connection limit is one of them, and is counted for the service
 * too (the director leaves that count to the data path, since a socket data path holds such a client instead).
 */
public final class PacketRouter implements FlowRouter {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int TCP = 6;

    private final ServiceMap services;
    private final RouteTable routes;
    private final FlowRequest request = new FlowRequest();
    /** Refusals by {@link Refusal#ordinal()}: written by this router's worker only, read by anyone. */
    private final long[] refusals = new long[Refusal.values().length];

    public PacketRouter(ServiceMap services, RouteTable routes) {
        this.services = services;
        this.routes = routes;
    }

    @Override
    public Route route(PacketView v) {
        FlowRequest r = request;
        RunningService service;
        if (v.isIpv6()) {
            service = services.find6(v.flowProtocol(), v.flowVirtualHi(), v.flowVirtualLo(), v.flowVirtualPort());
            if (service == null) {
                return null;
            }
            r.setV6(v.flowProtocol(), v.flowClientHi(), v.flowClientLo(), v.flowClientPort(), v.flowVirtualHi(),
                    v.flowVirtualLo(), v.flowVirtualPort());
        } else {
            service = services.find(v.flowProtocol(), v.flowVirtual(), v.flowVirtualPort());
            if (service == null) {
                return null;
            }
            r.setV4(v.flowProtocol(), v.flowClient(), v.flowClientPort(), v.flowVirtual(), v.flowVirtualPort());
        }
        r.tcpFlags(v.tcpFlags()).packetBytes(v.ipLength());
        Outcome o = v.isIcmpError() ? service.lookup(r) : service.open(r);
        if (!o.admitted()) {
            Refusal why = o.refusal();
            if (why != null) { // (not an ICMP error that quotes no flow)
                if (o == Outcome.SERVICE_LIMIT && r.protocol() == TCP) {
                    service.refused(why); // the SYN is dropped: a refusal here, where no client is held
                }
                int i = why.ordinal();
                SLOT.setOpaque(refusals, i, (long) SLOT.getOpaque(refusals, i) + 1);
            }
            return null;
        }
        Connection c = r.connection();
        return routes.route(c.destination().server());
    }

    /** The packets the director refused for {@code reason} on this router's worker (any thread). */
    public long refused(Refusal reason) {
        return (long) SLOT.getOpaque(refusals, reason.ordinal());
    }
}
