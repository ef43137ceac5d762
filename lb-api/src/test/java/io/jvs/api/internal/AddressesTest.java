package io.jvs.api.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {

    @Test
    void ipv6IsPrintedAsInetNtopDoes() throws Exception {
        assertEquals("::1", Addresses.toString(InetAddress.getByName("::1")));
        assertEquals("::", Addresses.toString(InetAddress.getByName("::")));
        assertEquals("2001:db8::1", Addresses.toString(InetAddress.getByName("2001:db8:0:0:0:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", Addresses.toString(InetAddress.getByName("2001:db8:0:1:1:1:1:1")));
        assertEquals("2001:0:0:1::1", Addresses.toString(InetAddress.getByName("2001:0:0:1:0:0:0:1")));
        assertEquals("fe80::", Addresses.toString(InetAddress.getByName("fe80::")));
        assertEquals("[2001:db8::1]:80", Addresses.toString(new InetSocketAddress("2001:db8::1", 80)));
        assertEquals("10.0.0.1:80", Addresses.toString(new InetSocketAddress("10.0.0.1", 80)));
    }

    @Test
    void foldMatchesIpvs() throws Exception {
        assertEquals(0x0A000001, Addresses.fold(InetAddress.getByName("10.0.0.1")));
        // IPv6: XOR of the four 32-bit words.
        assertEquals(0x20010db8 ^ 0x1, Addresses.fold(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void literalsParseWithoutLookup() {
        assertEquals("10.1.2.3", Addresses.parseLiteral("10.1.2.3").getHostAddress());
        assertEquals("0:0:0:0:0:0:0:1", Addresses.parseLiteral("[::1]").getHostAddress());
        assertNull(Addresses.parseLiteral("10.1.2"));
        assertNull(Addresses.parseLiteral("256.1.1.1"));
        assertNull(Addresses.parseLiteral("example.com"));
        assertNull(Addresses.parseLiteral("1234"));
    }
}
