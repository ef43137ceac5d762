package io.jvs.ipvsadm;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.Rates;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Stats;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.ipvsadm.internal.Names;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

/**
 * The table the golden listings show: IPv4, IPv6, firewall-mark groups of both families, persistence with masks,
 * one-packet scheduling, scheduler flags, every forwarding method, large counters, and two services whose
 * addresses are 2^31 or more apart (ipvsadm's int-subtraction sort puts 200.0.0.1 before 10.0.0.1).
 */
final class GoldenFixture {

    private GoldenFixture() {}

    /** A scheduler factory by name only: listings need the name, never a pick. */
    static Scheduler.Factory named(String name) {
        return new Scheduler.Factory() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public Scheduler create(Scheduler.Context context) {
                throw new UnsupportedOperationException();
            }
        };
    }

    static InetSocketAddress sa(String ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static RealServerStatus dest(String ip, int port, ForwardingMethod m, int weight, int active, int inactive,
            int persistent, Stats stats, Rates rates) {
        RealServer rs = RealServer.of(sa(ip, port)).withWeight(weight).withForwardingMethod(m);
        return new RealServerStatus(rs, active, inactive, persistent, false, stats, rates);
    }

    static RealServerStatus dest(String ip, int port, ForwardingMethod m, int weight, int active, int inactive) {
        return dest(ip, port, m, weight, active, inactive, 0, Stats.ZERO, Rates.ZERO);
    }

    static ServiceStatus service(VirtualService.Builder b, Stats stats, Rates rates, RealServerStatus... dests) {
        VirtualService vs = b.build();
        return new ServiceStatus(vs, List.of(dests), stats, rates);
    }

    /** The services in "kernel" order (what --nosort prints); real servers newest first. */
    static List<ServiceStatus> services() {
        ServiceStatus s1 = service(VirtualService.tcp(sa("10.0.0.1", 80)).scheduler(named("wrr"))
                        .persistence(Duration.ofSeconds(300)).persistenceNetmask(sa("255.255.255.0", 0).getAddress()),
                new Stats(1234, 98765, 87654, 123456789L, 99_999_999_999L), new Rates(12, 340, 300, 45000, 900000),
                dest("192.168.1.3", 80, ForwardingMethod.NAT, 0, 0, 1, 0,
                        new Stats(34, 765, 654, 456789, 999), new Rates(0, 1, 2, 3, 4)),
                dest("192.168.1.2", 80, ForwardingMethod.DR, 3, 12, 40, 5,
                        new Stats(1200, 98000, 87000, 123000000L, 99_999_998_000L),
                        new Rates(12, 339, 298, 44997, 899996)));
        ServiceStatus s2 = service(VirtualService.udp(sa("10.0.0.1", 53)).scheduler(named("sh"))
                        .schedulerFlags(EnumSet.of(SchedulerFlag.FLAG_1, SchedulerFlag.FLAG_2)).onePacket(),
                new Stats(99_999_999L, 100_000_000L, 123_456_789_012L, 500_000_000_000_000L, 999_999_999L),
                new Rates(100_000_000L, 99_999_999L, 0, 1_000_000_000L, 123_456_789_012_345L),
                dest("192.168.1.4", 53, ForwardingMethod.NAT, 1, 0, 17, 0,
                        new Stats(99_999_999L, 100_000_000L, 123_456_789_012L, 500_000_000_000_000L, 999_999_999L),
                        new Rates(100_000_000L, 99_999_999L, 0, 1_000_000_000L, 123_456_789_012_345L)));
        ServiceStatus s3 = service(VirtualService.fwmark(1).scheduler(named("rr")), Stats.ZERO, Rates.ZERO,
                dest("192.168.1.5", 0, ForwardingMethod.TUN, 1, 0, 0));
        RealServerStatus v6mark = new RealServerStatus(RealServer.of(sa("2001:db8::10", 0)).withWeight(5)
                .withThresholds(100, 50), 3, 4, 2, false, new Stats(7, 70, 60, 7000, 6000), new Rates(1, 2, 3, 4, 5));
        ServiceStatus s4 = service(VirtualService.builder(ServiceId.fwmark(2, StandardProtocolFamily.INET6))
                        .scheduler(named("wlc")).persistence(Duration.ofSeconds(360)).persistenceNetmask(64),
                new Stats(7, 70, 60, 7000, 6000), new Rates(1, 2, 3, 4, 5), v6mark);
        ServiceStatus s5 = service(VirtualService.tcp(sa("2001:db8::1", 443)).scheduler(named("wlc"))
                        .schedulerFlags(EnumSet.of(SchedulerFlag.FLAG_1)),
                Stats.ZERO, Rates.ZERO,
                dest("2001:db8::3", 8443, ForwardingMethod.FULLNAT, 1, 0, 0),
                dest("2001:db8::2", 8443, ForwardingMethod.FULLNAT, 2, 1, 0));
        ServiceStatus s6 = service(VirtualService.tcp(sa("200.0.0.1", 80)).scheduler(named("rr")), Stats.ZERO,
                Rates.ZERO, dest("10.1.0.2", 8080, ForwardingMethod.FULLNAT, 1, 0, 0),
                dest("200.1.0.2", 8080, ForwardingMethod.FULLNAT, 65535, 2147483647, 0));
        ServiceStatus s7 = service(VirtualService.tcp(sa("10.0.0.2", 0)).scheduler(named("wlc"))
                .persistence(Duration.ofSeconds(600)), Stats.ZERO, Rates.ZERO);
        return List.of(s1, s2, s3, s4, s5, s6, s7);
    }

    static List<ConnectionStatus> connections() {
        ServiceId web = ServiceId.tcp(sa("10.0.0.1", 80));
        ServiceId dns = ServiceId.udp(sa("10.0.0.1", 53));
        ServiceId mark = ServiceId.fwmark(1, StandardProtocolFamily.INET);
        ServiceId v6 = ServiceId.tcp(sa("2001:db8::1", 443));
        return List.of(
                new ConnectionStatus(web, Protocol.TCP, Duration.ofMillis(898_700), "ESTABLISHED",
                        sa("10.1.1.7", 51234), sa("10.0.0.1", 80), sa("192.168.1.2", 80), false),
                new ConnectionStatus(web, Protocol.TCP, Duration.ofSeconds(299), "NONE", sa("10.1.1.0", 0),
                        sa("10.0.0.1", 80), sa("192.168.1.2", 80), true),
                new ConnectionStatus(dns, Protocol.UDP, Duration.ofSeconds(295), "UDP", sa("10.1.1.7", 40000),
                        sa("10.0.0.1", 53), sa("192.168.1.4", 53), false),
                new ConnectionStatus(mark, null, Duration.ofSeconds(300), "ASSURED", sa("10.1.1.7", 0),
                        sa("0.0.0.1", 0), sa("192.168.1.5", 0), true),
                new ConnectionStatus(v6, Protocol.TCP, Duration.ofSeconds(119), "FIN_WAIT", sa("2001:db8::99", 40000),
                        sa("2001:db8::1", 443), sa("2001:db8::2", 8443), false),
                new ConnectionStatus(web, Protocol.TCP, Duration.ofSeconds(7200), "TIME_WAIT",
                        sa("10.1.1.8", 1025), sa("10.0.0.1", 80), sa("192.168.1.3", 80), false));
    }

    static StaticLoadBalancer loadBalancer() {
        return new StaticLoadBalancer(services(), connections(), 4096, Timeouts.ofSeconds(3600, 60, 600));
    }

    /** Host and service names for the listings without -n. */
    static Names names() {
        Map<String, String> hosts = Map.of(
                "10.0.0.1", "www.example.com",
                "192.168.1.2", "a-very-long-real-server-name.example.org",
                "200.0.0.1", "lb-with-a-rather-long-name.example.net",
                "2001:db8::1", "v6.example.com",
                "10.1.1.7", "client7.example.com");
        Map<String, String> services = Map.of("80/tcp", "http", "53/udp", "domain", "443/tcp", "https",
                "8080/tcp", "http-alt");
        return new Names() {
            @Override
            public Inet4Address hostToIpv4(String name) {
                for (Map.Entry<String, String> e : hosts.entrySet()) {
                    if (e.getValue().equals(name) && !e.getKey().contains(":")) {
                        return (Inet4Address) sa(e.getKey(), 0).getAddress();
                    }
                }
                return null;
            }

            @Override
            public String addressToHost(InetAddress address) {
                return hosts.get(io.jvs.api.internal.Addresses.toString(address));
            }

            @Override
            public int serviceToPort(String name, String protocol) {
                for (Map.Entry<String, String> e : services.entrySet()) {
                    if (e.getValue().equals(name) && e.getKey().endsWith("/" + protocol)) {
                        return Integer.parseInt(e.getKey().substring(0, e.getKey().indexOf('/')));
                    }
                }
                return -1;
            }

            @Override
            public String portToService(int port, String protocol) {
                return services.get(port + "/" + protocol);
            }
        };
    }
}
