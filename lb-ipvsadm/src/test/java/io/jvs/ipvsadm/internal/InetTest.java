package io.jvs.ipvsadm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import org.junit.jupiter.api.Test;

/** The C library's parsers as ipvsadm uses them. */
class InetTest {

    @Test
    void aton_acceptsTheShortHexAndOctalForms() {
        assertEquals(0x0a000001L, Inet.aton("10.0.0.1"));
        assertEquals(0x0a000001L, Inet.aton("10.1"));
        assertEquals(0x0a010001L, Inet.aton("10.1.1"));
        assertEquals(0x18L, Inet.aton("24"), "-M 24 is 0.0.0.24, not /24");
        assertEquals(0xffffff00L, Inet.aton("0xffffff00"));
        assertEquals(0x0a000008L, Inet.aton("012.0.0.010"));
        assertEquals(0x01020304L, Inet.aton("1.2.3.4 trailing words are ignored"));
    }

    @Test
    void aton_rejects() {
        for (String s : new String[] {"", "1.2.3.4.5", "256.1.1.1", "1.2.3.", "08", "a.b.c.d", "1.2.3.4x", "-1",
            "1.16777216", "4294967296", "1..2"}) {
            assertNull(Inet.aton(s), s);
        }
    }

    @Test
    void pton6_strict() {
        Inet6Address mapped = Inet.pton6("::ffff:10.0.0.1");
        assertTrue(mapped != null && mapped.getAddress()[10] == (byte) 0xff, "mapped addresses stay IPv6");
        assertEquals("2001:db8::1", io.jvs.api.internal.Addresses.toString(Inet.pton6("2001:DB8:0:0:0:0:0:1")));
        for (String s : new String[] {"", ":", "1:2:3:4:5:6:7:8:9", "::1::", "[::1]", "fe80::1%eth0", "12345::",
            "1.2.3.4", "::1.2.3", "1:2:3:4:5:6:7:1.2.3.4"}) {
            assertNull(Inet.pton6(s), s);
        }
    }

    @Test
    void stringToNumber_isStrtolOverTheWholeString() {
        assertEquals(42, Inet.stringToNumber("42", 0, 65535));
        assertEquals(42, Inet.stringToNumber(" +42", 0, 65535));
        assertEquals(-1, Inet.stringToNumber("42 ", 0, 65535));
        assertEquals(-1, Inet.stringToNumber("0x10", 0, 65535));
        assertEquals(-1, Inet.stringToNumber("", 0, 65535));
        assertEquals(-1, Inet.stringToNumber("99999999999999999999999", 0, Long.MAX_VALUE));
        assertEquals(64, Inet.atoi("64abc"));
        assertEquals(0, Inet.atoi("abc"));
    }

    @Test
    void render_ntopPrintsEmbeddedIpv4AsGlibcDoes() {
        assertEquals("::ffff:10.0.0.1", Render.ntop(Inet.pton6("::ffff:10.0.0.1")));
        assertEquals("::10.0.0.1", Render.ntop(Inet.pton6("::a00:1")));
        assertEquals("::1", Render.ntop(Inet.pton6("::1")));
    }

    @Test
    void largenum_rules() {
        assertEquals("        0", Render.largenum(0, false));
        assertEquals(" 99999999", Render.largenum(99_999_999L, false));
        assertEquals("  100000K", Render.largenum(100_000_000L, false));
        assertEquals(" 100000000", Render.largenum(100_000_000L, true));
        assertEquals("  999999K", Render.largenum(999_999_999L, false));
        assertEquals("    1000M", Render.largenum(1_000_000_000L, false));
        assertEquals("     123G", Render.largenum(123_456_789_012L, false));
        assertEquals("     500T", Render.largenum(500_000_000_000_000L, false));
        assertEquals(" 18446744073709551615", Render.largenum(-1L, true));
    }

    @Test
    void restore_tokens() {
        assertEquals(java.util.List.of(java.util.List.of("-A", "-t", "1.2.3.4:80"), java.util.List.of("-C")),
                Restore.lines("ipvsadm -A\t-t  1.2.3.4:80\r\n\n   \nipvsadm\n-C"));
        assertEquals(3, Restore.lines("x".repeat(4096 * 2 + 1)).get(0).size(), "words over 4096 characters split");
    }
}
