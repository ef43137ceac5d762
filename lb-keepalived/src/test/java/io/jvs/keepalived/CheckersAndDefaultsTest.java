package io.jvs.keepalived;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Protocol;
import io.jvs.api.Scheduler;
import io.jvs.api.ServiceId;
import io.jvs.health.CheckedServer;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HttpGetCheck;
import io.jvs.health.SmtpCheck;
import io.jvs.health.TcpCheck;
import io.jvs.health.UdpCheck;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What issue #17 found: a virtual server without {@code protocol} is UDP as in keepalived, every checker a
 * real server has is run (SSL_GET, SMTP_CHECK and UDP_CHECK for real, the others as a connect check), and
 * {@code lb_algo} resolves with lb-keepalived alone.
 */
class CheckersAndDefaultsTest {

    private static KeepalivedConfig parse(String text) {
        return KeepalivedConfig.parse(text, "k.conf");
    }

    private static List<String> warnings(KeepalivedConfig c) {
        return c.warnings().stream().map(ConfigWarning::toString).collect(Collectors.toList());
    }

    private static CheckedServer server(String protocol, String checker) {
        KeepalivedConfig c = parse("virtual_server 10.0.0.1 53 {\n lb_kind NAT\n" + protocol
                + " real_server 10.0.1.1 53 {\n" + checker + "\n }\n}\n");
        return c.services().get(0).servers().get(0);
    }

    @Test
    void noProtocol_isUdp_withKeepalivedsWarning() {
        KeepalivedConfig c = parse("\nvirtual_server 10.0.0.1 53 {\n lb_kind NAT\n real_server 10.0.1.1 53\n}\n");
        assertEquals(ServiceId.udp(new java.net.InetSocketAddress("10.0.0.1", 53)), c.services().get(0).id());
        assertEquals(List.of("k.conf:2: virtual_server 10.0.0.1 53: no protocol set - defaulting to UDP (as "
                + "keepalived does; add protocol TCP for a TCP service)"), warnings(c));
    }

    @Test
    void noProtocol_firewallMarksNeedNone() {
        KeepalivedConfig c = parse("fwmark_endpoints 7 {\n 10.0.0.5 80\n}\n"
                + "virtual_server fwmark 7 {\n lb_kind NAT\n real_server 10.0.1.1 80\n}\n"
                + "virtual_server_group MARKS {\n fwmark 8\n}\nfwmark_endpoints 8 {\n 10.0.0.5 81\n}\n"
                + "virtual_server group MARKS {\n lb_kind NAT\n real_server 10.0.1.1 81\n}\n");
        assertEquals(List.of(), warnings(c), "keepalived warns only for services given by address");
        assertTrue(c.services().get(0).id().isFwmark());
    }

    @Test
    void noProtocol_groupWithAddressesIsUdp() {
        KeepalivedConfig c = parse("virtual_server_group G {\n 10.0.0.1 53\n fwmark 3\n}\n"
                + "fwmark_endpoints 3 {\n 10.0.0.5 53 udp\n}\n"
                + "virtual_server group G {\n lb_kind NAT\n real_server 10.0.1.1 53\n}\n");
        assertEquals(Protocol.UDP, c.services().get(0).ids().get(0).protocol());
        assertEquals(List.of("k.conf:8: virtual_server group G: no protocol set - defaulting to UDP (as keepalived "
                + "does; add protocol TCP for a TCP service)"), warnings(c));
    }

    @Test
    void sslGet_isAnHttpsGet_withSniOnlyWhenEnabled() {
        CheckedServer s = server(" protocol TCP\n", "SSL_GET {\n url {\n path /health\n status_code 200\n }\n"
                + " virtualhost www.example.com\n enable_sni\n tls_compliant\n }\n SSL_GET {\n url {\n path /\n }\n}");
        HttpGetCheck sni = (HttpGetCheck) s.checks().get(0);
        assertTrue(sni.tls());
        assertEquals("SSL_GET", sni.kind());
        assertEquals("www.example.com", sni.serverName(), "enable_sni sends the virtual host");
        assertEquals("/health", sni.urls().get(0).path());
        HttpGetCheck plain = (HttpGetCheck) s.checks().get(1);
        assertTrue(plain.tls());
        assertNull(plain.serverName(), "keepalived sends no SNI unless enable_sni");
        assertEquals("SSL_GET https://10.0.1.1:53/", plain.describe(s.address()));
        CheckedServer named = server(" protocol TCP\n", "SSL_GET {\n url {\n path /\n }\n enable_sni\n"
                + " sni_name api.example.com\n}");
        assertEquals("api.example.com", ((HttpGetCheck) named.checks().get(0)).serverName());
    }

    @Test
    void smtpCheck_withKeepalivedsDefaultHeloName() {
        CheckedServer s = server(" protocol TCP\n", "SMTP_CHECK {\n connect_port 25\n connect_timeout 3\n}");
        SmtpCheck smtp = (SmtpCheck) s.checks().get(0);
        assertEquals("smtpchecker.keepalived.org", smtp.heloName());
        assertEquals(25, smtp.connectOptions().port());
        assertEquals(java.time.Duration.ofSeconds(3), smtp.settings().timeout());
    }

    @Test
    void udpCheck_payloadAndRequiredReply() {
        CheckedServer s = server(" protocol UDP\n", "UDP_CHECK {\n payload 0a0b 0c\n require_reply 0axx\n"
                + " min_reply_length 2\n max_reply_length 100\n}");
        UdpCheck udp = (UdpCheck) s.checks().get(0);
        assertArrayEquals(new byte[] {0x0a, 0x0b, 0x0c}, udp.payload());
        assertTrue(udp.requireReply());
        assertArrayEquals(new byte[] {0x0a, 0}, udp.expectedReply());
        assertArrayEquals(new byte[] {0, (byte) 0xff}, udp.ignoreMask());
        assertEquals(2, udp.minReplyLength());
        assertEquals(100, udp.maxReplyLength());
        assertTrue(udp.accepts(new byte[] {0x0a, 0x77, 1}, 3));
        assertFalse(udp.accepts(new byte[] {0x0b, 0x77, 1}, 3));
        assertFalse(udp.accepts(new byte[] {0x0a}, 1), "shorter than min_reply_length");
        UdpCheck plain = (UdpCheck) server(" protocol UDP\n", "UDP_CHECK {\n}").checks().get(0);
        assertEquals("keepalived check - keepalived ch", new String(plain.payload(),
                java.nio.charset.StandardCharsets.US_ASCII), "what keepalived sends without payload");
        assertFalse(plain.requireReply());
    }

    @Test
    void udpCheck_badValues_areErrorsAtTheirPosition() {
        assertEquals("k.conf:6:10: payload: 0a0 (expected: hex digits, such as 0a1b2c)", assertThrows(
                KeepalivedParseException.class, () -> server(" protocol UDP\n", "UDP_CHECK {\n payload 0a0\n}"))
                .getMessage());
        assertEquals("k.conf:6:16: require_reply: zz (expected: hex digits, x for any, such as 0a1bxx)", assertThrows(
                KeepalivedParseException.class, () -> server(" protocol UDP\n", "UDP_CHECK {\n require_reply zz\n}"))
                .getMessage());
        assertEquals("k.conf:6:19: min_reply_length: 9 (expected: at most max_reply_length 4)", assertThrows(
                KeepalivedParseException.class, () -> server(" protocol UDP\n",
                        "UDP_CHECK {\n min_reply_length 9\n max_reply_length 4\n}")).getMessage());
    }

    @Test
    void uncheckableCheckers_becomeAConnectCheck_tcpOrUdpByTheServicesProtocol() {
        KeepalivedConfig tcp = parse("virtual_server 10.0.0.1 80 {\n lb_kind NAT\n protocol TCP\n"
                + " real_server 10.0.1.1 80 {\n  PING_CHECK {\n   delay_loop 3\n  }\n }\n}\n");
        HealthCheck check = tcp.services().get(0).servers().get(0).checks().get(0);
        assertTrue(check instanceof TcpCheck, check.toString());
        assertEquals(java.time.Duration.ofSeconds(3), check.settings().interval(), "the block's timing is kept");
        KeepalivedConfig udp = parse("virtual_server 10.0.0.1 53 {\n lb_kind NAT\n protocol UDP\n"
                + " real_server 10.0.1.1 53 {\n  DNS_CHECK {\n   type A\n  }\n }\n}\n");
        assertTrue(udp.services().get(0).servers().get(0).checks().get(0) instanceof UdpCheck);
        assertEquals(List.of("k.conf:5: DNS_CHECK is not supported (JVS sends no DNS queries; the real server is "
                + "checked by UDP_CHECK (a datagram to 10.0.1.1 port 53, failing on ICMP port unreachable) instead, so "
                + "that it is not trusted unchecked); block skipped"), warnings(udp));
    }

    @Test
    void everyConfiguredCheckerIsRun_noServerIsTrustedUnchecked() {
        String[] checkers = {"TCP_CHECK", "HTTP_GET", "SSL_GET", "SMTP_CHECK", "UDP_CHECK", "MISC_CHECK", "PING_CHECK",
                "DNS_CHECK", "FILE_CHECK", "BFD_CHECK"};
        for (String checker : checkers) {
            String body = checker.endsWith("_GET") ? "url {\n path /\n }" : checker.equals("MISC_CHECK")
                    ? "misc_path /bin/true" : "";
            CheckedService s = parse("virtual_server 10.0.0.1 80 {\n lb_kind NAT\n protocol TCP\n"
                    + " real_server 10.0.1.1 80 {\n  " + checker + " {\n" + body + "\n  }\n }\n}\n").services().get(0);
            assertEquals(1, s.servers().get(0).checks().size(), checker + " gives the server a check");
        }
    }

    @Test
    void lbAlgo_resolvesWithLbKeepalivedAlone() {
        // lb-keepalived's only path to the schedulers is its own dependency on lb-schedulers (no lb-netty here).
        assertFalse(Scheduler.Factory.names().isEmpty(), "lb-schedulers comes with lb-keepalived");
        KeepalivedConfig c = parse("virtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n"
                + " real_server 10.0.1.1 80\n}\n");
        assertEquals("rr", c.services().get(0).services().get(0).schedulerName());
    }

    @Test
    void lbAlgo_withoutAnySchedulerOnThePath_namesTheArtifactToAdd() {
        assertEquals("a scheduler; none is on the class or module path: add the artifact io.jvs:lb-schedulers "
                + "(lb-keepalived depends on it; was it excluded?)", Interpreter.schedulerExpectation(List.of()));
        assertEquals("a scheduler JVS has: rr or wrr", Interpreter.schedulerExpectation(List.of("rr", "wrr")));
    }
}
