package io.jvs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The options for socket data paths: PROXY protocol per real server, limits and PROXY sources per service. */
class DataPathOptionsTest {

    private static VirtualService.Builder service() {
        return VirtualService.tcp("10.0.0.1", 80).scheduler(new NamedFactory("rr"));
    }

    @Test
    void proxyProtocol_defaultsToNone() {
        assertEquals(ProxyProtocol.NONE, RealServer.of("10.0.0.11", 80).proxyProtocol());
    }

    @Test
    void withProxyProtocol_keepsTheRest_andShowsInToString() {
        RealServer rs = RealServer.of("10.0.0.11", 80).withWeight(3).withThresholds(10, 5)
                .withProxyProtocol(ProxyProtocol.V2);
        assertEquals(ProxyProtocol.V2, rs.proxyProtocol());
        assertEquals(3, rs.weight());
        assertEquals(10, rs.upperThreshold());
        assertEquals("10.0.0.11:80 FullNat weight 3 thresholds 10/5 proxy-protocol V2", rs.toString());
        assertEquals(ProxyProtocol.V2, rs.withWeight(4).proxyProtocol(), "other withers keep it");
        assertNotEquals(rs, rs.withProxyProtocol(ProxyProtocol.V1));
    }

    @Test
    void withProxyProtocol_null() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> RealServer.of("10.0.0.11", 80).withProxyProtocol(null));
        assertEquals("proxyProtocol", e.getMessage());
    }

    @Test
    void maxConnections_defaultsToNoLimit() {
        assertEquals(0, service().build().defences().maxConnections());
    }

    @Test
    void maxConnections_set() {
        VirtualService vs = service().maxConnections(1000).build();
        assertEquals(1000, vs.defences().maxConnections());
        assertTrue(vs.toString().contains(" maxconn 1000"), vs.toString());
        assertEquals(vs, vs.toBuilder().build());
    }

    @Test
    void maxConnections_zero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service().maxConnections(0));
        assertEquals("maxConnections: 0 (expected: 1-2147483647)", e.getMessage());
    }

    @Test
    void maxConnections_twice() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> service().maxConnections(5).maxConnections(6));
        assertEquals("maxConnections was already set to 5", e.getMessage());
    }

    @Test
    void acceptProxyProtocol_defaultsToOff() {
        VirtualService vs = service().build();
        assertFalse(vs.defences().acceptsProxyProtocol());
        assertEquals(List.of(), vs.defences().proxyProtocolSources());
    }

    @Test
    void acceptProxyProtocol_set_dropsDuplicates() {
        VirtualService vs = service().acceptProxyProtocol(List.of(Cidr.parse("192.0.2.0/24"),
                Cidr.parse("192.0.2.9/24"), Cidr.parse("2001:db8::/32"))).build();
        assertTrue(vs.defences().acceptsProxyProtocol());
        assertEquals(List.of(Cidr.parse("192.0.2.0/24"), Cidr.parse("2001:db8::/32")), vs.defences().proxyProtocolSources());
        assertTrue(vs.toString().contains("accept-proxy [192.0.2.0/24, 2001:db8::/32]"), vs.toString());
        assertEquals(vs, vs.toBuilder().build());
        assertNotEquals(vs, service().build());
    }

    @Test
    void acceptProxyProtocol_empty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> service().acceptProxyProtocol(List.of()));
        assertEquals("acceptProxyProtocol: [] (expected: at least one trusted network)", e.getMessage());
    }

    @Test
    void acceptProxyProtocol_nullElement() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> service().acceptProxyProtocol(java.util.Arrays.asList(Cidr.parse("10.0.0.0/8"), null)));
        assertEquals("cidr", e.getMessage());
    }

    @Test
    void acceptProxyProtocol_twice() {
        VirtualService.Builder b = service().acceptProxyProtocol(List.of(Cidr.parse("10.0.0.0/8")));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.acceptProxyProtocol(List.of(Cidr.parse("10.0.0.0/16"))));
        assertEquals("acceptProxyProtocol was already set to [10.0.0.0/8]", e.getMessage());
    }

    /** A scheduler factory by name only: lb-api's tests do not depend on lb-schedulers. */
    private static final class NamedFactory implements Scheduler.Factory {
        private final String name;

        NamedFactory(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Scheduler create(Scheduler.Context context) {
            throw new UnsupportedOperationException();
        }
    }
}
