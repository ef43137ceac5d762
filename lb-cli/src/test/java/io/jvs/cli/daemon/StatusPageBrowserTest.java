package io.jvs.cli.daemon;

import static io.jvs.cli.daemon.StatusClient.await;
import static io.jvs.cli.daemon.StatusClient.body;
import static io.jvs.cli.daemon.StatusClient.pageState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser (Debian's headless Chromium): a daemon with two real servers and TCP checks;
 * the page lists both UP; one real server is killed and, without a reload, the page shows it DOWN with the failed
 * check (status.js polling); a screenshot goes to {@code target/status-page.png}. The same page with JavaScript
 * off shows the same state. Skipped where chromium is not installed.
 */
class StatusPageBrowserTest {

    @TempDir
    Path dir;

    private EchoServer b1;
    private EchoServer b2;
    private Daemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        b1 = new EchoServer();
        b2 = new EchoServer();
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
    void pageShowsServersAndFollowsAFailureLive() throws Exception {
        Optional<Path> exe = Chromium.find();
        assumeTrue(exe.isPresent(), "chromium is not installed (apt-get install chromium; .ci/run installs it): "
                + "skipping the browser test of the status page");
        int vport = EchoServer.freePort();
        daemon = StatusClient.startDaemon(dir, vport, new int[] {b1.port(), b2.port()}, new int[] {3, 1});
        InetSocketAddress http = daemon.httpAddress();
        String s1 = b1.hostPort();
        String s2 = b2.hostPort();
        await("both servers UP", Duration.ofSeconds(10), () -> {
            String html = body(http, "/");
            return "UP".equals(pageState(html, s1)) && "UP".equals(pageState(html, s2));
        });
        for (int i = 0; i < 8; i++) { // some traffic, for the counters
            try (Socket s = new Socket("127.0.0.1", vport)) {
                s.setSoTimeout(5000);
                EchoServer.roundTrip(s, "status page test " + i + "\n");
            }
        }

        String url = "http://127.0.0.1:" + http.getPort() + "/";
        String rows = "JSON.stringify(Array.from(document.querySelectorAll('tr[data-server]'))"
                + ".map(r => r.dataset.server + '=' + r.dataset.state))";
        try (Chromium browser = Chromium.open(exe.get(), dir.resolve("profile"), url, 1100, 520)) {
            await("the page in Chromium", Duration.ofSeconds(20), () -> browser.evaluate(rows).contains(s2));
            assertEquals("[\"" + s1 + "=UP\",\"" + s2 + "=UP\"]", browser.evaluate(rows));
            await("status.js running", Duration.ofSeconds(20),
                    () -> browser.evaluate("document.getElementById('live').textContent").startsWith("Live"));
            browser.evaluate("window.jvsMarker = 'the same page'");

            b2.close(); // the real server dies; its TCP_CHECK fails (fall 2) and the page follows
            await("the page showing " + s2 + " DOWN", Duration.ofSeconds(20),
                    () -> browser.evaluate(rows).contains(s2 + "=DOWN"));
            assertEquals("[\"" + s1 + "=UP\",\"" + s2 + "=DOWN\"]", browser.evaluate(rows));
            assertEquals("the same page", browser.evaluate("String(window.jvsMarker)"),
                    "updated in place by status.js, not by a reload");
            String row = browser.evaluate("document.querySelector('tr[data-server=\"" + s2 + "\"]').innerText");
            assertTrue(row.contains("TCP_CHECK " + s2 + ": connection refused"), row);
            assertTrue(row.contains("out"), "weight 'out' of the table: " + row);
            String service = browser.evaluate("document.querySelector('section.service').innerText");
            assertTrue(service.contains("1 of 2 up"), service);

            byte[] png = browser.screenshot();
            assertTrue(png.length > 10_000, "a real picture: " + png.length + " bytes");
            assertEquals("[-119, 80, 78, 71]", Arrays.toString(Arrays.copyOf(png, 4)), "PNG signature");
            Path shot = Path.of("target", "status-page.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
        }

        // JavaScript off: the server-rendered page alone says the same.
        try (Chromium browser = Chromium.open(exe.get(), dir.resolve("profile-nojs"), "about:blank", 1100, 520)) {
            browser.disableJavaScript();
            browser.navigate(url);
            await("the page without JavaScript", Duration.ofSeconds(20), () -> browser.html().contains("</main>"));
            String dom = browser.html();
            assertEquals("UP", pageState(dom, s1), dom);
            assertEquals("DOWN", pageState(dom, s2), dom);
            assertTrue(dom.contains("This page reloads every 5 s."), "status.js did not run: " + dom);
        }
    }
}
