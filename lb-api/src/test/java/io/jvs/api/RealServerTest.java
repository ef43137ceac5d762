package io.jvs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class RealServerTest {

    @Test
    void defaults() {
        RealServer rs = RealServer.of("10.0.0.11", 8080);
        assertEquals(new InetSocketAddress("10.0.0.11", 8080), rs.address());
        assertEquals(1, rs.weight());
        assertEquals(ForwardingMethod.FULLNAT, rs.forwardingMethod());
        assertEquals(0, rs.upperThreshold());
        assertEquals(0, rs.lowerThreshold());
        assertEquals("10.0.0.11:8080 FullNat weight 1", rs.toString());
    }

    @Test
    void weight_tooLarge() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 8080).withWeight(70000));
        assertEquals("weight: 70000 (expected: 0-65535)", e.getMessage());
    }

    @Test
    void weight_negative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 8080).withWeight(-1));
        assertEquals("weight: -1 (expected: 0-65535)", e.getMessage());
    }

    @Test
    void weight_zeroQuiesces() {
        assertEquals(0, RealServer.of("10.0.0.11", 8080).withWeight(0).weight());
    }

    @Test
    void port_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 65536));
        assertEquals("port: 65536 (expected: 0-65535)", e.getMessage());
    }

    @Test
    void host_null() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> RealServer.of((String) null, 80));
        assertEquals("host", e.getMessage());
    }

    @Test
    void host_unresolvable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("no-such-host.invalid", 80));
        assertEquals("host: no-such-host.invalid (expected: an IP address or a resolvable host name)", e.getMessage());
    }

    @Test
    void address_wildcard() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of(InetAddress.getByName("0.0.0.0"), 80));
        assertEquals("address: 0.0.0.0 (expected: a unicast address)", e.getMessage());
    }

    @Test
    void thresholds_lowerAboveUpper() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 80).withThresholds(50, 60));
        assertEquals("lowerThreshold: 60 (expected: 0-50)", e.getMessage());
    }

    @Test
    void thresholds_negativeUpper() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 80).withThresholds(-1, 0));
        assertEquals("upperThreshold: -1 (expected: 0-2147483647)", e.getMessage());
    }

    @Test
    void thresholds_shownInToString() {
        assertEquals("10.0.0.11:80 FullNat weight 1 thresholds 1000/800",
                RealServer.of("10.0.0.11", 80).withThresholds(1000, 800).toString());
    }

    @Test
    void method_null() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> RealServer.of("10.0.0.11", 80).withForwardingMethod(null));
        assertEquals("forwardingMethod", e.getMessage());
    }

    @Test
    void ipv6Literal() {
        RealServer rs = RealServer.of("[2001:db8::1]", 80);
        assertEquals("[2001:db8::1]:80 FullNat weight 1", rs.toString());
    }

    @Test
    void valueSemantics() {
        RealServer a = RealServer.of("10.0.0.11", 80).withWeight(3);
        assertEquals(a, RealServer.of("10.0.0.11", 80).withWeight(3));
        assertEquals(a.hashCode(), RealServer.of("10.0.0.11", 80).withWeight(3).hashCode());
        assertNotEquals(a, a.withWeight(4));
        assertNotEquals(a, a.withForwardingMethod(ForwardingMethod.NAT));
        assertNotEquals(a, a.withThresholds(10, 0));
    }

    @Test
    void forwardingMethodListingNames() {
        assertEquals("FullNat", ForwardingMethod.FULLNAT.listingName());
        assertEquals("Masq", ForwardingMethod.NAT.listingName());
        assertEquals("Route", ForwardingMethod.DR.listingName());
        assertEquals("Tunnel", ForwardingMethod.TUN.listingName());
    }

    @Test
    void tunnel_defaults() {
        RealServer rs = RealServer.of("10.0.0.11", 80).withForwardingMethod(ForwardingMethod.TUN);
        assertEquals(TunnelType.IPIP, rs.tunnelType());
        assertEquals(0, rs.tunnelPort());
        assertEquals(TunnelChecksum.NONE, rs.tunnelChecksum());
        assertEquals("ipip", rs.tunnelInfo());
        assertEquals("10.0.0.11:80 Tunnel weight 1 tunnel ipip", rs.toString());
        assertEquals("n/a", RealServer.of("10.0.0.11", 80).tunnelInfo());
    }

    @Test
    void tunnel_gue() {
        RealServer rs = RealServer.of("10.0.0.11", 80).withForwardingMethod(ForwardingMethod.TUN)
                .withTunnel(TunnelType.GUE, 6080, TunnelChecksum.CHECKSUM).withWeight(3);
        assertEquals(TunnelType.GUE, rs.tunnelType());
        assertEquals(6080, rs.tunnelPort());
        assertEquals(TunnelChecksum.CHECKSUM, rs.tunnelChecksum());
        assertEquals("gue:6080:+c", rs.tunnelInfo());
        assertEquals("gue:6080:-c", rs.withTunnel(TunnelType.GUE, 6080, TunnelChecksum.NONE).tunnelInfo());
        assertNotEquals(rs, rs.withTunnel(TunnelType.GUE, 6081, TunnelChecksum.CHECKSUM));
        assertEquals(rs, rs.withWeight(3));
        assertEquals(rs.hashCode(), rs.withWeight(3).hashCode());
    }

    @Test
    void tunnel_guePortZero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 80).withTunnel(TunnelType.GUE, 0, TunnelChecksum.NONE));
        assertEquals("tunnelPort: 0 (expected: 1-65535)", e.getMessage());
    }

    @Test
    void tunnel_ipipWithPort() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 80).withTunnel(TunnelType.IPIP, 6080, TunnelChecksum.NONE));
        assertEquals("tunnelPort: 6080 (expected: 0 for an IPIP tunnel)", e.getMessage());
    }

    @Test
    void tunnel_ipipWithChecksum() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RealServer.of("10.0.0.11", 80).withTunnel(TunnelType.IPIP, 0, TunnelChecksum.CHECKSUM));
        assertEquals("tunnelChecksum: CHECKSUM (expected: NONE for an IPIP tunnel)", e.getMessage());
    }

    @Test
    void tunnel_null() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> RealServer.of("10.0.0.11", 80).withTunnel(null, 0, TunnelChecksum.NONE));
        assertEquals("tunnelType", e.getMessage());
    }
}
