package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the daemon tests share: keepalived.conf text, HTTP requests to the status endpoint, waiting. */
final class StatusClient {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private StatusClient() {}

    /**
     * A keepalived.conf with one wrr virtual server on 127.0.0.1:{@code vport} and the given real servers, each
     * with a TCP_CHECK every 100 ms (fall 2, rise 2), and one unsupported block (one warning).
     */
    static String config(int vport, int[] ports, int[] weights) {
        StringBuilder sb = new StringBuilder();
        sb.append("! test configuration\n")
                .append("vrrp_instance VI_1 {\n    state MASTER\n    interface lo\n    virtual_router_id 51\n}\n")
                .append("virtual_server 127.0.0.1 ").append(vport).append(" {\n")
                .append("    delay_loop 0.1\n    lb_algo wrr\n    lb_kind FULLNAT\n    protocol TCP\n")
                .append("    fall 2\n    rise 2\n");
        for (int i = 0; i < ports.length; i++) {
            sb.append("    real_server 127.0.0.1 ").append(ports[i]).append(" {\n        weight ").append(weights[i])
                    .append("\n        TCP_CHECK {\n            connect_timeout 0.5\n        }\n    }\n");
        }
        return sb.append("}\n").toString();
    }

    /**
     * Writes {@link #config} to {@code dir/keepalived.conf} and starts a daemon in-process on it, with its admin
     * socket in {@code dir} and {@code --http 0}.
     */
    static Daemon startDaemon(Path dir, int vport, int[] ports, int[] weights) throws Exception {
        Path conf = dir.resolve("keepalived.conf");
        Files.writeString(conf, config(vport, ports, weights));
        return Daemon.start(DaemonCommand.parse(new String[] {"--config", conf.toString(), "--admin",
            dir.resolve("admin.sock").toString(), "--http", "0", "--threads", "1"}));
    }

    static HttpResponse<String> get(InetSocketAddress http, String path) throws IOException, InterruptedException {
        return send(http, path, "GET");
    }

    static HttpResponse<String> send(InetSocketAddress http, String path, String method)
            throws IOException, InterruptedException {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http.getPort() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return HTTP.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** GET that must answer 200. */
    static String body(InetSocketAddress http, String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(http, path);
        assertEquals(200, r.statusCode(), path + ": " + r.body());
        return r.body();
    }

    /**
     * The value of the first Prometheus sample {@code name{...}} of {@code server} (null: any) that has every
     * label of {@code labels} ({@code key=value}), or NaN if there is none.
     */
    static double metric(String scrape, String name, String server, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? (\\S+)$")
                .matcher(scrape);
        search:
        while (m.find()) {
            String labelText = m.group(1) == null ? "" : m.group(1);
            if (server != null && !labelText.contains("server=\"" + server + "\"")) {
                continue;
            }
            for (String l : labels) {
                int eq = l.indexOf('=');
                if (!labelText.contains(l.substring(0, eq) + "=\"" + l.substring(eq + 1) + "\"")) {
                    continue search;
                }
            }
            return Double.parseDouble(m.group(2));
        }
        return Double.NaN;
    }

    /** The state the status page shows for {@code server}, from its {@code data-state} attribute. */
    static String pageState(String html, String server) {
        Matcher m = Pattern.compile("data-server=\"" + Pattern.quote(server) + "\" data-state=\"([A-Z_]+)\"")
                .matcher(html);
        return m.find() ? m.group(1) : null;
    }

    /** Polls {@code condition} every 50 ms until it is true, failing after {@code timeout}. */
    static void await(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
