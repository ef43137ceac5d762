package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.RealServer;
import io.jvs.api.ServiceId;
import io.jvs.api.Stats;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A UDP service deleted and added again with the same real server (ipvsadm {@code -D}, then {@code -A} and
 * {@code -a}): the revived server carries the flows that outlived the service, and their traffic counts in the
 * service that is running now, as IPVS counts through {@code cp->dest->svc}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UdpServiceRestartTest {

    @Test
    void flowsThatOutliveTheirService_countInTheServiceAddedAgain() throws Exception {
        Transport t = Lbs.transports().findFirst().orElseThrow();
        try (UdpBackend a = new UdpBackend("a"); NettyLoadBalancer lb = Lbs.builder(t).build();
                UdpClient cl = new UdpClient()) {
            VirtualService service = VirtualService.udp("127.0.0.1", UdpBackend.freePort()).scheduler("rr")
                    .realServer(RealServer.of(a.address())).build();
            InetSocketAddress vip = service.id().address();
            Lbs.start(lb, service);
            assertEquals("a|one", cl.ask(vip, "one").text());
            lb.stop(ServiceId.udp(vip)).get(10, TimeUnit.SECONDS);
            assertEquals(1, lb.connections().size(), "the flow's entry outlives its service");
            Lbs.start(lb, service);
            assertEquals("a|two", cl.ask(vip, "two").text(), "the revived server carries the flow on");
            assertEquals(1, lb.connections().size(), "the same entry");
            Stats s = lb.service(ServiceId.udp(vip)).orElseThrow().stats();
            assertEquals(1, s.inPackets(), "the datagram counts in the running service: " + s);
            assertEquals(1, s.outPackets(), "and its reply: " + s);
            assertEquals(3, s.inBytes());
            assertEquals(5, s.outBytes());
        }
    }

    @Test
    void flowsThatOutliveTheirService_moveToAnotherServerOfTheServiceAddedAgain_whenTheirsIsGone() throws Exception {
        Transport t = Lbs.transports().findFirst().orElseThrow();
        try (UdpBackend a = new UdpBackend("a"); UdpBackend b = new UdpBackend("b");
                NettyLoadBalancer lb = Lbs.builder(t).build(); UdpClient cl = new UdpClient()) {
            int port = UdpBackend.freePort();
            VirtualService first = VirtualService.udp("127.0.0.1", port).scheduler("rr")
                    .realServer(RealServer.of(a.address())).build();
            InetSocketAddress vip = first.id().address();
            Lbs.start(lb, first);
            assertEquals("a|one", cl.ask(vip, "one").text());
            lb.stop(ServiceId.udp(vip)).get(10, TimeUnit.SECONDS);
            Lbs.start(lb, VirtualService.udp("127.0.0.1", port).scheduler("rr")
                    .realServer(RealServer.of(a.address())).realServer(RealServer.of(b.address())).build());
            assertEquals("a|two", cl.ask(vip, "two").text());
            a.close(); // ICMP port unreachable from now on: the flow must move to b, a server of the running service
            assertEquals("b", cl.askRetrying(vip, "three", 10, 300).server());
            assertEquals(b.address(), lb.connections().get(0).destination());
        }
    }
}
