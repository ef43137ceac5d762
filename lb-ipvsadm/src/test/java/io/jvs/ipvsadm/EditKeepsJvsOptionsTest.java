package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.Cidr;
import io.jvs.api.RealServer;
import io.jvs.api.SourceLimit;
import io.jvs.api.VirtualService;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code -E} replaces every IPVS field of a service and keeps the JVS options ipvsadm has no words for. */
class EditKeepsJvsOptionsTest extends DirectorTestBase {

    @Test
    void edit_keepsAccessListsLimitsAndProxySources() {
        VirtualService vs = VirtualService.tcp("10.0.0.1", 80).scheduler("wlc").persistence(Duration.ofSeconds(60))
                .allow(List.of(Cidr.parse("10.0.0.0/8"))).deny(List.of(Cidr.parse("10.66.0.0/16")))
                .sourceLimit(SourceLimit.maxConnections(50).withRate(10, 20)).maxConnections(1000)
                .acceptProxyProtocol(List.of(Cidr.parse("192.0.2.0/24"))).awaitClientData(Duration.ofSeconds(3))
                .realServer(RealServer.of("192.168.1.2", 80)).build();
        director.start(vs).join();
        ok("-E", "-t", "10.0.0.1:80", "-s", "rr");
        VirtualService now = director.service(vs.id()).orElseThrow().service();
        assertEquals("rr", now.schedulerName());
        assertEquals(Duration.ZERO, now.persistence(), "an IPVS field not given takes its default");
        assertEquals(vs.defences().allow(), now.defences().allow());
        assertEquals(vs.defences().deny(), now.defences().deny());
        assertEquals(vs.defences().sourceLimit(), now.defences().sourceLimit());
        assertEquals(1000, now.defences().maxConnections());
        assertEquals(vs.defences().proxyProtocolSources(), now.defences().proxyProtocolSources());
        assertEquals(Duration.ofSeconds(3), now.defences().clientDataTimeout());
        assertEquals(vs.realServers(), now.realServers());
    }
}
