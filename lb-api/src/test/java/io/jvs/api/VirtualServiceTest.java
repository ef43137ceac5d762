package io.jvs.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VirtualServiceTest {

    private static final RealServer RS1 = RealServer.of("192.168.1.2", 80);
    private static final RealServer RS2 = RealServer.of("192.168.1.3", 80).withWeight(3);

    @Test
    void defaults() {
        VirtualService vs = VirtualService.tcp("10.0.0.1", 80).build();
        assertEquals(ServiceId.tcp(new InetSocketAddress("10.0.0.1", 80)), vs.id());
        assertEquals("wlc", vs.schedulerName());
        assertFalse(vs.isPersistent());
        assertEquals(Duration.ZERO, vs.persistence());
        assertEquals(32, vs.persistencePrefixLength());
        assertEquals("255.255.255.255", vs.persistenceNetmask().getHostAddress());
        assertFalse(vs.isOnePacket());
        assertEquals(Set.of(), vs.schedulerFlags());
        assertEquals(List.of(), vs.realServers());
        assertEquals(List.of(Endpoint.of(Protocol.TCP, new InetSocketAddress("10.0.0.1", 80))), vs.endpoints());
    }

    @Test
    void fullService() {
        VirtualService vs = VirtualService.udp("10.0.0.1", 53)
                .scheduler("rr")
                .persistence(Duration.ofSeconds(300))
                .persistenceNetmask(24)
                .onePacket()
                .schedulerFlags(EnumSet.of(SchedulerFlag.FLAG_1))
                .realServer(RS1)
                .realServer(RS2)
                .build();
        assertEquals("rr", vs.schedulerName());
        assertTrue(vs.isPersistent());
        assertEquals(Duration.ofSeconds(300), vs.persistence());
        assertEquals("255.255.255.0", vs.persistenceNetmask().getHostAddress());
        assertTrue(vs.isOnePacket());
        assertEquals(List.of(RS1, RS2), vs.realServers());
        assertEquals("UDP 10.0.0.1:53 rr persistent 300 mask 255.255.255.0 ops [192.168.1.2:80 FullNat weight 1, "
                + "192.168.1.3:80 FullNat weight 3]", vs.toString());
    }

    @Test
    void realServer_duplicate() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80).realServer(RS1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.realServer(RS1.withWeight(5)));
        assertEquals("duplicate real server: 192.168.1.2:80", e.getMessage());
        assertEquals(List.of(RS1), b.build().realServers(), "the rejected server was not added");
    }

    @Test
    void realServers_duplicateWithinBatchAddsNone() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.realServers(List.of(RS1, RS2, RS1)));
        assertEquals("duplicate real server: 192.168.1.2:80", e.getMessage());
        assertEquals(List.of(), b.build().realServers());
    }

    @Test
    void persistence_zero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).persistence(Duration.ZERO));
        assertEquals("persistence: PT0S (expected: whole seconds, PT1S-PT744H)", e.getMessage());
    }

    @Test
    void persistence_negative() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).persistence(Duration.ofSeconds(-1)));
        assertEquals("persistence: PT-1S (expected: whole seconds, PT1S-PT744H)", e.getMessage());
    }

    @Test
    void persistence_tooLong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).persistence(Duration.ofDays(32)));
        assertEquals("persistence: PT768H (expected: whole seconds, PT1S-PT744H)", e.getMessage());
    }

    @Test
    void persistence_twice() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80).persistence(Duration.ofMinutes(5));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> b.persistence(Duration.ofMinutes(6)));
        assertEquals("persistence was already set to PT5M", e.getMessage());
    }

    @Test
    void scheduler_unknown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).scheduler("nosuch"));
        assertEquals("scheduler: nosuch (expected: one of rr, wlc)", e.getMessage());
    }

    @Test
    void scheduler_twice() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80).scheduler("rr");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.scheduler("wlc"));
        assertEquals("scheduler was already set to rr", e.getMessage());
    }

    @Test
    void port_outOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 65536));
        assertEquals("port: 65536 (expected: 0-65535)", e.getMessage());
    }

    @Test
    void port_zeroNeedsPersistence() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 0).build());
        assertEquals("port: 0 (expected: 1-65535 for a non-persistent service; port 0 stands for every port "
                + "and needs persistence)", e.getMessage());
        assertTrue(VirtualService.tcp("10.0.0.1", 0).persistence(Duration.ofSeconds(60)).build().isPersistent());
    }

    @Test
    void host_null() {
        NullPointerException e = assertThrows(NullPointerException.class, () -> VirtualService.tcp((String) null, 80));
        assertEquals("host", e.getMessage());
    }

    @Test
    void onePacket_onlyUdp() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).onePacket().build());
        assertEquals("onePacket: true (expected: only for UDP virtual services, not TCP 10.0.0.1:80)", e.getMessage());
    }

    @Test
    void netmask_ipv4PrefixAndDotted() throws Exception {
        assertEquals("255.255.255.0",
                VirtualService.tcp("10.0.0.1", 80).persistenceNetmask(24).build().persistenceNetmask().getHostAddress());
        VirtualService odd = VirtualService.tcp("10.0.0.1", 80)
                .persistenceNetmask(InetAddress.getByName("0.0.0.24")).build();
        assertEquals(-1, odd.persistencePrefixLength(), "ipvsadm accepts non-contiguous dotted masks");
        assertEquals("0.0.0.24", odd.persistenceNetmask().getHostAddress());
        assertEquals(16, VirtualService.tcp("10.0.0.1", 80)
                .persistenceNetmask(InetAddress.getByName("255.255.0.0")).build().persistencePrefixLength());
    }

    @Test
    void netmask_outOfRangeForFamily() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).persistenceNetmask(33));
        assertEquals("persistenceNetmask: 33 (expected: 0-32)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("2001:db8::1", 80).persistenceNetmask(0));
        assertEquals("persistenceNetmask: 0 (expected: 1-128)", e.getMessage());
    }

    @Test
    void netmask_wrongFamily() throws Exception {
        InetAddress v6mask = InetAddress.getByName("ffff:ffff::");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).persistenceNetmask(v6mask));
        assertEquals("persistenceNetmask: ffff:ffff:: (expected: an IPv4 mask for an IPv4 service)", e.getMessage());
        assertEquals(32, VirtualService.tcp("2001:db8::1", 80).persistenceNetmask(v6mask).build()
                .persistencePrefixLength());
    }

    @Test
    void netmask_twice() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80).persistenceNetmask(24);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.persistenceNetmask(16));
        assertEquals("persistenceNetmask was already set to /24", e.getMessage());
    }

    @Test
    void ipv6Service() {
        VirtualService vs = VirtualService.tcp("2001:db8::1", 443).persistence(Duration.ofSeconds(60))
                .persistenceNetmask(64).build();
        assertEquals(StandardProtocolFamily.INET6, vs.id().family());
        assertEquals("TCP [2001:db8::1]:443", vs.id().toString());
        assertEquals("TCP [2001:db8::1]:443 wlc persistent 60 mask 64 []", vs.toString());
    }

    @Test
    void fwmarkGroup() {
        VirtualService vs = VirtualService.fwmark(1)
                .endpoint(Protocol.TCP, new InetSocketAddress("10.0.0.1", 80))
                .endpoint(Protocol.TCP, new InetSocketAddress("10.0.0.1", 443))
                .persistence(Duration.ofSeconds(300))
                .build();
        assertEquals("FWM 1", vs.id().toString());
        assertEquals(2, vs.endpoints().size());
    }

    @Test
    void fwmark_zero() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VirtualService.fwmark(0));
        assertEquals("fwmark: 0 (expected: 1-4294967295)", e.getMessage());
    }

    @Test
    void endpoint_onlyForFwmark() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.tcp("10.0.0.1", 80).endpoint(Protocol.TCP, new InetSocketAddress("10.0.0.1", 81)));
        assertEquals("endpoint: TCP 10.0.0.1:81 (expected: only for firewall-mark services; TCP 10.0.0.1:80 has "
                + "its own)", e.getMessage());
    }

    @Test
    void endpoint_wrongFamily() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VirtualService.fwmark(1).endpoint(Protocol.TCP, new InetSocketAddress("2001:db8::1", 80)));
        assertEquals("endpoint: TCP [2001:db8::1]:80 (expected: an address of the group's family INET)",
                e.getMessage());
    }

    @Test
    void build_leavesBuilderReusable() {
        VirtualService.Builder b = VirtualService.tcp("10.0.0.1", 80).realServer(RS1);
        VirtualService first = b.build();
        b.realServer(RS2);
        assertEquals(List.of(RS1), first.realServers());
        assertEquals(List.of(RS1, RS2), b.build().realServers());
    }

    @Test
    void toBuilder_allowsOneMoreSet() {
        VirtualService vs = VirtualService.tcp("10.0.0.1", 80).scheduler("rr").realServer(RS1).build();
        VirtualService edited = vs.toBuilder().scheduler("wlc").build();
        assertEquals("wlc", edited.schedulerName());
        assertEquals(vs.realServers(), edited.realServers());
        assertEquals(vs, vs.toBuilder().build());
    }

    @Test
    void withRealServers() {
        VirtualService vs = VirtualService.tcp("10.0.0.1", 80).realServer(RS1).build();
        assertEquals(List.of(RS2), vs.withRealServers(List.of(RS2)).realServers());
    }

    @Test
    void schedulerFlags_names() {
        assertEquals("sh-fallback", SchedulerFlag.FLAG_1.displayName("sh"));
        assertEquals("mh-port", SchedulerFlag.FLAG_2.displayName("mh"));
        assertEquals("flag-2", SchedulerFlag.FLAG_2.displayName("wrr"));
        assertEquals(SchedulerFlag.FLAG_1, SchedulerFlag.parse("sh-fallback", "sh"));
        assertEquals(SchedulerFlag.FLAG_3, SchedulerFlag.parse("flag-3", "rr"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SchedulerFlag.parse("sh-port", "mh"));
        assertEquals("schedulerFlag: sh-port (expected: only with scheduler sh, not mh)", e.getMessage());
    }
}
