package io.jvs.cli.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The status page's rendering: escaping, JSON, number formats, a table without a checker. */
class StatusPageTest {

    @Test
    void escapesEverythingThatCouldBeMarkup() {
        assertEquals("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;",
                Format.esc("<script>alert(\"x\") & 'y'</script>"));
        assertEquals("plain", Format.esc("plain"));
    }

    @Test
    void jsonWriterPlacesCommasAndEscapes() {
        Json j = new Json().object().field("a").value(1).field("b").array().value("x\"\\\n<").value(true).nullValue()
                .object().end().end().field("c").value(Double.NaN).field("d").value(0.5).end();
        assertEquals("{\"a\":1,\"b\":[\"x\\\"\\\\\\n\\u003c\",true,null,{}],\"c\":null,\"d\":0.5}", j.toString());
        assertThrows(IllegalStateException.class, () -> new Json().end());
    }

    @Test
    void formats() {
        assertEquals("999 B", Format.bytes(999));
        assertEquals("1.00 kB", Format.bytes(1000));
        assertEquals("12.3 kB", Format.bytes(12_345));
        assertEquals("4.50 MB", Format.bytes(4_500_000));
        assertEquals("1.00 MB", Format.bytes(999_999));
        assertEquals("0.42 ms", Format.latency(Duration.ofNanos(420_000)));
        assertEquals("12 ms", Format.latency(Duration.ofMillis(12)));
        assertEquals("1.5 s", Format.latency(Duration.ofMillis(1500)));
        assertEquals("59 s", Format.duration(Duration.ofSeconds(59)));
        assertEquals("3 min 4 s", Format.duration(Duration.ofSeconds(184)));
        assertEquals("2 h 5 min", Format.duration(Duration.ofMinutes(125)));
        assertEquals("3 d 4 h", Format.duration(Duration.ofHours(76)));
        assertEquals("1,234,567", Format.count(1_234_567));
    }

    @Test
    void withoutChecker_serversAreUncheckedAndJsonParsesBack() {
        try (Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false)
                .connectionTimer(false).build()) {
            d.start(VirtualService.tcp("127.0.0.1", 8080).scheduler("rr").persistence(Duration.ofSeconds(300))
                    .realServer(RealServer.of("127.0.0.1", 9001).withWeight(4)).build()).join();
            StatusPage page = new StatusPage(d, null, () -> null, "nio", "host<1>");
            String html = page.html();
            assertTrue(html.contains("<title>JVS status · host&lt;1&gt;</title>"), html);
            assertTrue(html.contains("data-server=\"127.0.0.1:9001\" data-state=\"UNCHECKED\""), html);
            assertTrue(html.contains("rr · persistent 300 s · not health-checked"), html);
            String json = page.json();
            assertTrue(json.contains("\"services\":[{\"service\":\"TCP 127.0.0.1:8080\",\"scheduler\":\"rr\","
                    + "\"persistenceSeconds\":300,\"stats\":"), json);
            assertTrue(json.contains("\"server\":\"127.0.0.1:9001\",\"role\":\"real\",\"state\":\"UNCHECKED\","
                    + "\"weight\":4,\"inTable\":true,\"activeConnections\":0"), json);
            assertTrue(json.endsWith("\"checks\":[]}]}]}"), json);
            assertTrue(json.contains("\"memoryDefence\":{\"enabled\":true,"), json);
            assertTrue(!html.contains("class=\"meta defences\""), "no defences, no line: " + html);
        }
    }

    @Test
    void defences_listedWithWhatTheyRefused() {
        try (Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false)
                .connectionTimer(false).build()) {
            VirtualService vs = VirtualService.tcp("127.0.0.1", 8080).scheduler("rr")
                    .deny(java.util.List.of(io.jvs.api.Cidr.parse("10.0.0.0/8")))
                    .sourceLimit(io.jvs.api.SourceLimit.maxConnections(5))
                    .realServer(RealServer.of("127.0.0.1", 9001)).build();
            d.start(vs).join();
            d.runningService(vs.id()).orElseThrow().open(new io.jvs.core.FlowRequest().set(io.jvs.api.Protocol.TCP,
                    new java.net.InetSocketAddress("10.1.1.1", 1000), vs.id().address()));
            StatusPage page = new StatusPage(d, null, () -> null, "nio", "h");
            String html = page.html();
            assertTrue(html.contains("<p class=\"meta defences\">deny 10.0.0.0/8 · per source per /32 and /64: 5 "
                    + "connections (0 sources) · <span class=\"bad\">refused 1: 1 refused by the access lists</span>"),
                    html);
            String json = page.json();
            assertTrue(json.contains("\"defences\":{\"allow\":[],\"deny\":[\"10.0.0.0/8\"],\"sourceLimit\":"
                    + "\"per /32 and /64: 5 connections\",\"trackedSources\":0,\"maxConnections\":0,"
                    + "\"clientDataTimeoutMillis\":0,\"denied\":1,"), json);
            assertTrue(json.contains("\"refusals\":{\"untrusted_proxy\":0,\"proxy_header\":0,\"not_syn\":0,"
                    + "\"access_denied\":1,"), json);
        }
    }
}
