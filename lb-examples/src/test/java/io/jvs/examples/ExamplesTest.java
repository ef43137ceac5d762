package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.testing.Ports;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every example runs as the program it is (its {@code main}, in a JVM of its own) against real servers on
 * 127.0.0.1, and does what its documentation says.
 */
class ExamplesTest {

    @Test
    void quickStart_spreadsByWeightAndPrintsTheStats() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", false);
             Servers.Named s2 = new Servers.Named("server 2", false)) {
            int port = Ports.tcp();
            try (ExampleProcess p = ExampleProcess.start(QuickStart.class, port, s1.port(), s2.port())) {
                p.await(l -> l.equals("balancing TCP 127.0.0.1:" + port + "; press Enter to stop"), 30);
                Map<String, Integer> answers = new HashMap<>();
                for (int i = 0; i < 8; i++) {
                    answers.merge(String.valueOf(Servers.ask(port)), 1, Integer::sum);
                }
                assertEquals(Map.of("server 1", 6, "server 2", 2), answers, "wrr with weights 3 and 1");
                String rest = p.stop();
                assertTrue(rest.startsWith("TCP 127.0.0.1:" + port + " Stats[connections=8, "), rest);
            }
        }
    }

    @Test
    void clusteredService_aClusterOfOneServesThroughConsensus() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", false)) {
            int port = Ports.tcp();
            int cluster = Ports.tcpPair(); // the stream listens on the next port
            try (ExampleProcess p = ExampleProcess.start(ClusteredService.class, port, s1.port(), cluster)) {
                p.await(l -> l.startsWith("serving TCP 127.0.0.1:" + port + " in cluster example"), 60);
                assertEquals("server 1", Servers.ask(port));
                String rest = p.stop();
                assertTrue(rest.startsWith("TCP 127.0.0.1:" + port + " Stats[connections=1, "), rest);
                assertTrue(rest.contains("SyncStatus[cluster=example, "), "the stream's status: " + rest);
            }
        }
    }

    @Test
    void keepalivedService_servesTheFilesVirtualServerWithItsChecks() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", false);
             Servers.Named s2 = new Servers.Named("server 2", false)) {
            int port = Ports.tcp();
            java.nio.file.Path conf = java.nio.file.Files.createTempFile("keepalived", ".conf");
            try {
                java.nio.file.Files.writeString(conf, "virtual_server 127.0.0.1 " + port + " {\n"
                        + "    protocol TCP\n    lb_algo rr\n    lb_kind NAT\n    delay_loop 1\n"
                        + "    real_server 127.0.0.1 " + s1.port() + " {\n        TCP_CHECK {\n        }\n    }\n"
                        + "    real_server 127.0.0.1 " + s2.port() + " {\n        TCP_CHECK {\n        }\n    }\n"
                        + "}\nvrrp_instance VI_1 {\n}\n");
                try (ExampleProcess p = ExampleProcess.start(KeepalivedService.class, conf.toString())) {
                    p.await(l -> l.startsWith("serving 1 virtual servers"), 30);
                    Set<String> answers = new HashSet<>();
                    for (int i = 0; i < 4; i++) {
                        answers.add(String.valueOf(Servers.ask(port)));
                    }
                    assertEquals(Set.of("server 1", "server 2"), answers, "rr over the file's two real servers");
                    String rest = p.stop();
                    assertTrue(rest.contains("127.0.0.1:" + s1.port()), rest);
                }
            } finally {
                java.nio.file.Files.deleteIfExists(conf);
            }
        }
    }

    @Test
    void healthCheckedService_takesAFailingServerOutAndBringsItBack() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", true);
             Servers.Named s2 = new Servers.Named("server 2", true)) {
            s2.healthy.set(false);
            int port = Ports.tcp();
            try (ExampleProcess p = ExampleProcess.start(HealthCheckedService.class, port, s1.port(), s2.port())) {
                p.await(l -> l.startsWith("balancing TCP 127.0.0.1:" + port), 30);
                p.await(l -> l.contains("SERVER_DOWN") && l.contains("127.0.0.1:" + s2.port()), 20);
                // A first probe slower than the timeout in a cold JVM takes server 1 out too, until it rises again.
                awaitAnswer(port, "server 1", 15);
                for (int i = 0; i < 6; i++) {
                    assertEquals("server 1", Servers.httpGet(port, "/"), "only the healthy server gets clients");
                }
                s2.healthy.set(true);
                p.await(l -> l.contains("SERVER_UP") && l.contains("127.0.0.1:" + s2.port()), 20);
                Set<String> answers = new HashSet<>();
                for (int i = 0; i < 4; i++) {
                    answers.add(Servers.httpGet(port, "/"));
                }
                assertEquals(Set.of("server 1", "server 2"), answers, "rr over both once the second is back");
                String rest = p.stop();
                assertTrue(rest.contains("127.0.0.1:" + s2.port()) && rest.contains("UP"), rest);
            }
        }
    }

    @Test
    void udpService_flowPerClientAnswersFromTheVirtualAddress() throws Exception {
        try (Servers.NamedUdp s1 = new Servers.NamedUdp("server 1");
             Servers.NamedUdp s2 = new Servers.NamedUdp("server 2")) {
            int port = Ports.udp();
            try (ExampleProcess p = ExampleProcess.start(UdpService.class, port, s1.port(), s2.port())) {
                p.await(l -> l.equals("balancing UDP 127.0.0.1:" + port + "; press Enter to stop"), 30);
                Map<String, Integer> answers = new HashMap<>();
                for (int i = 0; i < 4; i++) { // four clients, each from a port of its own: rr alternates
                    String[] a = Servers.datagram(port, "query " + i);
                    assertNotNull(a, "no answer to client " + i);
                    assertEquals("127.0.0.1:" + port, a[1], "answers come from the virtual address");
                    answers.merge(a[0], 1, Integer::sum);
                }
                assertEquals(Map.of("server 1", 2, "server 2", 2), answers);
                String rest = p.stop();
                assertEquals(4, rest.lines().filter(l -> l.contains("UDP")).count(), "one flow per client: " + rest);
            }
        }
    }

    @Test
    void metrics_servesPrometheusTextWithTheServiceCounters() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", false)) {
            int port = Ports.tcp();
            int metricsPort = Ports.tcp();
            try (ExampleProcess p = ExampleProcess.start(Metrics.class, port, s1.port(), metricsPort)) {
                p.await(l -> l.startsWith("metrics at http://127.0.0.1:" + metricsPort + "/metrics"), 30);
                for (int i = 0; i < 3; i++) {
                    assertEquals("server 1", Servers.ask(port));
                }
                Pattern total = Pattern.compile("(?m)^lb_service_scheduled_connections_total\\{[^}]*service=\"TCP 127\\.0\\.0"
                        + "\\.1:" + port + "\"[^}]*\\} 3\\.0$");
                // Meters read a snapshot of the table at most a second old: scrape until it shows the three.
                HttpClient client = HttpClient.newHttpClient();
                HttpResponse<String> r = null;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < deadline && (r == null || !total.matcher(r.body()).find())) {
                    Thread.sleep(r == null ? 0 : 200);
                    r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort
                            + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode());
                }
                assertTrue(r.headers().firstValue("content-type").orElse("").startsWith("text/plain; version=0.0.4"));
                assertTrue(total.matcher(r.body()).find(), "3 connections counted for the service: " + r.body());
                p.stop();
            }
        }
    }

    @Test
    void protectedService_refusesTheDeniedClientAndTheThirdConnectionOfASource() throws Exception {
        try (Servers.Named s1 = new Servers.Named("server 1", false)) {
            int port = Ports.tcp();
            try (ExampleProcess p = ExampleProcess.start(ProtectedService.class, port, s1.port())) {
                p.await(l -> l.startsWith("serving TCP 127.0.0.1:" + port), 30);
                assertNull(speakFirst("127.0.0.66", port, null), "127.0.0.66 is denied");
                assertEquals(0, s1.accepted.get(), "a denied client never reaches the real server");
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 2; i++) {
                        held.add(new Socket());
                        assertEquals("server 1", speakFirst("127.0.0.1", port, held.get(i)), "connection " + i);
                    }
                    assertNull(speakFirst("127.0.0.1", port, null), "a third connection from 127.0.0.1 at once");
                } finally {
                    for (Socket s : held) {
                        s.close();
                    }
                }
                String rest = p.stop();
                assertTrue(rest.contains("ACCESS_DENIED=1") && rest.contains("SOURCE_CONNECTIONS=1"), rest);
            }
        }
    }

    /** Asks through {@code port} until {@code expected} answers, for up to {@code seconds}. */
    private static void awaitAnswer(int port, String expected, int seconds) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        String got = null;
        while (System.nanoTime() < deadline && !expected.equals(got = Servers.httpGet(port, "/"))) {
            Thread.sleep(200);
        }
        assertEquals(expected, got, "no answer from " + expected + " within " + seconds + " s");
    }

    /**
     * Connects from {@code source}, sends a line first (the service waits for the client's first bytes) and reads
     * the answer; null when the director resets or closes the connection. {@code keep}, when given, is the socket
     * to use and is left open.
     */
    private static String speakFirst(String source, int port, Socket keep) throws Exception {
        Socket s = keep != null ? keep : new Socket();
        try {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress(Servers.LOOPBACK, port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                line.append((char) c);
            }
            return line.length() == 0 ? null : line.toString();
        } catch (java.net.SocketException e) {
            return null; // reset
        } finally {
            if (keep == null) {
                s.close();
            }
        }
    }
}
