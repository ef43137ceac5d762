package io.jvs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.EqualsTester;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parse_ipv4Prefix() throws Exception {
        Cidr c = Cidr.parse("10.1.2.3/8");
        assertEquals(InetAddress.getByName("10.0.0.0"), c.network());
        assertEquals(8, c.prefixLength());
        assertEquals("10.0.0.0/8", c.toString());
        assertTrue(c.contains(InetAddress.getByName("10.255.0.1")));
        assertFalse(c.contains(InetAddress.getByName("11.0.0.1")));
    }

    @Test
    void parse_bareAddress_isOneHost() throws Exception {
        Cidr c = Cidr.parse("192.0.2.7");
        assertEquals(32, c.prefixLength());
        assertTrue(c.contains(InetAddress.getByName("192.0.2.7")));
        assertFalse(c.contains(InetAddress.getByName("192.0.2.8")));
    }

    @Test
    void parse_ipv6Prefix() throws Exception {
        Cidr c = Cidr.parse("2001:db8::1/32");
        assertEquals("2001:db8::/32", c.toString());
        assertTrue(c.contains(InetAddress.getByName("2001:db8:ffff::1")));
        assertFalse(c.contains(InetAddress.getByName("2001:db9::1")));
        assertFalse(c.contains(InetAddress.getByName("10.0.0.1")), "the other family");
    }

    @Test
    void oddPrefix_comparesTheLeadingBitsOnly() throws Exception {
        Cidr c = Cidr.parse("192.0.2.128/25");
        assertTrue(c.contains(InetAddress.getByName("192.0.2.200")));
        assertFalse(c.contains(InetAddress.getByName("192.0.2.127")));
    }

    @Test
    void zeroPrefix_containsTheWholeFamily() throws Exception {
        assertTrue(Cidr.parse("0.0.0.0/0").contains(InetAddress.getByName("203.0.113.9")));
    }

    @Test
    void ipv4Network_containsMappedIpv6Form() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertTrue(Cidr.parse("10.0.0.0/8").contains(java.net.Inet6Address.getByAddress(null, mapped, -1)));
    }

    @Test
    void parse_prefixTooLong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33"));
        assertEquals("cidr: 10.0.0.0/33 (expected: ADDRESS/0-32)", e.getMessage());
    }

    @Test
    void parse_prefixNotANumber() {
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/x"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/"));
    }

    @Test
    void parse_hostName_isRefusedWithoutALookup() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8"));
        assertTrue(e.getMessage().startsWith("cidr: example.com/8 (expected: an IP literal"), e.getMessage());
    }

    @Test
    void parse_malformedLiterals_areRefusedWithoutALookup() {
        for (String text : new String[] {"999.1.1.1/8", "1..2.3/8", "10.0.0.0.0/8", "[::1]/128", "fe80::1%eth0/64"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(text));
            assertTrue(e.getMessage().startsWith("cidr: " + text + " (expected: an IP literal"), e.getMessage());
        }
    }

    @Test
    void parse_null() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> Cidr.parse(null));
        assertEquals("cidr", e.getMessage());
    }

    @Test
    void of_prefixOutOfRange() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Cidr.of(InetAddress.getByName("2001:db8::"), 129));
        assertEquals("prefixLength: 129 (expected: 0-128)", e.getMessage());
    }

    @Test
    void equality_ignoresHostBits() {
        new EqualsTester()
                .addEqualityGroup(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.9.9.9/8"))
                .addEqualityGroup(Cidr.parse("10.0.0.0/16"))
                .addEqualityGroup(Cidr.parse("2001:db8::/32"))
                .testEquals();
    }
}
