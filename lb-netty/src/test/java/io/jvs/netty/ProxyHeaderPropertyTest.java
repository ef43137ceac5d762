package io.jvs.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.api.Cidr;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PROXY protocol headers as JVS receives them, random and mutated, over real connections to a service that trusts
 * loopback: every connection either is relayed with the header taken off (the real server sees only what followed
 * it) or is reset and counted as a rejection; nothing else happens (no error logged, no buffer leaked, no
 * connection left behind), and a rejected connection never reaches the real server. Seeds are fixed
 * ({@code -Djvs.qt.seed=N} replays another run).
 */
class ProxyHeaderPropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x50524f58L);
    private static final int EXAMPLES = 1000;
    private static final byte[] V2_SIGNATURE = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    private static final byte[] PAYLOAD = "ping\n".getBytes(StandardCharsets.US_ASCII);

    private static Backend server;
    private static NettyLoadBalancer lb;
    private static int port;
    private static final List<String> problems = new ArrayList<>();
    private static final Handler LOG_WATCH = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String m = String.valueOf(r.getMessage());
            if (r.getLevel().intValue() >= Level.WARNING.intValue() && !m.contains("reset a client from")) {
                synchronized (problems) {
                    problems.add(r.getLoggerName() + ": " + m + (r.getThrown() == null ? "" : " " + r.getThrown()));
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    static void start() throws IOException {
        Logger.getLogger("").addHandler(LOG_WATCH);
        server = Backend.echo();
        lb = Lbs.builder(Transport.AUTO).build(); // a 2 s connect (and header) timeout
        port = Lbs.start(lb, VirtualService.tcp("127.0.0.1", Net.freePort())
                .acceptProxyProtocol(List.of(Cidr.parse("127.0.0.0/8")))
                .realServer(RealServer.of(server.address())).build());
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            Lbs.awaitIdle(lb);
        } finally {
            lb.close();
            server.close();
            Logger.getLogger("").removeHandler(LOG_WATCH);
        }
        assertEquals(List.of(), problems, "warnings or errors logged");
    }

    /** Sends {@code header} + the payload, ends its output, and checks what came back. */
    private static void relayedOrRejected(byte[] header, AtomicInteger relayed, AtomicInteger rejected) {
        long rejectedBefore = lb.stats().proxyProtocolRejected();
        int acceptedBefore = server.accepted();
        byte[] sent = concat(header, PAYLOAD);
        String outcome;
        byte[] back;
        try (Socket s = Net.connect(port)) {
            try {
                s.getOutputStream().write(sent);
                s.shutdownOutput();
            } catch (SocketException e) {
                // rejected while we were still writing
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            outcome = readAll(s.getInputStream(), got);
            back = got.toByteArray();
        } catch (IOException e) {
            outcome = e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.toString();
            back = new byte[0];
        }
        String what = describe(header) + " -> " + outcome + " " + new String(back, StandardCharsets.ISO_8859_1);
        if (outcome.equals("reset")) {
            rejected.incrementAndGet();
            assertEquals(0, back.length, what);
            Lbs.await(() -> lb.stats().proxyProtocolRejected() == rejectedBefore + 1, Duration.ofSeconds(5),
                    () -> what + ": rejection not counted");
            assertEquals(acceptedBefore, server.accepted(), what + ": a rejected client reached the server");
        } else {
            relayed.incrementAndGet();
            assertEquals("eof", outcome, what);
            assertTrue(back.length < sent.length && Arrays.equals(back, Arrays.copyOfRange(sent, sent.length
                    - back.length, sent.length)), what + ": the server must see only what followed the header");
            assertEquals(rejectedBefore, lb.stats().proxyProtocolRejected(), what);
            assertEquals(acceptedBefore + 1, server.accepted(), what);
        }
    }

    private static String readAll(InputStream in, ByteArrayOutputStream out) throws IOException {
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return "eof";
        } catch (SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.toString();
        }
    }

    private static void run(String what, Function<Random, byte[]> headers) {
        AtomicInteger relayed = new AtomicInteger();
        AtomicInteger rejected = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES).withShrinkCycles(20).forAll(longs().all())
                .checkAssert(seed -> relayedOrRejected(headers.apply(new Random(seed)), relayed, rejected));
        int cases = relayed.get() + rejected.get();
        System.out.printf("ProxyHeaderPropertyTest %s: %d cases (seed %d), %d relayed, %d rejected%n", what, cases,
                SEED, relayed.get(), rejected.get());
        assertTrue(cases >= EXAMPLES * 99 / 100, what + ": " + cases + " cases ran");
    }

    @Test
    void mutatedV1() {
        run("mutated v1", r -> mutate(v1(r), r));
    }

    @Test
    void mutatedV2() {
        run("mutated v2", r -> mutate(v2(r), r));
    }

    @Test
    void randomBytes() {
        run("random bytes", r -> {
            byte[] b = new byte[r.nextInt(120)];
            r.nextBytes(b);
            if (r.nextBoolean() && b.length >= 12) {
                System.arraycopy(V2_SIGNATURE, 0, b, 0, 12); // past the signature check
            } else if (r.nextBoolean() && b.length >= 6) {
                System.arraycopy("PROXY ".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 6);
            }
            return b;
        });
    }

    /** A valid v1 header: TCP4, TCP6 or UNKNOWN. */
    static byte[] v1(Random r) {
        String line;
        switch (r.nextInt(3)) {
            case 0:
                line = "PROXY TCP4 " + v4(r) + " " + v4(r) + " " + r.nextInt(65536) + " " + r.nextInt(65536);
                break;
            case 1:
                line = "PROXY TCP6 2001:db8::" + Integer.toHexString(r.nextInt(65536)) + " ::1 " + r.nextInt(65536)
                        + " " + r.nextInt(65536);
                break;
            default:
                line = "PROXY UNKNOWN";
        }
        return (line + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static String v4(Random r) {
        return r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
    }

    /** A valid v2 header: PROXY or LOCAL; TCP or UDP over IPv4 or IPv6, UNIX, or UNSPEC; with random TLVs. */
    static byte[] v2(Random r) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int[] families = {0x11, 0x12, 0x21, 0x22, 0x31, 0x00};
        int family = families[r.nextInt(families.length)];
        int addresses = switch (family >> 4) {
            case 1 -> 12;
            case 2 -> 36;
            case 3 -> 216;
            default -> 0;
        };
        byte[] a = new byte[addresses];
        r.nextBytes(a);
        body.writeBytes(a);
        for (int t = r.nextInt(3); t > 0; t--) { // TLVs
            byte[] v = new byte[r.nextInt(20)];
            r.nextBytes(v);
            body.write(0x20 + r.nextInt(16));
            body.write(v.length >> 8);
            body.write(v.length);
            body.writeBytes(v);
        }
        byte[] b = body.toByteArray();
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.writeBytes(V2_SIGNATURE);
        h.write(r.nextInt(4) == 0 ? 0x20 : 0x21);
        h.write(family);
        h.write(b.length >> 8);
        h.write(b.length);
        h.writeBytes(b);
        return h.toByteArray();
    }

    /** None to three edits: flip, replace, insert or delete a byte, or cut the header short. */
    static byte[] mutate(byte[] h, Random r) {
        byte[] b = h;
        for (int i = r.nextInt(4); i > 0 && b.length > 0; i--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> {
                    byte[] c = new byte[b.length + 1];
                    System.arraycopy(b, 0, c, 0, at);
                    c[at] = (byte) r.nextInt(256);
                    System.arraycopy(b, at, c, at + 1, b.length - at);
                    b = c;
                }
                case 3 -> b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + 1, b.length));
                default -> b = Arrays.copyOf(b, at);
            }
        }
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static String describe(byte[] header) {
        StringBuilder sb = new StringBuilder();
        for (byte x : header) {
            sb.append(x >= 0x20 && x < 0x7f ? Character.toString(x) : String.format("\\x%02x", x & 0xff));
        }
        return sb.toString();
    }
}
