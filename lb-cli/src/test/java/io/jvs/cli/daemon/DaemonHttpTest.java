package io.jvs.cli.daemon;

import static io.jvs.cli.daemon.StatusClient.await;
import static io.jvs.cli.daemon.StatusClient.body;
import static io.jvs.cli.daemon.StatusClient.metric;
import static io.jvs.cli.daemon.StatusClient.pageState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.ipvsadm.AdminClient;
import io.jvs.ipvsadm.Ipvsadm;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A daemon in-process with {@code --config} and {@code --http}: the status page, {@code /status.json} and
 * {@code /metrics} over real HTTP show the servers, their checks and traffic, and follow a server's failure; the
 * endpoint is read-only; a reload that collides with a service added by jvsadm changes nothing.
 */
class DaemonHttpTest {

    @TempDir
    Path dir;

    private EchoServer b1;
    private EchoServer b2;
    private Daemon daemon;
    private InetSocketAddress http;
    private int vport;
    private Path conf;

    @BeforeEach
    void setUp() throws Exception {
        b1 = new EchoServer();
        b2 = new EchoServer();
        vport = EchoServer.freePort();
        conf = dir.resolve("keepalived.conf");
        daemon = StatusClient.startDaemon(dir, vport, new int[] {b1.port(), b2.port()}, new int[] {2, 1});
        http = daemon.httpAddress();
        assertTrue(http.getAddress().isLoopbackAddress(), "a bare port binds loopback: " + http);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        b1.close();
        b2.close();
    }

    @Test
    void pageJsonAndMetrics_showServersTrafficAndAFailure() throws Exception {
        String s1 = b1.hostPort();
        String s2 = b2.hostPort();
        await("both servers UP on the page", Duration.ofSeconds(10), () -> {
            String html = body(http, "/");
            return "UP".equals(pageState(html, s1)) && "UP".equals(pageState(html, s2));
        });
        for (int i = 0; i < 3; i++) {
            try (Socket s = new Socket("127.0.0.1", vport)) {
                s.setSoTimeout(5000);
                assertEquals("hello " + i + "\n", EchoServer.roundTrip(s, "hello " + i + "\n"));
            }
        }

        HttpResponse<String> page = StatusClient.get(http, "/");
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("content-type").orElse(""));
        assertTrue(page.headers().firstValue("content-security-policy").orElse("").contains("script-src 'self'"));
        assertEquals("no-store", page.headers().firstValue("cache-control").orElse(""));
        String html = page.body();
        assertTrue(html.contains("<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"), html);
        assertTrue(html.contains("TCP 127.0.0.1:" + vport), html);
        assertTrue(html.contains("TCP_CHECK " + s1 + ": connected"), html);
        assertTrue(html.contains("loaded 1 virtual server from " + conf + " (1 warning)"), html);
        assertTrue(html.contains(conf + ":2: vrrp_instance is not supported"), html);

        String json = body(http, "/status.json");
        assertTrue(json.contains("\"server\":\"" + s1 + "\",\"role\":\"real\",\"state\":\"UP\",\"weight\":2"), json);
        assertTrue(json.contains("\"server\":\"" + s2 + "\",\"role\":\"real\",\"state\":\"UP\",\"weight\":1"), json);
        assertTrue(json.contains("\"check\":\"TCP_CHECK " + s1 + "\",\"state\":\"UP\""), json);

        String scrape = body(http, "/metrics");
        assertEquals(2, metric(scrape, "lb_scheduled_connections_total", s1), scrape);
        assertEquals(1, metric(scrape, "lb_scheduled_connections_total", s2), scrape);
        assertEquals(3, metric(scrape, "lb_service_scheduled_connections_total", null), scrape);
        assertEquals(2 * "hello 0\n".length(), metric(scrape, "lb_in_bytes_total", s1), scrape);
        assertEquals(2, metric(scrape, "lb_weight", s1), scrape);
        assertEquals(1, metric(scrape, "lb_health_state", s1), scrape);
        assertEquals(1, metric(scrape, "lb_health_check_result", s2), scrape);
        assertEquals(1, metric(scrape, "lb_health_quorum", null), scrape);
        assertTrue(metric(scrape, "lb_health_check_duration_seconds_count", s1, "result=healthy") >= 1, scrape);
        // Every check is timed: a later check shows up in the timer (how many ran by now depends on the box's load).
        await("a second timed check", Duration.ofSeconds(10), () -> metric(body(http, "/metrics"),
                "lb_health_check_duration_seconds_count", s1, "result=healthy") >= 2);
        assertTrue(metric(scrape, "lb_health_check_latency_seconds", s1) > 0, scrape);
        assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM meters too");
        for (String defence : new String[] {"lb_refused_connections_total{", "lb_tracked_sources{",
                "lb_defence_memory_available_bytes ", "lb_defence_memory_threshold_bytes ", "lb_defence_memory_pressure ",
                "lb_defence_memory_dropped_entries_total ", "lb_defence_memory_refused_connections_total "}) {
            assertTrue(scrape.contains("\n" + defence), defence + " in " + scrape);
        }
        assertEquals(0, metric(scrape, "lb_defence_memory_pressure", null), scrape);

        b2.close(); // the real server dies: its check fails twice (fall 2), it goes DOWN and out of the table
        await("b2 DOWN on the page", Duration.ofSeconds(10), () -> "DOWN".equals(pageState(body(http, "/"), s2)));
        String down = body(http, "/metrics");
        assertEquals(0, metric(down, "lb_health_state", s2), down);
        assertEquals(0, metric(down, "lb_health_check_result", s2), down);
        assertEquals(1, metric(down, "lb_health_state", s1), down);
        assertTrue(Double.isNaN(metric(down, "lb_active_connections", s2)), "out of the table: " + down);
        assertTrue(body(http, "/status.json").contains("\"server\":\"" + s2 + "\",\"role\":\"real\",\"state\":\"DOWN\","
                + "\"weight\":-1,\"inTable\":false"));
    }

    @Test
    void endpointIsReadOnly() throws Exception {
        HttpResponse<String> post = StatusClient.send(http, "/", "POST");
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        assertEquals(405, StatusClient.send(http, "/metrics", "DELETE").statusCode());
        String before = daemon.loadBalancer().services().toString();
        for (String method : new String[] {"PUT", "PATCH", "OPTIONS", "TRACE"}) {
            for (String path : new String[] {"/", "/status.json", "/metrics", "/admin"}) {
                assertEquals(405, StatusClient.send(http, path, method).statusCode(), method + " " + path);
            }
        }
        assertEquals(before, daemon.loadBalancer().services().toString(), "nothing the endpoint received changed "
                + "the table");
        assertEquals(404, StatusClient.get(http, "/admin").statusCode());
        HttpResponse<String> head = StatusClient.send(http, "/status.json", "HEAD");
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertTrue(Long.parseLong(head.headers().firstValue("content-length").orElse("0")) > 100);
        HttpResponse<String> js = StatusClient.get(http, "/status.js");
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElse(""));
        assertTrue(js.body().contains("getElementById('status')"));
        assertEquals(io.jvs.cli.status.StatusServer.PROMETHEUS_TEXT,
                StatusClient.get(http, "/metrics").headers().firstValue("content-type").orElse(""));
    }

    @Test
    void reloadThatCollidesWithAServiceAddedByJvsadm_changesNothing() throws Exception {
        int other = EchoServer.freePort();
        String admin = daemon.admin().address();
        Ipvsadm.Result r = AdminClient.execute(admin, List.of("-A", "-t", "127.0.0.1:" + other), new byte[0],
                Duration.ofSeconds(10));
        assertEquals(0, r.status(), r.stderr());
        String before = Files.readString(conf);
        Files.writeString(conf, before.replace("weight 2", "weight 7")
                + StatusClient.config(other, new int[] {b1.port()}, new int[] {1}).replaceAll("(?s)^.*?(virtual_server)", "$1"));
        daemon.reload();
        io.jvs.cli.status.ConfigLoad o = daemon.lastLoad();
        assertFalse(o.ok());
        assertTrue(o.message().contains("TCP 127.0.0.1:" + other + " exists already, added with jvsadm"), o.message());
        assertTrue(o.message().startsWith("reload failed, the running configuration is kept: "), o.message());
        assertEquals(2, daemon.loadBalancer().service(io.jvs.api.ServiceId.tcp(new InetSocketAddress("127.0.0.1",
                vport))).orElseThrow().realServers().stream().filter(s -> s.server().address().getPort() == b1.port())
                .findFirst().orElseThrow().server().weight(), "the running configuration is kept whole");
        String html = body(http, "/");
        assertTrue(html.contains("class=\"config bad\""), html);
    }
}
