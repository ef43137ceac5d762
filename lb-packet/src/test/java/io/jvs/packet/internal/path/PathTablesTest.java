package io.jvs.packet.internal.path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.xmit.Route;
import java.net.InetSocketAddress;
import java.net.Inet4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The service map, the route table and the next-hop look-up of the packet data path. */
class PathTablesTest {

    /** A running service that is only an identity. */
    private static RunningService service(String name) {
        return new RunningService() {
            @Override
            public ServiceId id() {
                return ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80));
            }

            @Override
            public VirtualService service() {
                throw new UnsupportedOperationException();
            }

            @Override
            public Outcome open(FlowRequest request) {
                return Outcome.NO_DESTINATION;
            }

            @Override
            public Outcome lookup(FlowRequest request) {
                return Outcome.NO_ENTRY;
            }

            @Override
            public Outcome admitPeer(InetSocketAddress peer) {
                return Outcome.ADMITTED;
            }

            @Override
            public void refused(io.jvs.api.Refusal reason) {}

            @Override
            public boolean atConnectionLimit() {
                return false;
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    @Test
    void serviceMap_exactPortFirst_thenPortZero() {
        ServiceMap m = new ServiceMap();
        RunningService web = service("web");
        RunningService all = service("all");
        RunningService dns = service("dns");
        int vip = Bytes.parseIpv4("10.0.0.1");
        m.put(6, vip, 80, web);
        m.put(6, vip, 0, all);
        m.put(17, vip, 53, dns);
        assertSame(web, m.find(6, vip, 80));
        assertSame(all, m.find(6, vip, 443));
        assertSame(dns, m.find(17, vip, 53));
        assertNull(m.find(17, vip, 54));
        assertNull(m.find(6, vip + 1, 80));
        assertEquals(false, m.remove(6, vip, 80, dns), "only the service bound there");
        assertEquals(true, m.remove(6, vip, 80, web));
        assertSame(all, m.find(6, vip, 80));
        assertEquals(2, m.size());
    }

    @Test
    void serviceMap_ipv6() {
        ServiceMap m = new ServiceMap();
        RunningService web = service("web6");
        long hi = Bytes.ipv6Hi("fd99::100");
        long lo = Bytes.ipv6Lo("fd99::100");
        m.put6(6, hi, lo, 80, web);
        assertSame(web, m.find6(6, hi, lo, 80));
        assertNull(m.find6(6, hi, lo + 1, 80));
        assertNull(m.find6(17, hi, lo, 80));
        assertEquals(true, m.remove6(6, hi, lo, 80, web));
        assertNull(m.find6(6, hi, lo, 80));
    }

    @Test
    void nextHop_longestPrefixOnTheInterface() {
        List<String> lines = List.of(
                "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
                "eth0\t00000000\t0100630A\t0003\t0\t0\t0\t00000000\t0\t0\t0", // default via 10.99.0.1
                "eth0\t0000630A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", // 10.99.0.0/24 on-link
                "eth1\t0000580A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0"); // 10.88.0.0/24 on eth1
        assertEquals(Bytes.parseIpv4("10.99.0.11"), NextHops.nextHop(lines, "eth0", Bytes.parseIpv4("10.99.0.11")));
        assertEquals(Bytes.parseIpv4("10.99.0.1"), NextHops.nextHop(lines, "eth0", Bytes.parseIpv4("10.88.0.5")));
        assertEquals(Bytes.parseIpv4("10.88.0.5"), NextHops.nextHop(lines, "eth1", Bytes.parseIpv4("10.88.0.5")));
    }

    @Test
    void routeTable_oneRoutePerServerObject() {
        RouteTable t = new RouteTable(ip -> Bytes.parseIpv4("10.99.0.1"));
        RealServer dr = RealServer.of("10.99.0.11", 80).withForwardingMethod(ForwardingMethod.DR);
        Route r = t.route(dr);
        assertSame(r, t.route(dr));
        assertEquals(Route.DR, r.method());
        assertEquals(Bytes.parseIpv4("10.99.0.11"), r.nextHop(), "direct routing goes to the server's own MAC");
        Route tun = t.route(dr.withForwardingMethod(ForwardingMethod.TUN));
        assertEquals(Route.TUN, tun.method());
        assertEquals(Bytes.parseIpv4("10.99.0.1"), tun.nextHop(), "a tunnel may cross a router");
        assertNull(t.route(RealServer.of("10.99.0.11", 80)), "full NAT is not the packet path's");
        assertNull(t.route(RealServer.of("fd99::11", 80).withForwardingMethod(ForwardingMethod.TUN)));
        assertEquals(true, t.route(RealServer.of("fd99::11", 80).withForwardingMethod(ForwardingMethod.DR)).isIpv6());
        assertEquals(Bytes.parseIpv4("127.0.0.1"), RouteTable.ipv4(Inet4Address.getLoopbackAddress()));
    }
}
