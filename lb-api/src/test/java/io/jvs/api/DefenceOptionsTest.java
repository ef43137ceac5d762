package io.jvs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The defence options of a service: access lists, per-source limits, the client data timeout. */
class DefenceOptionsTest {

    private static VirtualService.Builder service() {
        return VirtualService.tcp("10.0.0.1", 80).scheduler(new DataPathOptionsTestFactory());
    }

    private static InetAddress ip(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void defaults_areOpen() {
        VirtualService vs = service().build();
        assertEquals(List.of(), vs.defences().allow());
        assertEquals(List.of(), vs.defences().deny());
        assertEquals(SourceLimit.NONE, vs.defences().sourceLimit());
        assertFalse(vs.defences().sourceLimit().isLimited());
        assertEquals(Duration.ZERO, vs.defences().clientDataTimeout());
        assertTrue(vs.defences().admits(ip("192.0.2.1")));
        assertTrue(vs.defences().admits(ip("2001:db8::1")));
    }

    @Test
    void accessLists_set_keptByToBuilder_shownInToString() {
        VirtualService vs = service().allow(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("10.0.0.0/8"),
                Cidr.parse("2001:db8::/32"))).deny(List.of(Cidr.parse("10.66.0.0/16"))).build();
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("2001:db8::/32")), vs.defences().allow(), "duplicates dropped");
        assertEquals(List.of(Cidr.parse("10.66.0.0/16")), vs.defences().deny());
        assertEquals(vs, vs.toBuilder().build());
        assertNotEquals(vs, service().build());
        assertTrue(vs.toString().contains(" allow [10.0.0.0/8, 2001:db8::/32] deny [10.66.0.0/16]"), vs.toString());
        assertTrue(vs.defences().admits(ip("10.1.1.1")));
        assertFalse(vs.defences().admits(ip("10.66.1.1")));
        assertTrue(vs.defences().admits(ip("2001:db8::9")));
        assertFalse(vs.defences().admits(ip("192.0.2.1")), "outside the allow list");
        assertTrue(vs.defences().admits(ip("::ffff:10.1.1.1")), "an IPv4-mapped client is its IPv4 address");
    }

    @Test
    void accessLists_badValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service().allow(List.of()));
        assertEquals("allow: [] (expected: at least one network)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> service().deny(List.of()));
        assertEquals("deny: [] (expected: at least one network)", e.getMessage());
        NullPointerException n = assertThrows(NullPointerException.class,
                () -> service().deny(java.util.Arrays.asList(Cidr.parse("10.0.0.0/8"), null)));
        assertEquals("cidr", n.getMessage());
        VirtualService.Builder b = service().deny(List.of(Cidr.parse("10.0.0.0/8")));
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> b.deny(List.of(Cidr.parse("10.0.0.0/16"))));
        assertEquals("deny was already set to [10.0.0.0/8]", s.getMessage());
        assertEquals(List.of(Cidr.parse("10.0.0.0/8")), b.build().defences().deny(), "a rejected value changes nothing");
    }

    @Test
    void sourceLimit_values() {
        SourceLimit l = SourceLimit.maxConnections(50).withRate(20, 40).withPrefixLengths(24, 48).withMaxSources(1000);
        assertEquals(50, l.maxConnections());
        assertEquals(20, l.ratePerSecond());
        assertEquals(40, l.burst());
        assertEquals(24, l.ipv4PrefixLength());
        assertEquals(48, l.ipv6PrefixLength());
        assertEquals(1000, l.maxSources());
        assertTrue(l.isLimited());
        assertEquals("per /24 and /48: 50 connections, 20/s burst 40, 1000 sources tracked", l.toString());
        assertEquals("per /32 and /64: 5/s burst 5", SourceLimit.rate(5, 5).toString());
        assertEquals("none", SourceLimit.NONE.toString());
        assertEquals(l, SourceLimit.rate(20, 40).withMaxConnections(50).withMaxSources(1000).withPrefixLengths(24, 48));
        assertNotEquals(l, l.withMaxConnections(51));
        VirtualService vs = service().sourceLimit(l).build();
        assertEquals(l, vs.defences().sourceLimit());
        assertEquals(vs, vs.toBuilder().build());
        assertTrue(vs.toString().contains(" source-limit per /24 and /48: 50 connections"), vs.toString());
    }

    @Test
    void sourceLimit_badValues() {
        assertEquals("maxConnections: 0 (expected: 1-2147483647)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.maxConnections(0)).getMessage());
        assertEquals("rate: 0 (expected: 1-1000000)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.rate(0, 1)).getMessage());
        assertEquals("burst: 0 (expected: 1-1000000)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.rate(1, 0)).getMessage());
        assertEquals("ipv4PrefixLength: 33 (expected: 1-32)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.NONE.withPrefixLengths(33, 64)).getMessage());
        assertEquals("ipv6PrefixLength: 0 (expected: 1-128)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.NONE.withPrefixLengths(32, 0)).getMessage());
        assertEquals("maxSources: 15 (expected: 16-16777216)", assertThrows(IllegalArgumentException.class,
                () -> SourceLimit.NONE.withMaxSources(15)).getMessage());
        VirtualService.Builder b = service().sourceLimit(SourceLimit.maxConnections(1));
        assertEquals("sourceLimit was already set to per /32 and /64: 1 connections", assertThrows(
                IllegalStateException.class, () -> b.sourceLimit(SourceLimit.maxConnections(2))).getMessage());
    }

    @Test
    void awaitClientData_values() {
        VirtualService vs = service().awaitClientData(Duration.ofSeconds(5)).build();
        assertEquals(Duration.ofSeconds(5), vs.defences().clientDataTimeout());
        assertEquals(vs, vs.toBuilder().build());
        assertTrue(vs.toString().contains(" await-data 5000ms"), vs.toString());
        assertEquals("awaitClientData: PT0S (expected: PT0.001S-PT1H)", assertThrows(IllegalArgumentException.class,
                () -> service().awaitClientData(Duration.ZERO)).getMessage());
        assertEquals("awaitClientData: PT1H0.001S (expected: PT0.001S-PT1H)", assertThrows(
                IllegalArgumentException.class, () -> service().awaitClientData(Duration.ofMillis(3_600_001)))
                .getMessage());
        VirtualService.Builder b = service().awaitClientData(Duration.ofSeconds(1));
        assertThrows(IllegalStateException.class, () -> b.awaitClientData(Duration.ofSeconds(2)));
    }

    @Test
    void serviceDefenceStatus_of_copiesTheSettings() {
        VirtualService vs = service().deny(List.of(Cidr.parse("10.0.0.0/8"))).maxConnections(7).build();
        ServiceDefenceStatus d = ServiceDefenceStatus.of(vs);
        assertEquals(vs.id(), d.service());
        assertEquals(vs.defences().deny(), d.deny());
        assertEquals(7, d.maxConnections());
        assertEquals(0, d.refused());
    }

    /** A scheduler factory by name only: lb-api's tests do not depend on lb-schedulers. */
    private static final class DataPathOptionsTestFactory implements Scheduler.Factory {
        @Override
        public String name() {
            return "rr";
        }

        @Override
        public Scheduler create(Scheduler.Context context) {
            throw new UnsupportedOperationException();
        }
    }
}
