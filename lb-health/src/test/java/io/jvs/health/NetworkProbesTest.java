package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.jvs.api.Ticker;
import io.jvs.health.internal.Outcome;
import io.jvs.health.internal.Prober;
import io.jvs.testing.Ports;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The probes issue #17 asked for, against real servers on 127.0.0.1: HTTPS GET (keepalived's SSL_GET) to a server
 * with a self-signed certificate made here, SMTP to a tiny SMTP server, UDP to an echo server and a closed port.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NetworkProbesTest {

    // Generous: a busy CI box must not turn a check that should pass or fail on content into a timeout.
    private static final CheckSettings SETTINGS = CheckSettings.defaults().withTimeout(Duration.ofSeconds(5));
    private static MultiThreadIoEventLoopGroup group;
    private static ExecutorService pool;
    private static Prober prober;
    private static HttpsServer https;
    private static final AtomicReference<String> lastHost = new AtomicReference<>();
    private static String noCertificate;

    @BeforeAll
    static void setUp() throws Exception {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        pool = Executors.newCachedThreadPool();
        prober = new Prober(NioSocketChannel.class, pool, Ticker.system(), null);
        SelfSignedCertificate cert;
        try {
            cert = new SelfSignedCertificate("jvs-test.example");
        } catch (java.security.cert.CertificateException e) {
            // Netty makes it with BouncyCastle, the JDK's internals or keytool; a runtime without all three cannot.
            noCertificate = "cannot make a self-signed certificate here (" + e + "); the HTTPS probes are not tested";
            return;
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", cert.key(), "secret".toCharArray(), new Certificate[] {cert.cert()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "secret".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        https = HttpsServer.create(new InetSocketAddress(Backend.LOOPBACK, 0), 50);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-https");
            t.setDaemon(true);
            return t;
        }));
        https.createContext("/ok", x -> {
            lastHost.set(x.getRequestHeaders().getFirst("Host"));
            byte[] b = "hello".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        });
        https.createContext("/down", x -> {
            x.sendResponseHeaders(503, -1);
            x.close();
        });
        https.start();
        cert.delete();
    }

    @AfterAll
    static void tearDown() {
        if (https != null) {
            https.stop(0);
        }
        pool.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static Outcome probe(HealthCheck check, InetSocketAddress server) throws Exception {
        return prober.probe(check, server, group.next()).get(30, TimeUnit.SECONDS);
    }

    private static InetSocketAddress httpsAddress() {
        Assumptions.assumeTrue(noCertificate == null, () -> noCertificate);
        return new InetSocketAddress(Backend.LOOPBACK, https.getAddress().getPort());
    }

    // ---- SSL_GET

    @Test
    void sslGet_selfSignedServer_isHealthy_certificateNotVerified() throws Exception {
        String md5OfHello = "5d41402abc4b2a76b9719d911017c592";
        HttpGetCheck check = HttpGetCheck.of(List.of(HttpGetCheck.Url.of("/ok").withDigest(md5OfHello)))
                .withTls(true).withSettings(SETTINGS);
        Outcome o = probe(check, httpsAddress());
        assertTrue(o.healthy(), o.message());
        assertEquals("HTTP 200, digest " + md5OfHello, o.message());
        assertEquals("127.0.0.1:" + httpsAddress().getPort(), lastHost.get());
    }

    @Test
    void sslGet_statusAndSni() throws Exception {
        Outcome down = probe(HealthCheck.httpsGet("/down").withSettings(SETTINGS), httpsAddress());
        assertFalse(down.healthy());
        assertEquals("HTTP 503 (expected: 200-299)", down.message());
        Outcome named = probe(HealthCheck.httpsGet("/ok").withServerName("jvs-test.example")
                .withVirtualHost("jvs-test.example").withSettings(SETTINGS), httpsAddress());
        assertTrue(named.healthy(), named.message());
        assertEquals("jvs-test.example", lastHost.get());
    }

    @Test
    void sslGet_toAPlainHttpServer_failsTheHandshake() throws Exception {
        try (ServerSocket plain = new ServerSocket(0, 5, Backend.LOOPBACK)) {
            Thread t = new Thread(() -> {
                try (Socket c = plain.accept()) {
                    c.getInputStream().read(new byte[512]);
                    c.getOutputStream().write("HTTP/1.0 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (IOException e) {
                    // the probe hung up
                }
            }, "plain-http");
            t.setDaemon(true);
            t.start();
            Outcome o = probe(HealthCheck.httpsGet("/").withSettings(SETTINGS),
                    (InetSocketAddress) plain.getLocalSocketAddress());
            assertFalse(o.healthy());
            assertTrue(o.message().startsWith("TLS: ") || o.message().startsWith("connection closed"), o.message());
        }
    }

    // ---- SMTP_CHECK

    /** A one-connection SMTP server answering with {@code greeting} and {@code heloReply}; returns the HELO line. */
    private static Thread smtpServer(ServerSocket s, String greeting, String heloReply, AtomicReference<String> helo) {
        Thread t = new Thread(() -> {
            try (Socket c = s.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(),
                        StandardCharsets.US_ASCII));
                OutputStream out = c.getOutputStream();
                out.write(greeting.getBytes(StandardCharsets.US_ASCII));
                helo.set(in.readLine());
                out.write(heloReply.getBytes(StandardCharsets.US_ASCII));
                String quit = in.readLine();
                if ("QUIT".equals(quit)) {
                    out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the probe hung up
            }
        }, "smtp");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void smtp_greeting220_helo250_isHealthy() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, Backend.LOOPBACK)) {
            AtomicReference<String> helo = new AtomicReference<>();
            Thread t = smtpServer(s, "220-mail.test ESMTP\r\n220 ready\r\n", "250 mail.test\r\n", helo);
            Outcome o = probe(HealthCheck.smtp().withHeloName("checker.test").withSettings(SETTINGS),
                    (InetSocketAddress) s.getLocalSocketAddress());
            assertTrue(o.healthy(), o.message());
            assertEquals("220, HELO 250", o.message());
            t.join(10_000);
            assertEquals("HELO checker.test", helo.get());
        }
    }

    @Test
    void smtp_wrongCodes_fail() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, Backend.LOOPBACK)) {
            smtpServer(s, "554 go away\r\n", "", new AtomicReference<>());
            Outcome o = probe(HealthCheck.smtp().withSettings(SETTINGS), (InetSocketAddress) s.getLocalSocketAddress());
            assertFalse(o.healthy());
            assertEquals("greeting '554 go away' (expected: 220)", o.message());
        }
        try (ServerSocket s = new ServerSocket(0, 5, Backend.LOOPBACK)) {
            AtomicReference<String> helo = new AtomicReference<>();
            smtpServer(s, "220 ready\r\n", "501 bad\r\n", helo);
            Outcome o = probe(HealthCheck.smtp().withSettings(SETTINGS), (InetSocketAddress) s.getLocalSocketAddress());
            assertFalse(o.healthy());
            assertEquals("HELO answered '501 bad' (expected: 250)", o.message());
            assertEquals("HELO " + SmtpCheck.DEFAULT_HELO_NAME, helo.get());
        }
    }

    @Test
    void smtp_refused() throws Exception {
        Outcome o = probe(HealthCheck.smtp().withSettings(SETTINGS),
                new InetSocketAddress(Backend.LOOPBACK, Backend.freePort()));
        assertFalse(o.healthy());
        assertEquals("connection refused", o.message());
    }

    // ---- UDP_CHECK

    @Test
    void udp_closedPort_isPortUnreachable() throws Exception {
        Outcome o = probe(HealthCheck.udp().withSettings(SETTINGS),
                new InetSocketAddress(Backend.LOOPBACK, Ports.udp()));
        assertFalse(o.healthy());
        assertEquals("port unreachable", o.message());
    }

    @Test
    void udp_silentListener_isHealthyAfterTheTimeout_replyRequiredIsNot() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(0, Backend.LOOPBACK)) {
            InetSocketAddress at = (InetSocketAddress) silent.getLocalSocketAddress();
            CheckSettings shortTimeout = SETTINGS.withTimeout(Duration.ofMillis(200));
            Outcome o = probe(HealthCheck.udp().withSettings(shortTimeout), at);
            assertTrue(o.healthy(), o.message());
            assertEquals("no ICMP error within 200 ms", o.message());
            Outcome required = probe(HealthCheck.udp().withRequiredReply(new byte[0], new byte[0])
                    .withSettings(shortTimeout), at);
            assertFalse(required.healthy());
            assertEquals("no reply within 200 ms", required.message());
        }
    }

    @Test
    void udp_echoServer_replyMatchesOrNot() throws Exception {
        try (DatagramSocket echo = new DatagramSocket(0, Backend.LOOPBACK)) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[2048];
                while (!echo.isClosed()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        echo.receive(p);
                        echo.send(new DatagramPacket(p.getData(), p.getLength(), p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "udp-echo");
            t.setDaemon(true);
            t.start();
            InetSocketAddress at = (InetSocketAddress) echo.getLocalSocketAddress();
            UdpCheck ping = HealthCheck.udp().withPayload(new byte[] {1, 2, 3}).withSettings(SETTINGS);
            Outcome any = probe(ping, at);
            assertTrue(any.healthy(), any.message());
            assertEquals("reply of 3 bytes", any.message());
            Outcome match = probe(ping.withRequiredReply(new byte[] {1, 0}, new byte[] {0, (byte) 0xff}), at);
            assertTrue(match.healthy(), match.message());
            Outcome mismatch = probe(ping.withRequiredReply(new byte[] {9}, new byte[] {0}), at);
            assertFalse(mismatch.healthy());
            assertEquals("reply of 3 bytes does not match (expected: 0-255 bytes starting 09)", mismatch.message());
            Outcome tooShort = probe(ping.withRequiredReply(new byte[0], new byte[0]).withReplyLength(4, 10), at);
            assertFalse(tooShort.healthy());
        }
    }
}
