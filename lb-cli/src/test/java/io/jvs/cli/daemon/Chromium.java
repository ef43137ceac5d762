package io.jvs.cli.daemon;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's headless Chromium for tests, driven over the DevTools protocol with the JDK's own WebSocket client (no
 * browser-automation library): open a page, evaluate JavaScript in it or read its DOM with JavaScript off, take a
 * screenshot. Started with the flags
 * this machine's closed network needs and a fresh profile directory; {@link #close()} ends the browser and its
 * child processes.
 */
final class Chromium implements AutoCloseable {

    private static final List<String> FLAGS = List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Pattern RESPONSE = Pattern.compile("^\\{\"id\":(\\d+),\"(result|error)\"");

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, WebSocket socket) {
        this.process = process;
        this.socket = socket;
    }

    /** The chromium executable on the PATH, if there is one. */
    static Optional<Path> find() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            for (String name : new String[] {"chromium", "chromium-browser"}) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> command(Path exe, Path profile, int width, int height) {
        List<String> cmd = new ArrayList<>();
        cmd.add(exe.toString());
        cmd.addAll(FLAGS);
        cmd.add("--user-data-dir=" + profile);
        cmd.add("--window-size=" + width + "," + height);
        return cmd;
    }

    /** Starts Chromium on {@code url} with a {@code width} x {@code height} window, ready to be driven. */
    static Chromium open(Path exe, Path profile, String url, int width, int height) throws Exception {
        Files.createDirectories(profile);
        List<String> cmd = command(exe, profile, width, height);
        cmd.add("--remote-debugging-address=127.0.0.1");
        cmd.add("--remote-debugging-port=0");
        cmd.add(url);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile()).start();
        try {
            int port = debuggingPort(profile, p);
            HttpClient http = HttpClient.newHttpClient();
            String ws = pageSocket(http, port, url);
            Chromium[] self = new Chromium[1];
            WebSocket socket = http.newWebSocketBuilder().connectTimeout(TIMEOUT)
                    .buildAsync(URI.create(ws), new WebSocket.Listener() {
                        private final StringBuilder text = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            text.append(data);
                            if (last) {
                                self[0].received(text.toString());
                                text.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }
                    }).get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            self[0] = new Chromium(p, socket);
            return self[0];
        } catch (Exception e) {
            destroy(p);
            throw e;
        }
    }

    /** Chromium writes the port it chose to DevToolsActivePort in the profile. */
    private static int debuggingPort(Path profile, Process p) throws Exception {
        Path file = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException("chromium exited with " + p.exitValue());
            }
            if (Files.exists(file)) {
                List<String> lines = Files.readAllLines(file);
                if (!lines.isEmpty() && !lines.get(0).isBlank()) {
                    return Integer.parseInt(lines.get(0).trim());
                }
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("chromium wrote no DevToolsActivePort in " + TIMEOUT);
    }

    /** The DevTools WebSocket of the page showing {@code url}. */
    private static String pageSocket(HttpClient http, int port, String url) throws Exception {
        Pattern target = Pattern.compile("\"type\"\\s*:\\s*\"page\"[^}]*?\"url\"\\s*:\\s*\"" + Pattern.quote(url)
                + "\"[^}]*?\"webSocketDebuggerUrl\"\\s*:\\s*\"(ws://[^\"]+)\"", Pattern.DOTALL);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        String list = "";
        while (System.nanoTime() < deadline) {
            list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = target.matcher(list);
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("no page target for " + url + " in " + list);
    }

    private void received(String message) {
        Matcher m = RESPONSE.matcher(message);
        if (m.find()) {
            CompletableFuture<String> f = pending.remove(Integer.parseInt(m.group(1)));
            if (f != null) {
                f.complete(message);
            }
        }
    }

    /** Sends one DevTools command and returns its response. */
    private String call(String method, String params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<String> f = new CompletableFuture<>();
        pending.put(id, f);
        socket.sendText("{\"id\":" + id + ",\"method\":\"" + method + "\",\"params\":" + params + "}", true)
                .get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        String response = f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (response.startsWith("{\"id\":" + id + ",\"error\"")) {
            throw new IllegalStateException(method + " failed: " + response);
        }
        return response;
    }

    /** Evaluates {@code expression}, which must give a string, in the page. */
    String evaluate(String expression) throws Exception {
        String r = call("Runtime.evaluate", "{\"expression\":" + quote(expression) + ",\"returnByValue\":true}");
        if (!r.contains("\"result\":{\"type\":\"string\"")) {
            throw new IllegalStateException("not a string: " + r);
        }
        return stringField(r, "value");
    }

    /** Turns the page's JavaScript off (for the pages loaded after this call), as a reader without it has. */
    void disableJavaScript() throws Exception {
        call("Emulation.setScriptExecutionDisabled", "{\"value\":true}");
    }

    /** Loads {@code url} in the page. */
    void navigate(String url) throws Exception {
        call("Page.navigate", "{\"url\":" + quote(url) + "}");
    }

    /**
     * The page's current DOM as HTML, read through the DOM domain (works with JavaScript off). The page may reload
     * itself between the two calls (its meta refresh), which invalidates the node id; then it asks again.
     */
    String html() throws Exception {
        for (int attempt = 1; ; attempt++) {
            Matcher root = Pattern.compile("\"root\":\\{\"nodeId\":(\\d+)").matcher(call("DOM.getDocument",
                    "{\"depth\":0}"));
            if (!root.find()) {
                throw new IllegalStateException("no document");
            }
            try {
                return stringField(call("DOM.getOuterHTML", "{\"nodeId\":" + root.group(1) + "}"), "outerHTML");
            } catch (IllegalStateException e) {
                if (attempt == 5 || !String.valueOf(e.getMessage()).contains("Could not find node")) {
                    throw e;
                }
            }
        }
    }

    /** The first string member {@code name} of a JSON text, unescaped (scanned: responses can be large). */
    private static String stringField(String json, String name) {
        String key = "\"" + name + "\":\"";
        int start = json.indexOf(key);
        if (start < 0) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        start += key.length();
        int i = start;
        while (json.charAt(i) != '"') {
            i += json.charAt(i) == '\\' ? 2 : 1;
        }
        return unquote(json.substring(start, i));
    }

    /** A PNG of what the page shows. */
    byte[] screenshot() throws Exception {
        String r = call("Page.captureScreenshot", "{\"format\":\"png\"}");
        Matcher m = Pattern.compile("\"data\":\"([A-Za-z0-9+/=]+)\"").matcher(r);
        if (!m.find()) {
            throw new IllegalStateException("no screenshot: " + r.substring(0, Math.min(200, r.length())));
        }
        return Base64.getDecoder().decode(m.group(1));
    }

    @Override
    public void close() {
        socket.abort();
        destroy(process);
    }

    /** Ends the browser and the processes it started (renderer, zygote, ...). */
    private static void destroy(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(c -> {
            if (c.isAlive()) {
                c.destroyForcibly();
            }
        });
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    private static String unquote(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 'n':
                    sb.append('\n');
                    break;
                case 't':
                    sb.append('\t');
                    break;
                case 'r':
                    sb.append('\r');
                    break;
                case 'b':
                    sb.append('\b');
                    break;
                case 'f':
                    sb.append('\f');
                    break;
                case 'u':
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                    break;
                default:
                    sb.append(e); // \" \\ \/
            }
        }
        return sb.toString();
    }
}
