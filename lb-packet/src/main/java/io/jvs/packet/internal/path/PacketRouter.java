package io.jvs.packet.internal.path;

import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.xmit.FlowRouter;
import io.jvs.packet.internal.xmit.Route;

/**
 * One worker's {@link FlowRouter} on lb-core: the service of the packet's VIP and port from the {@link ServiceMap},
 * then the director's pipeline ({@link RunningService#open} for TCP and UDP, {@link RunningService#lookup} for an
 * ICMP error quoting a flow) through this worker's own {@link FlowRequest}, then the route of the connection's real
 * server. Allocates nothing for a packet of a known flow.
 */
public final class PacketRouter implements FlowRouter {

    private final ServiceMap services;
    private final RouteTable routes;
    private final FlowRequest request = new FlowRequest();

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
            return null;
        }
        Connection c = r.connection();
        return routes.route(c.destination().server());
    }
}
