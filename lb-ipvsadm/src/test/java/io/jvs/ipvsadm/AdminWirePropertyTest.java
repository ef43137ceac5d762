package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.Wire;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin requests on the wire, random and mutated from valid ones (versions 1 and 2, with and without the token):
 * decoding either yields a request or a one-line refusal, never another exception; over a real socket to a server
 * that requires a token, every request is either served (valid, with the token) or answered with status 2 and a
 * {@code jvs admin:} line, and a refused one changes nothing. Seeds are fixed ({@code -Djvs.qt.seed=N} replays
 * another run).
 */
class AdminWirePropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x4a565341L);
    private static final int DECODE_EXAMPLES = 20_000;
    private static final int SOCKET_EXAMPLES = 1500;
    private static final String TOKEN = "property-test-token-0123456789";
    private static final List<List<String>> COMMANDS = List.of(List.of("-L", "-n"), List.of("-A", "-t", "10.0.0.9:80"),
            List.of("-a", "-t", "10.0.0.1:80", "-r", "10.0.0.7:80", "-w", "2"), List.of("-D", "-t", "10.0.0.1:80"),
            List.of("-C"), List.of("-S", "-n"), List.of("-R"), List.of("--set", "5", "5", "5"), List.of());

    @TempDir
    Path dir;

    /** A valid request, then up to four byte edits. */
    static byte[] request(Random r) {
        List<String> args = COMMANDS.get(r.nextInt(COMMANDS.size()));
        byte[] stdin = r.nextInt(4) == 0 ? "-A -t 10.0.0.8:80\n".getBytes(StandardCharsets.UTF_8) : new byte[0];
        byte[] token = switch (r.nextInt(3)) {
            case 0 -> null;
            case 1 -> TOKEN.getBytes(StandardCharsets.US_ASCII);
            default -> "another-token-0123456789".getBytes(StandardCharsets.US_ASCII);
        };
        byte[] b;
        try {
            b = Wire.encodeRequest(args, stdin, token);
        } catch (Wire.BadRequest e) {
            throw new AssertionError(e);
        }
        for (int i = r.nextInt(5); i > 0 && b.length > 0; i--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> b = Arrays.copyOf(b, at); // cut short
                case 3 -> { // a length field grows: 0xff in a high byte
                    b[at] = (byte) 0xff;
                }
                default -> {
                    byte[] tail = new byte[1 + r.nextInt(8)];
                    r.nextBytes(tail);
                    byte[] c = Arrays.copyOf(b, b.length + tail.length);
                    System.arraycopy(tail, 0, c, b.length, tail.length);
                    b = c;
                }
            }
        }
        return b;
    }

    static byte[] anyBytes(Random r) {
        byte[] b = new byte[r.nextInt(64)];
        r.nextBytes(b);
        if (b.length >= 5 && r.nextBoolean()) {
            System.arraycopy(Wire.MAGIC, 0, b, 0, 4);
            b[4] = (byte) (1 + r.nextInt(2));
        }
        return b;
    }

    @Test
    void decode_requestOrOneLineRefusal() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(DECODE_EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            byte[] b = r.nextBoolean() ? request(r) : anyBytes(r);
            cases.incrementAndGet();
            try {
                Wire.Request q = Wire.readRequest(new ByteArrayInputStream(b));
                assertTrue(q.version == 1 || q.version == 2);
                assertNotNull(q.args);
                assertTrue(q.args.size() <= Wire.MAX_ARGS);
                assertTrue(q.version == 2 || q.token == null);
            } catch (Wire.BadRequest e) {
                refused.incrementAndGet();
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty() && !e.getMessage().contains("\n"),
                        e.getMessage());
                assertTrue(e.version() == 1 || e.version() == 2);
            } catch (EOFException e) {
                refused.incrementAndGet(); // ended before the magic and version: the server closes, says nothing
                assertTrue(b.length < 5, Arrays.toString(b));
            } catch (IOException e) {
                throw new AssertionError("unexpected " + e, e);
            }
        });
        System.out.printf("AdminWirePropertyTest decode: %d cases (seed %d), %d refused%n", cases.get(), SEED,
                refused.get());
        assertTrue(cases.get() >= DECODE_EXAMPLES * 99 / 100, cases + " cases ran");
    }

    @Test
    void socket_servedOrRefused_andARefusalChangesNothing() throws Exception {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try (Director d = Director.builder().dataPath(new FakeDataPath(ForwardingMethod.FULLNAT)).rateEstimator(false)
                .maxConnections(256).build()) {
            Ipvsadm ipvsadm = Ipvsadm.of(d, GoldenFixture.names());
            ipvsadm.execute("-A", "-t", "10.0.0.1:80");
            List<String> served = new ArrayList<>();
            try (AdminServer server = AdminServer.start(dir.resolve("p.sock").toString(), ipvsadm,
                    (args, result, peer) -> served.add(String.join(" ", args)), TOKEN)) {
                AdminAddress address = AdminAddress.parse(server.address());
                qt().withFixedSeed(SEED).withExamples(SOCKET_EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
                    Random r = new Random(seed);
                    byte[] b = r.nextInt(4) == 0 ? anyBytes(r) : request(r);
                    cases.incrementAndGet();
                    String before = ipvsadm.execute("-S", "-n").stdout() + ipvsadm.execute("-L", "--timeout").stdout();
                    int servedBefore = served.size();
                    Wire.Response resp;
                    try (SocketChannel ch = address.connect()) {
                        ch.write(ByteBuffer.wrap(b));
                        ch.shutdownOutput();
                        resp = Wire.readResponse(Channels.newInputStream(ch));
                    } catch (EOFException e) {
                        assertTrue(b.length < 5, "only a request cut before its version gets no answer");
                        resp = null;
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                    if (resp == null || resp.stderr.startsWith("jvs admin: ")) {
                        refused.incrementAndGet();
                        if (resp != null) {
                            assertEquals(2, resp.status);
                            assertEquals("", resp.stdout);
                            assertTrue(resp.stderr.endsWith("\n") && resp.stderr.indexOf('\n') == resp.stderr.length()
                                    - 1, resp.stderr);
                        }
                        assertEquals(servedBefore, served.size(), "a refused request reached ipvsadm");
                        assertEquals(before, ipvsadm.execute("-S", "-n").stdout()
                                + ipvsadm.execute("-L", "--timeout").stdout(), "a refused request changed the table");
                    } else {
                        assertEquals(servedBefore + 1, served.size());
                    }
                });
                System.out.printf("AdminWirePropertyTest socket: %d cases (seed %d), %d refused, %d authentication "
                        + "failures%n", cases.get(), SEED, refused.get(), server.authenticationFailures());
            }
        }
        assertTrue(cases.get() >= SOCKET_EXAMPLES * 99 / 100, cases + " cases ran");
    }
}
