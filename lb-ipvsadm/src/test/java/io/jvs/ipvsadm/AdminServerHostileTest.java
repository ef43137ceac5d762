package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.AdminGate;
import io.jvs.ipvsadm.internal.Wire;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin endpoint against clients without the token: it authenticates first (nothing past the token is read
 * from a client that has the wrong one, or none), and stalled connections cannot lock the token holder out.
 */
class AdminServerHostileTest {

    private static final String TOKEN = "hostile-test-token-0123456789";

    private Director director;
    private AdminServer server;
    private final List<String> served = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        director = Director.builder().dataPath(new FakeDataPath(ForwardingMethod.FULLNAT)).rateEstimator(false).build();
        server = AdminServer.start("127.0.0.1:0", Ipvsadm.of(director, GoldenFixture.names()),
                (args, result, peer) -> served.add(String.join(" ", args)), TOKEN);
    }

    @AfterEach
    void tearDown() {
        server.close();
        director.close();
    }

    private Socket connect() throws IOException {
        InetSocketAddress a = AdminAddress.parse(server.address()).inet();
        Socket s = new Socket();
        s.connect(a, 5000);
        s.setSoTimeout(5000);
        return s;
    }

    /** A version 2 header with {@code token}, then the start of a request that claims 64 KiB it never sends. */
    private static byte[] headerThenAClaim(String token) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(Wire.MAGIC);
        out.writeByte(Wire.VERSION_TOKEN);
        byte[] t = token.getBytes(StandardCharsets.US_ASCII);
        out.writeShort(t.length);
        out.write(t);
        out.writeShort(1);
        out.writeInt(Wire.MAX_ARG_BYTES);
        out.write("-C".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    @Test
    void wrongToken_isRefusedBeforeTheRestOfTheRequestIsRead() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(headerThenAClaim(TOKEN + "-wrong"));
            s.getOutputStream().flush();
            // The client keeps the connection open and never sends the 64 KiB it announced: the answer must not
            // wait for them. A server that waited would close the connection at a timeout without this answer
            // (or the read would time out first): the answer itself proves it, not how long a busy box took.
            Wire.Response r = Wire.readResponse(s.getInputStream());
            assertEquals(2, r.status);
            assertEquals("jvs admin: authentication failed: wrong token\n", r.stderr);
        }
        try (Socket s = connect()) {
            s.getOutputStream().write(new byte[] {'J', 'V', 'S', 'A', 1, 0, 1, 0, 0, 1, 0}); // v1: no token
            Wire.Response r = Wire.readResponse(s.getInputStream());
            assertEquals("jvs admin: this admin endpoint requires a token (set JVS_ADMIN_TOKEN or JVS_ADMIN_TOKEN_FILE "
                    + "for jvsadm)\n", r.stderr);
        }
        assertEquals(2, server.authenticationFailures());
        assertEquals(List.of(), served);
    }

    @Test
    void rightToken_getsTheRestRead() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(headerThenAClaim(TOKEN));
            s.shutdownOutput(); // 2 of the 65,536 bytes announced
            Wire.Response r = Wire.readResponse(s.getInputStream());
            assertEquals("jvs admin: bad request: argument 1 cut short: expected 65536 bytes\n", r.stderr);
        }
    }

    @Test
    void stalledConnections_cannotLockTheTokenHolderOut() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < AdminGate.MAX_PENDING * 2; i++) {
                stalled.add(connect()); // connected, and silent
            }
            // The gate accepts them all, closing the oldest waiting ones (it counts them) once MAX_PENDING wait.
            await(() -> server.evictions() >= AdminGate.MAX_PENDING, () -> "evictions " + server.evictions());
            Ipvsadm.Result r = AdminClient.execute(server.address(), TOKEN, List.of("-A", "-t", "10.0.0.1:80"),
                    new byte[0], Duration.ofSeconds(30));
            assertEquals(new Ipvsadm.Result("", "", 0), r, "the token holder gets through");
            assertEquals(List.of("-A -t 10.0.0.1:80"), served);
            // It got through by eviction, not because the stalled ones timed out: those still connected are open.
            assertTrue(server.evictions() >= AdminGate.MAX_PENDING, "oldest waiting connections closed: "
                    + server.evictions());
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void silentConnection_isClosedAfterTheHeaderTimeout() throws Exception {
        // The gate's timer starts when it accepts the connection, after the client began connecting: a clock started
        // before connect() is a lower bound. The upper bound only has to tell the header timeout from none.
        long start = System.nanoTime();
        try (Socket s = connect()) {
            s.setSoTimeout(60_000);
            assertEquals(-1, s.getInputStream().read(), "closed without an answer");
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertTrue(ms >= TimeUnit.NANOSECONDS.toMillis(AdminGate.HEADER_TIMEOUT_NANOS) && ms < 30_000,
                    "closed after " + ms + " ms");
        }
    }

    /** Waits up to 30 s for {@code condition}, failing with {@code what}. */
    private static void await(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out: " + what.get());
            }
            Thread.sleep(10);
        }
    }
}
