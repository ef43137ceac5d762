package io.jvs.cli.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.RealServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ProxyCommandTest {

    private static String parseError(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> ProxyCommand.parse(args)).getMessage();
    }

    @Test
    void parse_fullCommandLine() {
        ProxyOptions o = ProxyCommand.parse(new String[] {"--listen", "127.0.0.1:8080", "--backend",
                "127.0.0.1:9001@3", "--backend", "[::1]:9002", "--scheduler", "wrr", "--persistence", "60",
                "--transport", "nio", "--threads", "2", "--connect-timeout", "250"});
        assertEquals(new InetSocketAddress("127.0.0.1", 8080), o.listen);
        assertEquals(List.of(RealServer.of("127.0.0.1", 9001).withWeight(3), RealServer.of("::1", 9002)), o.backends);
        assertEquals("wrr", o.service().schedulerName());
        assertEquals(60, o.service().persistence().getSeconds());
        assertEquals(2, o.threads);
        assertEquals(250, o.connectTimeoutMillis);
    }

    @Test
    void parse_udp() {
        ProxyOptions o = ProxyCommand.parse(new String[] {"--udp", "--listen", "127.0.0.1:5353", "--backend",
                "127.0.0.1:53", "--one-packet", "--max-datagram-size", "1500", "--max-udp-flows", "1000",
                "--udp-timeout", "30", "--max-connections", "500"});
        assertEquals(io.jvs.api.ServiceId.udp(new InetSocketAddress("127.0.0.1", 5353)), o.service().id());
        assertTrue(o.service().isOnePacket());
        assertEquals(500, o.service().defences().maxConnections());
        assertEquals(30, o.udpTimeout);
        assertEquals("NettyLoadBalancer.Builder[transport=AUTO, maxDatagramSize=1500, maxUdpFlows=1000]",
                o.loadBalancer().toString());
        assertEquals("--one-packet, --max-datagram-size, --max-udp-flows and --udp-timeout: only with --udp",
                parseError("--listen", "127.0.0.1:80", "--backend", "127.0.0.1:81", "--one-packet"));
        assertEquals("--max-datagram-size: 100 (expected: 512-65507)", parseError("--udp", "--listen", "127.0.0.1:80",
                "--backend", "127.0.0.1:81", "--max-datagram-size", "100"));
    }

    @Test
    void parse_errorsNameTheArgument() {
        assertEquals("--listen: missing (expected: HOST:PORT)", parseError("--backend", "127.0.0.1:1"));
        assertEquals("--backend: missing (expected: at least one HOST:PORT[@WEIGHT])",
                parseError("--listen", "127.0.0.1:80"));
        assertEquals("--backend weight: 70000 (expected: 0-65535)",
                parseError("--listen", "127.0.0.1:80", "--backend", "127.0.0.1:81@70000"));
        assertEquals("--listen port: 99999 (expected: 0-65535)", parseError("--listen", "127.0.0.1:99999"));
        assertEquals("--listen port: 0 (expected: 1-65535)", parseError("--listen", "127.0.0.1:0"));
        assertEquals("--listen: localhost (expected: HOST:PORT)", parseError("--listen", "localhost"));
        assertEquals("--listen: ::1:80 (expected: [IPv6]:PORT for an IPv6 address)", parseError("--listen", "::1:80"));
        assertEquals("--transport: dpdk (expected: auto, epoll, io_uring or nio)",
                parseError("--listen", "127.0.0.1:80", "--transport", "dpdk"));
        assertEquals("unknown option '--frob'", parseError("--frob", "1"));
        assertEquals("--threads: missing value", parseError("--threads"));
        assertEquals("unexpected argument 'x'", parseError("x"));
        assertEquals("--listen: given twice", parseError("--listen", "127.0.0.1:80", "--listen", "127.0.0.1:81"));
    }

    @Test
    void parse_defences() {
        ProxyOptions o = ProxyCommand.parse(new String[] {"--listen", "127.0.0.1:8080", "--backend",
                "127.0.0.1:9001", "--allow", "10.0.0.0/8, 2001:db8::/32", "--deny", "10.66.0.0/16", "--deny",
                "10.77.0.0/16", "--source-connections", "50", "--source-rate", "20:40", "--source-prefix", "24,48",
                "--await-data", "5000", "--table-size", "4096", "--memory-threshold", "32m"});
        io.jvs.api.VirtualService vs = o.service();
        assertEquals(List.of(io.jvs.api.Cidr.parse("10.0.0.0/8"), io.jvs.api.Cidr.parse("2001:db8::/32")), vs.defences().allow());
        assertEquals(List.of(io.jvs.api.Cidr.parse("10.66.0.0/16"), io.jvs.api.Cidr.parse("10.77.0.0/16")), vs.defences().deny());
        assertEquals(io.jvs.api.SourceLimit.maxConnections(50).withRate(20, 40).withPrefixLengths(24, 48),
                vs.defences().sourceLimit());
        assertEquals(java.time.Duration.ofSeconds(5), vs.defences().clientDataTimeout());
        assertEquals(4096, o.tableSize);
        assertEquals(32L << 20, o.memoryThreshold);
        assertEquals(io.jvs.api.SourceLimit.rate(7, 7), ProxyCommand.parse(new String[] {"--listen", "127.0.0.1:1",
                "--backend", "127.0.0.1:2", "--source-rate", "7"}).service().defences().sourceLimit(), "burst = rate");
        assertEquals("--deny: cidr: 10.0.0.0/33 (expected: ADDRESS/0-32)", parseError("--listen", "127.0.0.1:80",
                "--deny", "10.0.0.0/33"));
        assertEquals("--source-rate burst: 0 (expected: 1-1000000)", parseError("--source-rate", "5:0"));
        assertEquals("--source-prefix: 24 (expected: V4,V6 such as 24,64)", parseError("--source-prefix", "24"));
        assertEquals("--memory-threshold: 64x (expected: bytes, e.g. 67108864, 64m or 1g; 0 for off)",
                parseError("--memory-threshold", "64x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ProxyCommand.parse(
                new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:1", "--source-prefix", "24,64"})
                .service());
        assertEquals("--source-prefix: given without --source-connections or --source-rate (expected: a per-source "
                + "limit to apply it to)", e.getMessage());
    }

    @Test
    void run_badArgumentsExit2WithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ProxyCommand.run(new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:1",
                "--scheduler", "nosuch"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, status);
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.startsWith("jvs proxy: scheduler: nosuch (expected: one of "), e);
        assertTrue(e.contains("\nusage: jvs proxy --listen HOST:PORT"), e);
    }

    /** The proxy as its own process: it relays, and SIGTERM stops it cleanly with status 0. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void run_asAProcess_relaysAndStopsOnSigterm() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket backend = new ServerSocket(0, 16, lo)) {
            Thread t = new Thread(() -> {
                while (!backend.isClosed()) {
                    try (Socket s = backend.accept(); OutputStream o = s.getOutputStream()) {
                        o.write("pong\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            t.setDaemon(true);
            t.start();
            int port = io.jvs.testing.Ports.tcp();
            Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
            Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                    "io.jvs.cli.Jvs", "proxy", "--listen", "127.0.0.1:" + port, "--backend",
                    "127.0.0.1:" + backend.getLocalPort(), "--threads", "1").redirectErrorStream(true).start();
            try {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.startsWith("jvs proxy: TCP")) {
                    // log lines before the banner
                }
                assertTrue(line != null && line.contains("-> 127.0.0.1:" + backend.getLocalPort() + "@1"), line);
                try (Socket s = new Socket(lo, port)) {
                    s.setSoTimeout(5000);
                    assertEquals("pong", new BufferedReader(new InputStreamReader(s.getInputStream(),
                            StandardCharsets.US_ASCII)).readLine());
                }
                p.destroy(); // SIGTERM
                assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the proxy exits after SIGTERM");
                assertEquals(0, p.exitValue());
            } finally {
                p.destroyForcibly();
            }
        }
    }
}
