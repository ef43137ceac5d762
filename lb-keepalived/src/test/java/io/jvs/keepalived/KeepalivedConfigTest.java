package io.jvs.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.CommandCheck;
import io.jvs.health.ConnectOptions;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthState;
import io.jvs.health.HttpGetCheck;
import io.jvs.health.SmtpCheck;
import io.jvs.health.TcpCheck;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** keepalived.conf: a realistic file, every supported keyword, every warning and every error with its position. */
class KeepalivedConfigTest {

    private static KeepalivedConfig parse(String text) {
        return KeepalivedConfig.parse(text, "k.conf");
    }

    private static CheckedService only(String text) {
        KeepalivedConfig c = parse(text);
        assertEquals(1, c.services().size(), c::toString);
        return c.services().get(0);
    }

    private static List<String> warnings(String text) {
        return parse(text).warnings().stream().map(ConfigWarning::toString).collect(Collectors.toList());
    }

    private static String error(String text) {
        return assertThrows(KeepalivedParseException.class, () -> parse(text)).getMessage();
    }

    private static InetSocketAddress at(String ip, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    /**
     * A virtual server around {@code body} (which starts on line 2), with lb_kind NAT, protocol TCP and one real
     * server unless the body has its own.
     */
    private static String vs(String body) {
        return "virtual_server 10.0.0.1 80 {\n" + body + "\n"
                + (body.contains("lb_kind") || body.contains("lvs_method") ? "" : "lb_kind NAT\n")
                + (body.contains("protocol") ? "" : "protocol TCP\n")
                + (body.contains("real_server") ? "" : "real_server 10.0.1.1 80\n") + "}\n";
    }

    private static String schedulers() {
        List<String> names = new ArrayList<>(Scheduler.Factory.names());
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.get(names.size() - 1);
    }

    // ---- a realistic file

    @Test
    void realisticFile_withIncludesGroupsFwmarksAndEveryChecker() throws Exception {
        Path file = Path.of(getClass().getResource("/keepalived/full.conf").toURI());
        KeepalivedConfig config = KeepalivedConfig.parse(file);
        String dir = file.getParent().toString();
        assertEquals(List.of(
                file + ":4: global_defs is not supported (JVS has no global settings in keepalived.conf); block skipped",
                file + ":11: vrrp_instance is not supported (JVS does not run VRRP or own virtual addresses; keep "
                        + "keepalived or another VRRP daemon for that); block skipped",
                file + ":35: smtp_alert is not supported (JVS runs no notification scripts and sends no mail; "
                        + "subscribe to HealthChecker events); ignored",
                dir + "/conf.d/api.conf:33: virtual_server fwmark 7 sets no lb_kind; using NAT (keepalived's default)",
                dir + "/conf.d/dns.conf:1: virtual_server 10.0.0.6 53 sets no lb_kind; using NAT (keepalived's default)"),
                config.warnings().stream().map(ConfigWarning::toString).collect(Collectors.toList()));
        assertEquals(4, config.services().size());

        // The web pool: address form, NAT, persistence with a netmask, quorum, sorry server, three checkers.
        CheckedService web = config.services().get(0);
        VirtualService vs = web.services().get(0);
        assertEquals(ServiceId.tcp(at("10.0.0.1", 80)), vs.id());
        assertEquals("wrr", vs.schedulerName());
        assertEquals(Duration.ofSeconds(50), vs.persistence());
        assertEquals(24, vs.persistencePrefixLength());
        assertEquals(3, web.quorum());
        assertEquals(1, web.hysteresis());
        assertEquals(RealServer.of(at("10.0.1.99", 8080)).withForwardingMethod(ForwardingMethod.NAT),
                web.sorryServer().orElseThrow());
        assertFalse(web.sorryServerInhibit());
        List<CheckedServer> servers = web.servers();
        assertEquals(3, servers.size());

        CheckedServer s1 = servers.get(0);
        assertEquals(RealServer.of(at("10.0.1.11", 8080)).withWeight(3).withForwardingMethod(ForwardingMethod.NAT)
                .withThresholds(1000, 800), s1.server());
        assertTrue(s1.inhibitOnFailure(), "inherited from the virtual server");
        HttpGetCheck http = (HttpGetCheck) s1.checks().get(0);
        assertEquals(List.of(HttpGetCheck.Url.of("/health").withStatusCodes("200 204"),
                HttpGetCheck.Url.of("/index.html").withDigest("9b3a0c85a887a256d6939da88aabd8cd")), http.urls());
        assertEquals("www.example.com", http.virtualHost());
        CheckSettings s = http.settings();
        assertEquals(Duration.ofSeconds(6), s.interval());
        assertEquals(Duration.ofSeconds(3), s.timeout());
        assertEquals(3, s.retries());
        assertEquals(Duration.ofSeconds(2), s.retryDelay());
        assertEquals(Duration.ofSeconds(6), s.warmup(), "keepalived: warmup defaults to delay_loop");
        assertEquals(HealthState.DOWN, s.initialState(), "alpha");

        CheckedServer s2 = servers.get(1);
        assertFalse(s2.inhibitOnFailure(), "inhibit_on_failure off overrides the virtual server");
        assertEquals(2, s2.checks().size(), "TCP_CHECK and SMTP_CHECK");
        assertEquals(SmtpCheck.of().withHeloName("mail.example.com").withSettings(s2.checks().get(1).settings()),
                s2.checks().get(1));
        TcpCheck tcp = (TcpCheck) s2.checks().get(0);
        assertEquals(new ConnectOptions(null, 8081, null), tcp.connectOptions());
        assertEquals(Duration.ofMillis(500), tcp.settings().timeout());
        assertEquals(1, tcp.settings().retries(), "keepalived's default retry");
        assertEquals(Duration.ofSeconds(1), tcp.settings().retryDelay(), "keepalived's default delay_before_retry");

        CommandCheck misc = (CommandCheck) servers.get(2).checks().get(0);
        assertEquals(List.of("/usr/local/bin/check-web", "--host", "10.0.1.13", "with spaces"), misc.command());
        assertEquals(Duration.ofSeconds(4), misc.timeout());
        assertTrue(misc.dynamicWeight());
        assertEquals(0, misc.settings().retries(), "MISC_CHECK's retry default is 0");
        assertEquals(1, servers.get(2).server().weight());

        // The API group: three virtual services fed by the same two checked servers.
        CheckedService api = config.services().get(1);
        assertEquals(List.of(ServiceId.tcp(at("10.0.0.2", 443)), ServiceId.tcp(at("10.0.0.3", 443)),
                ServiceId.tcp(at("10.0.0.4", 443))), api.ids());
        for (VirtualService v : api.services()) {
            assertEquals("rr", v.schedulerName());
            assertEquals(2, v.realServers().size());
            assertEquals(ForwardingMethod.FULLNAT, v.realServers().get(0).forwardingMethod());
        }
        CheckedServer a1 = api.servers().get(0);
        assertTrue(a1.passive());
        assertEquals(Duration.ofSeconds(30), a1.slowStart());
        CheckSettings as = a1.checks().get(0).settings();
        assertEquals(Duration.ofSeconds(2), as.interval());
        assertEquals(2, as.rise());
        assertEquals(3, as.fall());
        assertEquals(Duration.ZERO, as.warmup());
        assertEquals(0.1, api.servers().get(1).checks().get(0).settings().jitter());
        assertEquals(5, api.servers().get(1).server().weight());

        // The firewall-mark service, with its endpoints from fwmark_endpoints 7.
        CheckedService fwm = config.services().get(2);
        VirtualService f = fwm.services().get(0);
        assertEquals(ServiceId.fwmark(7, StandardProtocolFamily.INET), f.id());
        assertEquals(List.of(Endpoint.of(Protocol.TCP, at("10.0.0.5", 80)), Endpoint.of(Protocol.TCP,
                at("10.0.0.5", 443))), f.endpoints());
        assertEquals(Duration.ofSeconds(360), f.persistence(), "persistence_timeout alone: 6 minutes");
        assertEquals(at("10.0.3.11", 0), fwm.servers().get(0).address(), "port 0: the port the client used");
        assertEquals(80, ((TcpCheck) fwm.servers().get(0).checks().get(0)).connectOptions().port());

        // UDP with one-packet scheduling.
        VirtualService dns = config.services().get(3).services().get(0);
        assertEquals(ServiceId.udp(at("10.0.0.6", 53)), dns.id());
        assertTrue(dns.isOnePacket());
        assertEquals(List.of("dig", "@10.0.4.11", "example.com", "+time=1"),
                ((CommandCheck) config.services().get(3).servers().get(0).checks().get(0)).command());
    }

    // ---- supported keywords, one by one

    @Test
    void defaults_areKeepalivedsDefaults() throws Exception {
        CheckedService s = only(vs("real_server 10.0.1.1 { TCP_CHECK }"));
        CheckedServer rs = s.servers().get(0);
        assertEquals(at("10.0.1.1", 80), rs.address(), "a real server without a port takes the virtual server's");
        assertEquals(1, rs.server().weight());
        assertEquals(ForwardingMethod.NAT, rs.server().forwardingMethod());
        assertFalse(rs.inhibitOnFailure());
        assertEquals(Duration.ZERO, rs.slowStart());
        CheckSettings c = rs.checks().get(0).settings();
        assertEquals(Duration.ofSeconds(60), c.interval());
        assertEquals(Duration.ofSeconds(5), c.timeout());
        assertEquals(1, c.retries());
        assertEquals(Duration.ofSeconds(1), c.retryDelay());
        assertEquals(Duration.ofSeconds(60), c.warmup());
        assertEquals(HealthState.UP, c.initialState());
        assertEquals(1, c.rise());
        assertEquals(1, c.fall());
        assertEquals(1, s.quorum());
        assertEquals(0, s.hysteresis());
        assertEquals(VirtualService.DEFAULT_SCHEDULER, s.services().get(0).schedulerName());
        assertFalse(s.services().get(0).isPersistent());
        HttpGetCheck h = (HttpGetCheck) only(vs("real_server 10.0.1.1 80 { HTTP_GET { url { path / } } }"))
                .servers().get(0).checks().get(0);
        assertEquals(Duration.ofSeconds(3), h.settings().retryDelay(), "HTTP_GET: delay_before_retry 3");
        assertEquals("200-299", h.urls().get(0).statusCodes());
        assertEquals(HttpGetCheck.Version.HTTP_1_0, h.version());
        CommandCheck m = (CommandCheck) only(vs("delay_loop 7\nreal_server 10.0.1.1 80 { MISC_CHECK { misc_path "
                + "/bin/true } }")).servers().get(0).checks().get(0);
        assertEquals(Duration.ofSeconds(7), m.timeout(), "misc_timeout defaults to the virtual server's delay_loop");
        assertEquals(0, m.settings().retries());
    }

    @Test
    void settings_inheritFromVirtualServerToRealServerToChecker() {
        CheckedService s = only(vs("delay_loop 10\nconnect_timeout 4\nretry 2\ndelay_before_retry 0.25\nwarmup 1\n"
                + "rise 2\nfall 4\njitter 0.2\nslow_start 9\npassive\nweight 6\n"
                + "real_server 10.0.1.1 80 {\n delay_loop 3\n retry 5\n TCP_CHECK { connect_timeout 0.1\n fall 1 }\n}\n"
                + "real_server 10.0.1.2 80 {\n weight 2\n alpha\n TCP_CHECK { delay_loop 1\n warmup 0\n rise 9\n"
                + " log_all_failures\n alpha off } }"));
        CheckedServer r1 = s.servers().get(0);
        assertEquals(6, r1.server().weight(), "virtual server weight is the default");
        assertTrue(r1.passive());
        assertEquals(Duration.ofSeconds(9), r1.slowStart());
        CheckSettings c1 = r1.checks().get(0).settings();
        assertEquals(Duration.ofSeconds(3), c1.interval());
        assertEquals(Duration.ofMillis(100), c1.timeout());
        assertEquals(5, c1.retries());
        assertEquals(Duration.ofMillis(250), c1.retryDelay());
        assertEquals(Duration.ofSeconds(1), c1.warmup());
        assertEquals(2, c1.rise());
        assertEquals(1, c1.fall());
        assertEquals(0.2, c1.jitter());
        assertFalse(c1.logAllFailures());
        CheckSettings c2 = s.servers().get(1).checks().get(0).settings();
        assertEquals(2, s.servers().get(1).server().weight());
        assertEquals(Duration.ofSeconds(1), c2.interval());
        assertEquals(Duration.ofSeconds(4), c2.timeout());
        assertEquals(2, c2.retries());
        assertEquals(Duration.ZERO, c2.warmup());
        assertEquals(9, c2.rise());
        assertEquals(4, c2.fall());
        assertTrue(c2.logAllFailures());
        assertEquals(HealthState.UP, c2.initialState(), "the checker's alpha off wins over the real server's alpha");
    }

    @Test
    void virtualServerKeywords() throws Exception {
        CheckedService s = only(vs("lvs_sched rr\nlvs_method FULLNAT\npersistence_timeout 600\n"
                + "persistence_granularity 255.255.0.0\nquorum 2\nhysteresis 1\nsorry_server 10.0.1.9\n"
                + "sorry_server_inhibit\nsorry_server_lvs_method NAT\nweight 2\n"
                + "real_server 10.0.1.1 80\nreal_server 10.0.1.2 8080 { weight 0\n lvs_method NAT\n uthreshold 10 }"));
        VirtualService v = s.services().get(0);
        assertEquals("rr", v.schedulerName());
        assertEquals(Duration.ofSeconds(600), v.persistence());
        assertEquals(16, v.persistencePrefixLength());
        assertEquals(2, s.quorum());
        assertEquals(1, s.hysteresis());
        assertEquals(RealServer.of(at("10.0.1.9", 80)).withForwardingMethod(ForwardingMethod.NAT),
                s.sorryServer().orElseThrow());
        assertTrue(s.sorryServerInhibit());
        assertEquals(List.of(RealServer.of(at("10.0.1.1", 80)).withWeight(2),
                RealServer.of(at("10.0.1.2", 8080)).withWeight(0).withForwardingMethod(ForwardingMethod.NAT)
                        .withThresholds(10, 0)), v.realServers());

        VirtualService udp = only("virtual_server 10.0.0.1 53 {\n protocol udp\n ops\n lb_algo rr\n"
                + " real_server 10.0.1.1 53\n}").services().get(0);
        assertEquals(Protocol.UDP, udp.id().protocol());
        assertTrue(udp.isOnePacket());
        VirtualService flags = only(vs("lb_algo wrr\nflag-1\nflag-3")).services().get(0);
        assertEquals(EnumSet.of(SchedulerFlag.FLAG_1, SchedulerFlag.FLAG_3), flags.schedulerFlags());
        VirtualService v6 = only("virtual_server 2001:db8::1 80 {\n persistence_granularity 64\n"
                + " real_server 2001:db8::11 8080\n}").services().get(0);
        assertEquals(64, v6.persistencePrefixLength());
        assertEquals(Duration.ofSeconds(360), v6.persistence(), "granularity implies the default timeout");
        VirtualService allPorts = only("virtual_server 10.0.0.1 {\n persistence_timeout 30\n"
                + " real_server 10.0.1.1\n}").services().get(0);
        assertEquals(0, allPorts.id().address().getPort());
        assertEquals(0, allPorts.realServers().get(0).address().getPort());
    }

    @Test
    void groupsAndFirewallMarks() throws Exception {
        KeepalivedConfig c = parse("virtual_server_group G {\n 10.0.0.1 80\n 10.0.0.8/30 80\n"
                + " 10.0.0.20-10.0.0.21 80\n 2001:db8::a-b 80\n fwmark 3\n fwmark 4 inet6\n}\n"
                + "fwmark_endpoints 3 {\n 10.0.0.30 25\n 10.0.0.30 53 udp\n}\n"
                + "fwmark_endpoints 4 inet6 {\n 2001:db8::30 25\n}\n"
                + "virtual_server group G {\n lb_kind NAT\n persistence_timeout 60\n real_server 10.0.1.1 8080\n"
                + " protocol TCP\n}\n");
        List<ServiceId> ids = c.services().get(0).ids();
        List<String> expect = List.of("TCP 10.0.0.1:80", "TCP 10.0.0.8:80", "TCP 10.0.0.9:80", "TCP 10.0.0.10:80",
                "TCP 10.0.0.11:80", "TCP 10.0.0.20:80", "TCP 10.0.0.21:80", "TCP [2001:db8::a]:80",
                "TCP [2001:db8::b]:80", "FWM 3", "FWM 4 IPv6");
        assertEquals(expect, ids.stream().map(ServiceId::toString).collect(Collectors.toList()));
        VirtualService fwm = c.services().get(0).services().get(9);
        assertEquals(List.of(Endpoint.of(Protocol.TCP, at("10.0.0.30", 25)), Endpoint.of(Protocol.UDP,
                at("10.0.0.30", 53))), fwm.endpoints());
        assertEquals(List.of(), c.warnings());
    }

    @Test
    void checkerKeywords() throws Exception {
        CheckedServer rs = only(vs("real_server 10.0.1.1 80 {\n"
                + " TCP_CHECK {\n  connect_ip 10.0.1.50\n  connect_port 81\n  bindto 10.0.0.1\n  bind_port 5000\n }\n"
                + " HTTP_GET {\n  url {\n   path /a?x=1\n   status_code 200-299 301 \n   virtualhost a.example.com\n  }\n"
                + "  http_protocol 1.1\n  fast_recovery\n  nb_get_retry 4\n }\n"
                + " MISC_CHECK {\n  misc_path \"/bin/sh -c 'exit 3'\"\n  misc_timeout 2\n  misc_dynamic\n }\n"
                + "}")).servers().get(0);
        TcpCheck tcp = (TcpCheck) rs.checks().get(0);
        assertEquals(new ConnectOptions(InetAddress.getByName("10.0.1.50"), 81, at("10.0.0.1", 5000)),
                tcp.connectOptions());
        HttpGetCheck http = (HttpGetCheck) rs.checks().get(1);
        assertEquals(HttpGetCheck.Version.HTTP_1_1, http.version());
        assertEquals(4, http.settings().retries());
        HttpGetCheck.Url url = http.urls().get(0);
        assertEquals("/a?x=1", url.path());
        assertEquals("200-299 301", url.statusCodes());
        assertEquals("a.example.com", url.virtualHost());
        assertNull(url.digest());
        CommandCheck misc = (CommandCheck) rs.checks().get(2);
        assertEquals(List.of("/bin/sh", "-c", "exit 3"), misc.command());
        assertEquals(Duration.ofSeconds(2), misc.timeout());
        assertTrue(misc.dynamicWeight());
    }

    @Test
    void includeCommentsParametersAndLineContinuation(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("main.conf"), "$PORT=8080\n$RS=real_server\n"
                + "virtual_server 10.0.0.1 80 { # a comment\n"
                + "    include servers/*.conf   ! another comment\n"
                + "    lb_algo \\\n        rr\n    lb_kind NAT\n    protocol TCP\n"
                + "}\n");
        Files.createDirectories(dir.resolve("servers"));
        Files.writeString(dir.resolve("servers/a.conf"), "${RS} 10.0.1.1 $PORT\n");
        Files.writeString(dir.resolve("servers/b.conf"), "$RS 10.0.1.2 ${PORT} { weight 4 }\n");
        KeepalivedConfig c = KeepalivedConfig.parse(dir.resolve("main.conf"));
        assertEquals(List.of(), c.warnings());
        VirtualService v = c.services().get(0).services().get(0);
        assertEquals("rr", v.schedulerName());
        assertEquals(List.of(RealServer.of(at("10.0.1.1", 8080)).withForwardingMethod(ForwardingMethod.NAT),
                RealServer.of(at("10.0.1.2", 8080)).withWeight(4).withForwardingMethod(ForwardingMethod.NAT)),
                v.realServers());
    }

    private static final java.util.Set<ForwardingMethod> ALL = EnumSet.allOf(ForwardingMethod.class);

    private static io.jvs.api.RealServer server(String body) {
        return KeepalivedConfig.parser().forwardingMethods(ALL).parse(vs(body), "k.conf").services().get(0).servers()
                .get(0).server();
    }

    @Test
    void lbKind_drAndTun_withTheirTunnels() {
        assertEquals(ForwardingMethod.DR, server("lb_kind DR").forwardingMethod());
        assertEquals("ipip", server("lb_kind TUN").tunnelInfo());
        assertEquals("ipip", server("lvs_method TUN type ipip").tunnelInfo());
        assertEquals("gue:6080:-c", server("lvs_method TUN type gue port 6080").tunnelInfo());
        assertEquals("gue:6080:-c", server("lvs_method TUN type gue port 6080 nocsum").tunnelInfo());
        assertEquals("gue:6081:+c", server("lvs_method TUN type gue port 6081 csum").tunnelInfo());
        assertEquals(ForwardingMethod.DR, KeepalivedConfig.parser().forwardingMethods(EnumSet.of(ForwardingMethod.DR,
                ForwardingMethod.TUN)).parse("virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80\n protocol TCP\n}",
                "k.conf").services().get(0).servers().get(0).server().forwardingMethod(), "no lb_kind, no NAT: DR");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', value = {
        "lb_kind TUN type gre#2:18: lb_kind TUN type: gre (expected: ipip or gue; GRE tunnels are not supported)",
        "lb_kind TUN type gue#2:18: lb_kind: a gue tunnel needs its port (expected: TUN type gue port N [nocsum|csum])",
        "lb_kind TUN type gue port 0#2:27: port: 0 (expected: a port 1-65535)",
        "lb_kind TUN type gue port 6080 remcsum#2:32: lb_kind checksum: remcsum (expected: nocsum or csum; remote "
                + "checksum offload (remcsum) is not supported)",
        "lb_kind TUN type ipip port 6080#2:23: lb_kind: unexpected 'port' (expected: nothing after TUN type ipip)",
        "lb_kind TUN ipip#2:13: lb_kind: unexpected 'ipip' (expected: TUN, TUN type ipip or TUN type gue port N "
                + "[nocsum|csum])",
    })
    void lbKind_tunnelErrors(String body, String message) {
        KeepalivedParseException e = assertThrows(KeepalivedParseException.class,
                () -> KeepalivedConfig.parser().forwardingMethods(ALL).parse(vs(body), "k.conf"));
        assertEquals("k.conf:" + message, e.getMessage());
    }

    @Test
    void bracesMayBeAttachedOrOnTheNextLine_andCommentCharactersMayBeEscaped() {
        CheckedService s = only("virtual_server 10.0.0.1 80\n{\nreal_server 10.0.1.1 80{weight 2}\n"
                + "real_server 10.0.1.2 80 {\nHTTP_GET {url {path /a\\#b}}}}");
        assertEquals(2, s.servers().get(0).server().weight());
        assertEquals("/a#b", ((HttpGetCheck) s.servers().get(1).checks().get(0)).urls().get(0).path());
    }

    @Test
    void parserOptions_forwardingMethodsOfTheLoadBalancer() {
        KeepalivedConfig c = KeepalivedConfig.parser().forwardingMethods(EnumSet.of(ForwardingMethod.FULLNAT))
                .parse("virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80\n protocol TCP\n}", "k.conf");
        assertEquals(ForwardingMethod.FULLNAT, c.services().get(0).servers().get(0).server().forwardingMethod());
        assertEquals(List.of("k.conf:1: virtual_server 10.0.0.1 80 sets no lb_kind; using FULLNAT (what this load "
                + "balancer does)"), c.warnings().stream().map(ConfigWarning::toString).collect(Collectors.toList()));
        KeepalivedParseException e = assertThrows(KeepalivedParseException.class, () -> KeepalivedConfig.parser()
                .forwardingMethods(EnumSet.of(ForwardingMethod.FULLNAT)).parse(vs("lb_kind NAT"), "k.conf"));
        assertEquals("k.conf:2:9: lb_kind: NAT (expected: FULLNAT; this load balancer cannot forward with NAT (Masq))",
                e.getMessage());
        assertEquals(2, e.line());
        assertEquals(9, e.column());
        assertEquals("k.conf", e.file());
        // A packet-only load balancer (DR and TUN) is one too since the packet data path; an empty set is refused.
        assertEquals("forwardingMethods: [] (expected: at least one method)", assertThrows(
                IllegalArgumentException.class, () -> KeepalivedConfig.parser().forwardingMethods(
                        EnumSet.noneOf(ForwardingMethod.class))).getMessage());
    }

    // ---- warnings: exactly one line each, with its line number

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "global_defs {\\n router_id x\\n notification_email {\\n a@b\\n }\\n}"
                + "|k.conf:1: global_defs is not supported (JVS has no global settings in keepalived.conf); block skipped",
        "vrrp_script chk {\\n script x\\n}|k.conf:1: vrrp_script is not supported (JVS does not run VRRP or own virtual"
                + " addresses; keep keepalived or another VRRP daemon for that); block skipped",
        "static_ipaddress {\\n 10.0.0.1/24 dev eth0\\n}|k.conf:1: static_ipaddress is not supported (JVS does not "
                + "configure the network); block skipped",
        "bfd_instance b {\\n}|k.conf:1: bfd_instance is not supported (JVS has no BFD); block skipped",
        "track_file f {\\n}|k.conf:1: track_file is not supported (JVS tracks neither files nor processes); block "
                + "skipped",
        "SSL {\\n ca x\\n}|k.conf:1: SSL is not supported (the SSL_GET of JVS sends no client certificate and, like "
                + "keepalived, verifies no server certificate); block skipped",
        "frobnicate 3|k.conf:1: unknown keyword frobnicate; ignored",
        "\\n\\nnet_namespace x|k.conf:3: unknown keyword net_namespace; ignored",
        "@main router_id x|k.conf:1: conditional configuration ('@main') is not supported; line skipped",
        "~SEQ(n,1,3) x|k.conf:1: sequence and list blocks ('~') are not supported; line skipped",
        "include /nonexistent/jvs-*.conf|k.conf:1: include /nonexistent/jvs-*.conf: no such file; nothing included",
    })
    void topLevelWarnings(String text, String warning) {
        assertEquals(List.of(warning), warnings(text.replace("\\n", "\n")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ha_suspend|ha_suspend is not supported (JVS does not watch interface addresses; checks always run); ignored",
        "smtp_alert on|smtp_alert is not supported (JVS runs no notification scripts and sends no mail; subscribe to "
                + "HealthChecker events); ignored",
        "quorum_up /bin/up|quorum_up is not supported (JVS runs no notification scripts and sends no mail; subscribe "
                + "to HealthChecker events); ignored",
        "snmp_name web|snmp_name is not supported (JVS has no SNMP agent); ignored",
        "omega|omega is not supported (JVS runs no notifiers at shutdown); ignored",
        "persistence_engine sip|persistence_engine is not supported (JVS has no persistence engines; plain persistence"
                + " applies); ignored",
        "hashed|hashed is not supported (the flag has no effect in IPVS); ignored",
        "virtual_whatever 1 {\\n x\\n}|unknown keyword virtual_whatever in virtual_server; block skipped",
        "lb_algo rr\\nlb_algo wrr|lb_algo is given again (first at line 2); the last value is used",
        "sorry_server_inhibit|sorry_server_inhibit without a sorry_server; ignored",
        "quorum 5|quorum 5 exceeds the total weight 1 of the real servers; reduced to 1 (as keepalived does)",
    })
    void virtualServerWarnings(String body, String warning) {
        List<String> w = warnings(vs(body.replace("\\n", "\n")));
        assertEquals(1, w.size(), w::toString);
        assertTrue(w.get(0).matches("k\\.conf:\\d+: .*"), w.get(0));
        assertEquals(warning, w.get(0).replaceFirst("k\\.conf:\\d+: ", ""));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "notify_up /bin/up|notify_up is not supported (JVS runs no notification scripts and sends no mail; subscribe "
                + "to HealthChecker events); ignored",
        "DNS_CHECK {\\n type A\\n}|DNS_CHECK is not supported (JVS sends no DNS queries; the real server is checked by "
                + "a TCP connect to 10.0.1.1 port 80 instead, so that it is not trusted unchecked); block skipped",
        "PING_CHECK {\\n}|PING_CHECK is not supported (JVS cannot send ICMP echo requests without raw sockets; the real "
                + "server is checked by a TCP connect to 10.0.1.1 port 80 instead, so that it is not trusted unchecked); "
                + "block skipped",
        "FILE_CHECK {\\n file f\\n}|FILE_CHECK is not supported (JVS does not track files; the real server is checked "
                + "by a TCP connect to 10.0.1.1 port 80 instead, so that it is not trusted unchecked); block skipped",
        "BFD_CHECK {\\n connect_port 90\\n}|BFD_CHECK is not supported (JVS has no BFD; the real server is checked by a "
                + "TCP connect to 10.0.1.1 port 90 instead, so that it is not trusted unchecked); block skipped",
        "foo bar|unknown keyword foo in real_server; ignored",
        "weight 1\\nweight 2|weight is given again (first at line 4); the last value is used",
        "TCP_CHECK {\\n bind_if eth0\\n}|bind_if is not supported (checks use the routing table's interface); ignored",
        "TCP_CHECK {\\n fwmark 3\\n}|fwmark is not supported (JVS does not mark check packets); ignored",
        "TCP_CHECK {\\n misc_path /bin/true\\n}|unknown keyword misc_path in TCP_CHECK; ignored",
        "MISC_CHECK {\\n misc_path /bin/true\\n user nobody\\n}|user is not supported (the command runs as the user JVS "
                + "runs as); ignored",
        "MISC_CHECK {\\n misc_path /bin/check a b\\n}|misc_path: only the first word is the command line, as in "
                + "keepalived; 'a b' ignored (quote the whole command line)",
        "MISC_CHECK {\\n misc_timeout 3\\n}|MISC_CHECK has no misc_path; checker ignored (as keepalived does)",
        "HTTP_GET {\\n}|HTTP_GET has no url with a path; checker ignored (as keepalived does)",
        "HTTP_GET {\\n url {\\n digest 9b3a0c85a887a256d6939da88aabd8cd\\n }\\n url {\\n path /\\n }\\n}|url has no "
                + "path; ignored (as keepalived does)",
        "HTTP_GET {\\n url {\\n path /\\n regex ok\\n }\\n}|regex is not supported (JVS does not match the body against "
                + "regular expressions; use digest); ignored",
        "HTTP_GET {\\n url {\\n path /\\n }\\n enable_sni\\n}|enable_sni is not supported (it is for SSL_GET; HTTP_GET "
                + "does not use TLS); ignored",
        "SMTP_CHECK {\\n host {\\n connect_ip 10.0.1.2\\n }\\n}|host is not supported (keepalived deprecates it; give "
                + "the real server one SMTP_CHECK per host); block skipped",
    })
    void realServerAndCheckerWarnings(String body, String warning) {
        List<String> w = warnings(vs("lb_kind NAT\nreal_server 10.0.1.1 80 {\n" + body.replace("\\n", "\n") + "\n}"));
        assertEquals(1, w.size(), w::toString);
        assertEquals(warning, w.get(0).replaceFirst("k\\.conf:\\d+: ", ""));
    }

    @Test
    void warnings_carryTheLineOfTheirKeyword_andABlockIsOneWarning() {
        List<String> w = warnings("vrrp_instance VI_1 {\n state MASTER\n priority 100\n unknown_inside 1\n"
                + " virtual_ipaddress {\n 10.0.0.1\n }\n}\n\nvirtual_server 10.0.0.1 80 { protocol TCP\n lb_kind NAT\n"
                + " hysteresis 4\n real_server 10.0.1.1 80 { weight 3 }\n}\n"
                + "virtual_server 10.0.0.2 80 { protocol TCP\n lb_kind NAT\n}\n"
                + "virtual_server fwmark 9 {\n lb_kind NAT\n real_server 10.0.1.1 80\n}\n"
                + "fwmark_endpoints 5 {\n 10.0.0.9 80\n}\nvirtual_server_group UNUSED {\n 10.0.0.9 80\n}\n");
        assertEquals(List.of(
                "k.conf:1: vrrp_instance is not supported (JVS does not run VRRP or own virtual addresses; keep "
                        + "keepalived or another VRRP daemon for that); block skipped",
                "k.conf:12: hysteresis 4 is not below the quorum 1; set to 0 (as keepalived does)",
                "k.conf:15: virtual_server 10.0.0.2 80 has no real servers; ignored (as keepalived does)",
                "k.conf:18: FWM 9 has no endpoints, so it receives no traffic; list them in a fwmark_endpoints 9 block "
                        + "(a JVS extension: where marked traffic arrives, as an iptables MARK rule says for IPVS)",
                "k.conf:22: fwmark_endpoints 5 is used by no virtual_server; ignored",
                "k.conf:25: virtual_server_group UNUSED is used by no virtual_server; ignored"), w);
    }

    // ---- errors: file, line and column, and the load stops

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // syntax
        "virtual_server 10.0.0.1 80 {\\n real_server \"10.0.1.1 80\\n}|k.conf:2:14: unterminated quote (a quoted "
                + "string ends on its line)",
        "}|k.conf:1:1: unexpected '}' (no block is open here)",
        "x 1\\n}\\n{|k.conf:2:1: unexpected '}' (no block is open here)",
        "{|k.conf:1:1: unexpected '{' (a block follows a keyword such as real_server)",
        "virtual_server 10.0.0.1 80 {\\n real_server 10.0.1.1 80 {\\n }|k.conf:1:28: missing '}': the block of "
                + "virtual_server opened here is not closed",
        "include|k.conf:1:8: include: missing file name (expected: a file or glob pattern)",
        "include a b|k.conf:1:9: include: a b (expected: one file or glob pattern; quote a name with spaces)",
        // virtual_server
        "virtual_server 10.0.0.1 80|k.conf:1:27: virtual_server needs a block: { ... }",
        "virtual_server www.example.com 80 {\\n}|k.conf:1:16: virtual_server: www.example.com (expected: an IPv4 or "
                + "IPv6 address)",
        "virtual_server 10.0.0.1 99999 {\\n}|k.conf:1:25: port: 99999 (expected: a port 0-65535)",
        "virtual_server 10.0.0.1 80 90 {\\n real_server 10.0.1.1\\n}|k.conf:1:28: virtual_server: unexpected '90' "
                + "(expected: ADDRESS [PORT], fwmark MARK or group NAME)",
        "virtual_server group NOPE {\\n real_server 10.0.1.1 80\\n}|k.conf:1:22: virtual_server group: NOPE (expected:"
                + " a virtual_server_group defined in the file)",
        "virtual_server fwmark 0 {\\n real_server 10.0.1.1 80\\n}|k.conf:1:23: virtual_server: 0 (expected: "
                + "1-4294967295)",
        "virtual_server 10.0.0.1 80 { protocol TCP\\n real_server 10.0.1.1\\n}\\nvirtual_server 10.0.0.1 80 { protocol TCP"
                + "\\n real_server 10.0.1.2"
                + "\\n}|k.conf:4:1: virtual_server 10.0.0.1 80: TCP 10.0.0.1:80 is already defined at line 1",
        "virtual_server 10.0.0.1 {\\n real_server 10.0.1.1 80\\n}|k.conf:1:1: virtual_server 10.0.0.1: port: 0 "
                + "(expected: 1-65535 for a non-persistent service; port 0 stands for every port and needs "
                + "persistence)",
        "virtual_server_group G {\\n 10.0.0.1-300 80\\n}|k.conf:2:2: virtual_server_group entry: 10.0.0.1-300 (expected:"
                + " ADDRESS, ADDRESS-LAST, ADDRESS-ADDRESS or ADDRESS/PREFIX with at most 1024 addresses)",
        "virtual_server_group G {\\n 10.0.0.0/8 80\\n}|k.conf:2:2: virtual_server_group entry: 10.0.0.0/8 (expected:"
                + " ADDRESS, ADDRESS-LAST, ADDRESS-ADDRESS or ADDRESS/PREFIX with at most 1024 addresses)",
        "virtual_server_group G {\\n}\\nvirtual_server_group G {\\n}|k.conf:3:22: virtual_server_group G is already "
                + "defined at line 1",
        "fwmark_endpoints 1 {\\n 10.0.0.1\\n}|k.conf:2:2: fwmark_endpoints entry: 10.0.0.1 (expected: ADDRESS PORT, "
                + "then optionally tcp or udp)",
        "fwmark_endpoints 1 {\\n 10.0.0.1 80 sctp\\n}|k.conf:2:14: fwmark_endpoints protocol: sctp (expected: TCP or "
                + "UDP; JVS does not carry SCTP)",
    })
    void syntaxAndStructureErrors(String text, String message) {
        assertEquals(message, error(text.replace("\\n", "\n")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "delay_loop fast|2:12: delay_loop: fast (expected: seconds, 0.001-86400)",
        "delay_loop 0|2:12: delay_loop: 0 (expected: seconds, 0.001-86400)",
        "connect_timeout 7200|2:17: connect_timeout: 7200 (expected: seconds, 0.001-3600)",
        "delay_loop|2:11: delay_loop: missing value (expected: seconds, 0.001-86400)",
        "retry -1|2:7: retry: -1 (expected: 1-1000)",
        "lb_kind DR|2:9: lb_kind: DR (expected: NAT or FULLNAT; this load balancer cannot forward with DR (Route): "
                + "direct routing and tunnelling need the packet data path (jvs daemon --interface))",
        "lvs_method TUN type gue port 6080|2:12: lvs_method: TUN (expected: NAT or FULLNAT; this load balancer cannot "
                + "forward with TUN (Tunnel): direct routing and tunnelling need the packet data path (jvs daemon "
                + "--interface))",
        "lb_kind MASQ|2:9: lb_kind: MASQ (expected: NAT or FULLNAT)",
        "lb_kind NAT extra|2:13: lb_kind: unexpected 'extra' (expected: NAT or FULLNAT and nothing after it)",
        "protocol SCTP|2:10: protocol: SCTP (expected: TCP or UDP; JVS does not carry SCTP)",
        "persistence_timeout 2678401|2:21: persistence_timeout: 2678401 (expected: 1-2678400)",
        "persistence_granularity 24|2:25: persistence_granularity: 24 (expected: an IPv4 netmask such as 255.255.255.0)",
        "quorum 0|2:8: quorum: 0 (expected: 1-2147483647)",
        "hysteresis x|2:12: hysteresis: x (expected: 0-2147483646)",
        "weight 0|2:8: weight: 0 (expected: 1-65535)",
        "inhibit_on_failure maybe|2:20: inhibit_on_failure: maybe (expected: on, off, true, false, yes or no)",
        "jitter 0.9|2:8: jitter: 0.9 (expected: a fraction 0-0.5)",
        "rise 0|2:6: rise: 0 (expected: 1-1000)",
        "sorry_server 10.0.1.1 80|2:14: sorry_server: 10.0.1.1 (expected: a server that is not also a real server of "
                + "the virtual server)",
        "sorry_server 2001:db8::1|2:14: sorry_server: 2001:db8::1 (expected: an address of the virtual server's family)",
        "ops|2:1: virtual_server 10.0.0.1 80: onePacket: true (expected: only for UDP virtual services, not TCP "
                + "10.0.0.1:80)",
        "lb_algo wrr\\nsh-port|3:1: schedulerFlag: sh-port (expected: only with scheduler sh, not wrr)",
        "lb_algo xyz|2:9: lb_algo: xyz (expected: a scheduler JVS has: SCHEDULERS)",
        "passive\\nreal_server 10.0.1.2 80|3:1: passive: on for real_server 10.0.1.2 (expected: at least one checker to"
                + " bring the server back up)",
        "weight 3 {\\n}|2:10: weight takes no block",
    })
    void virtualServerValueErrors(String body, String message) {
        assertEquals("k.conf:" + message.replace("SCHEDULERS", schedulers()), error(vs(body.replace("\\n", "\n"))));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "weight 70000|4:8: weight: 70000 (expected: 0-65535)",
        "weight 1 2|4:10: weight: unexpected '2' (expected: 0-65535)",
        "weight|4:7: weight: missing value (expected: 0-65535)",
        "uthreshold 5\\nlthreshold 6|5:12: lthreshold: 6 (expected: 0-5, at most uthreshold)",
        "lvs_method DR|4:12: lvs_method: DR (expected: NAT or FULLNAT; this load balancer cannot forward with DR "
                + "(Route): direct routing and tunnelling need the packet data path (jvs daemon --interface))",
        "TCP_CHECK {\\n connect_port 0\\n}|5:15: connect_port: 0 (expected: a port 1-65535)",
        "TCP_CHECK {\\n connect_ip host\\n}|5:13: connect_ip: host (expected: an IPv4 or IPv6 address)",
        "TCP_CHECK {\\n connect_ip 10.0.1.9\\n bindto ::1\\n}|6:9: bindto: ::1 (expected: an address of the family of "
                + "connect_ip 10.0.1.9)",
        "TCP_CHECK {\\n retry 1001\\n}|5:8: retry: 1001 (expected: 0-1000)",
        "TCP_CHECK {\\n log_all_failures sometimes\\n}|5:19: log_all_failures: sometimes (expected: on, off, true, "
                + "false, yes or no)",
        "TCP_CHECK 1 {\\n}|4:11: TCP_CHECK: unexpected '1' (expected: no value)",
        "HTTP_GET {\\n url {\\n path /\\n digest 123\\n }\\n}|7:9: digest: 123 (expected: 32 hex digits (an MD5 "
                + "digest))",
        "HTTP_GET {\\n url {\\n path /\\n status_code 200 6000\\n }\\n}|7:18: status_code: 6000 (expected: status "
                + "codes or ranges in 100-599, such as 200-299 503)",
        "HTTP_GET {\\n url\\n}|5:5: url needs a block: { ... }",
        "HTTP_GET {\\n http_protocol 2\\n url {\\n path /\\n }\\n}|5:16: http_protocol: 2 (expected: 1.0, 1.0C or 1.1)",
        "MISC_CHECK {\\n misc_path \"/bin/sh -c 'exit\"\\n}|5:12: misc_path: /bin/sh -c 'exit (expected: a command "
                + "line with balanced quotes)",
        "MISC_CHECK {\\n misc_path /bin/true\\n misc_timeout 2.5\\n}|6:15: misc_timeout: 2.5 (expected: 0-86400)",
        "MISC_CHECK {\\n misc_path /bin/true\\n connect_timeout 3\\n}|WARNING",
    })
    void realServerAndCheckerValueErrors(String body, String message) {
        String text = vs("lb_kind NAT\nreal_server 10.0.1.1 80 {\n" + body.replace("\\n", "\n") + "\n}");
        if (message.equals("WARNING")) {
            // MISC_CHECK has no connect_timeout in keepalived: an unknown keyword, not an error.
            assertEquals(List.of("k.conf:6: unknown keyword connect_timeout in MISC_CHECK; ignored"), warnings(text));
            return;
        }
        assertEquals("k.conf:" + message, error(text));
    }

    @Test
    void errors_inOtherPlaces() {
        assertEquals("k.conf:4:1: TCP_CHECK: real server 10.0.1.1 has no port, so the checker needs connect_port "
                + "(expected: 1-65535)", error("virtual_server fwmark 1 {\nlb_kind NAT\nreal_server 10.0.1.1 {\n"
                + "TCP_CHECK\n}\n}"));
        assertEquals("k.conf:3:13: real_server: 2001:db8::1 (expected: an IPv4 address, as the virtual server's)",
                error(vs("lb_kind NAT\nreal_server 2001:db8::1 80")));
        assertEquals("k.conf:4:1: real_server 10.0.1.1 80 is already defined at line 3",
                error(vs("lb_kind NAT\nreal_server 10.0.1.1 80\nreal_server 10.0.1.1 80")));
        assertEquals("k.conf:4:1: real_server 10.0.1.1 is the same as the one at line 3 once the virtual server's port "
                + "is applied", error(vs("lb_kind NAT\nreal_server 10.0.1.1 80\nreal_server 10.0.1.1")));
    }

    @Test
    void includeErrors(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.conf"), "include b.conf\n");
        Files.writeString(dir.resolve("b.conf"), "\n\ninclude a.conf\n");
        KeepalivedParseException e = assertThrows(KeepalivedParseException.class,
                () -> KeepalivedConfig.parse(dir.resolve("a.conf")));
        assertEquals(dir.resolve("b.conf").toString(), e.file());
        assertEquals(3, e.line());
        assertEquals(9, e.column());
        assertTrue(e.reason().startsWith("include: a.conf (expected: a file that does not include itself; "),
                e.reason());
    }

    @Test
    void emptyGroupsAndEndpointBlocks_areWarnings_aVirtualServerOnAnEmptyGroupIsAnError() {
        assertEquals(List.of("k.conf:1: virtual_server_group E has no entries",
                "k.conf:3: fwmark_endpoints 4 lists no endpoints",
                "k.conf:1: virtual_server_group E is used by no virtual_server; ignored"),
                warnings("virtual_server_group E {\n}\nfwmark_endpoints 4 {\n}\n"));
        assertEquals("k.conf:2:22: virtual_server group E: the group has no entries",
                error("virtual_server_group E {\n}\nvirtual_server group E {\n real_server 10.0.1.1 80\n}"
                        .replace("{\n}\nvirtual", "{ }\nvirtual")));
    }

    @Test
    void includesNestedTooDeep_areAnError(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 20; i++) {
            Files.writeString(dir.resolve(i + ".conf"), "include " + (i + 1) + ".conf\n");
        }
        KeepalivedParseException e = assertThrows(KeepalivedParseException.class,
                () -> KeepalivedConfig.parse(dir.resolve("0.conf")));
        assertEquals(dir.resolve("15.conf") + ":1:9: include: 16.conf (expected: includes nested at most 16 deep)",
                e.getMessage());
    }

    @Test
    void deepNesting_isAnError() {
        String text = "x {\n".repeat(40) + "}\n".repeat(40);
        assertEquals("k.conf:33:3: blocks nested deeper than 32", error(text));
    }

    @Test
    void docsExample_parsesWithoutWarnings() throws IOException {
        Path doc = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "docs", "keepalived.md");
        if (!Files.exists(doc)) {
            doc = Path.of("..", "docs", "keepalived.md");
        }
        String md = Files.readString(doc);
        int section = md.indexOf("## An example");
        assertTrue(section >= 0, "docs/keepalived.md has the section");
        int start = md.indexOf("```keepalived\n", section);
        assertTrue(start >= 0, "the section has a keepalived.conf example");
        int end = md.indexOf("```\n", start + 14);
        KeepalivedConfig c = KeepalivedConfig.parse(md.substring(start + 14, end), "keepalived.md");
        assertEquals(List.of(), c.warnings());
        assertFalse(c.services().isEmpty());
        for (CheckedService s : c.services()) {
            for (CheckedServer rs : s.servers()) {
                assertFalse(rs.checks().isEmpty(), "every real server of the example is checked");
                for (HealthCheck check : rs.checks()) {
                    assertTrue(check.settings().interval().compareTo(Duration.ofSeconds(60)) <= 0);
                }
            }
        }
    }
}
