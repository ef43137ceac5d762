package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.Wire;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin socket: a round trip over a Unix socket and TCP, tokens (required over TCP, compared, counted), and bad
 * requests that change nothing.
 */
class AdminServerTest {

    @TempDir
    Path dir;

    private Director director;
    private Ipvsadm ipvsadm;
    private final List<String> served = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() {
        director = Director.builder().dataPath(new FakeDataPath(ForwardingMethod.FULLNAT)).rateEstimator(false).build();
        ipvsadm = Ipvsadm.of(director, GoldenFixture.names());
    }

    @AfterEach
    void tearDown() {
        director.close();
    }

    static final String TOKEN = "0123456789abcdef-test-token";

    private AdminServer start(String address) throws IOException {
        return start(address, null);
    }

    private AdminServer start(String address, String token) throws IOException {
        return AdminServer.start(address, ipvsadm, (args, result, peer) -> served.add(peer + " " + args + " "
                + result.status()), token);
    }

    @Test
    void unixSocket_roundTrip_modes_andCleanup() throws Exception {
        Path sock = dir.resolve("jvs").resolve("admin.sock");
        try (AdminServer server = start(sock.toString())) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock.getParent())));
            Ipvsadm.Result r = AdminClient.execute(server.address(), List.of("-A", "-t", "10.0.0.1:80", "-s", "rr"),
                    new byte[0], Duration.ofSeconds(10));
            assertEquals(new Ipvsadm.Result("", "", 0), r);
            r = AdminClient.execute(server.address(), List.of("-R"),
                    "-a -t 10.0.0.1:80 -r 10.0.0.2:80 -w 4\n".getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(10));
            assertEquals(new Ipvsadm.Result("", "", 0), r);
            r = AdminClient.execute(server.address(), List.of("-Sn"), new byte[0], Duration.ofSeconds(10));
            assertEquals(new Ipvsadm.Result("-A -t 10.0.0.1:80 -s rr\n-a -t 10.0.0.1:80 -r 10.0.0.2:80 --fullnat -w 4\n",
                    "", 0), r);
            r = AdminClient.execute(server.address(), List.of("-A"), new byte[0], Duration.ofSeconds(10));
            assertEquals(2, r.status());
            assertTrue(served.get(0).startsWith("uid " + System.getProperty("user.name") + " [-A, -t, 10.0.0.1:80"),
                    served.toString());
            // A second server on the same path is refused while the first answers.
            IOException busy = assertThrows(IOException.class, () -> start(sock.toString()));
            assertTrue(busy.getMessage().contains("another server answers"), busy.getMessage());
        }
        assertFalse(Files.exists(sock), "the socket file is removed on close");
    }

    @Test
    void staleSocketFile_isReplaced() throws Exception {
        Path sock = dir.resolve("stale.sock");
        ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        dead.bind(UnixDomainSocketAddress.of(sock));
        dead.close(); // the file stays, nobody answers
        assertTrue(Files.exists(sock));
        try (AdminServer server = start(sock.toString())) {
            assertEquals(0, AdminClient.execute(server.address(), List.of("-L"), new byte[0], Duration.ofSeconds(5))
                    .status());
        }
        Path file = dir.resolve("not-a-socket");
        Files.writeString(file, "data");
        IOException e = assertThrows(IOException.class, () -> start(file.toString()));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
    }

    @Test
    void tcp_needsAToken_everyRequestCarriesIt() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> start("127.0.0.1:0"));
        assertEquals("admin address: 127.0.0.1:0 (expected: a Unix socket path, or a TCP HOST:PORT with a token: any "
                + "local user can reach a TCP port)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> start("0.0.0.0:0"), "anywhere else neither");
        e = assertThrows(IllegalArgumentException.class, () -> start("127.0.0.1:0", "short"));
        assertEquals("token: a token of 5 characters (expected: 16-1024 printable ASCII characters without spaces)",
                e.getMessage());
        try (AdminServer server = start("127.0.0.1:0", TOKEN)) {
            assertTrue(server.requiresToken());
            assertTrue(server.address().matches("127\\.0\\.0\\.1:[1-9][0-9]*"), server.address());
            Ipvsadm.Result r = AdminClient.execute(server.address(), TOKEN, List.of("-L", "--timeout"), new byte[0],
                    Duration.ofSeconds(5));
            assertEquals(new Ipvsadm.Result("Timeout (tcp tcpfin udp): 900 120 300\n", "", 0), r);

            String before = ipvsadm.execute("-S", "-n").stdout();
            r = AdminClient.execute(server.address(), List.of("-A", "-t", "10.0.0.1:80"), new byte[0],
                    Duration.ofSeconds(5)); // a version 1 client: no token
            assertEquals(new Ipvsadm.Result("", "jvs admin: this admin endpoint requires a token (set JVS_ADMIN_TOKEN "
                    + "or JVS_ADMIN_TOKEN_FILE for jvsadm)\n", 2), r);
            r = AdminClient.execute(server.address(), TOKEN + "x", List.of("-A", "-t", "10.0.0.1:80"), new byte[0],
                    Duration.ofSeconds(5));
            assertEquals(new Ipvsadm.Result("", "jvs admin: authentication failed: wrong token\n", 2), r);
            assertEquals(before, ipvsadm.execute("-S", "-n").stdout(), "refused requests change nothing");
            assertEquals(2, server.authenticationFailures());
            assertEquals(1, served.size(), "refused requests never reach ipvsadm: " + served);
        }
    }

    @Test
    void unixSocket_withAToken_requiresItToo() throws Exception {
        try (AdminServer server = start(dir.resolve("t.sock").toString(), TOKEN)) {
            assertEquals(2, AdminClient.execute(server.address(), List.of("-L"), new byte[0], Duration.ofSeconds(5))
                    .status());
            assertEquals(0, AdminClient.execute(server.address(), TOKEN, List.of("-L"), new byte[0],
                    Duration.ofSeconds(5)).status());
        }
        try (AdminServer server = start(dir.resolve("u.sock").toString())) {
            assertFalse(server.requiresToken());
            assertEquals(0, AdminClient.execute(server.address(), TOKEN, List.of("-L"), new byte[0],
                    Duration.ofSeconds(5)).status(), "a token where none is needed is ignored");
        }
    }

    @Test
    void badRequests_getStatus2AndChangeNothing() throws Exception {
        try (AdminServer server = start(dir.resolve("bad.sock").toString())) {
            String before = ipvsadm.execute("-S", "-n").stdout() + director.services().size();
            assertBad(server, "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
                    "jvs admin: bad request: not a jvsadm message (expected: the magic JVSA)\n");
            assertBad(server, new byte[] {'J', 'V', 'S', 'A', 9, 0, 0},
                    "jvs admin: bad request: unsupported admin protocol version 9 (expected: 1 or 2)\n");
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(b);
            out.write(Wire.MAGIC);
            out.writeByte(1);
            out.writeShort(2000);
            assertBad(server, b.toByteArray(), "jvs admin: bad request: too many arguments: 2000 (expected: at most "
                    + "1024)\n");
            b.reset();
            out.write(Wire.MAGIC);
            out.writeByte(1);
            out.writeShort(1);
            out.writeInt(2);
            out.write("-C".getBytes(StandardCharsets.US_ASCII));
            out.writeInt(Integer.MAX_VALUE);
            assertBad(server, b.toByteArray(), "jvs admin: bad request: standard input too large: 2147483647 bytes "
                    + "(expected: at most 16777216)\n");
            b.reset();
            out.write(Wire.MAGIC);
            out.writeByte(1);
            out.writeShort(1);
            out.writeInt(10);
            out.write("-C".getBytes(StandardCharsets.US_ASCII)); // 2 of 10 bytes, then the client stops sending
            assertBad(server, b.toByteArray(), "jvs admin: bad request: argument 1 cut short: expected 10 bytes\n");
            b.reset();
            out.write(Wire.MAGIC);
            out.writeByte(2);
            out.writeShort(5000);
            assertBad(server, b.toByteArray(), "jvs admin: bad request: token too large: 5000 bytes (expected: at most "
                    + "1024)\n");
            assertEquals(before, ipvsadm.execute("-S", "-n").stdout() + director.services().size());
            assertEquals(List.of(), served, "no bad request reached ipvsadm");
        }
    }

    private static void assertBad(AdminServer server, byte[] request, String stderr) throws IOException {
        try (SocketChannel ch = AdminAddress.parse(server.address()).connect()) {
            ch.write(ByteBuffer.wrap(request));
            ch.shutdownOutput();
            Wire.Response r = Wire.readResponse(Channels.newInputStream(ch));
            assertEquals(request[4] == 2 ? 2 : 1, r.version, "answered in the request's version");
            assertEquals(2, r.status);
            assertEquals("", r.stdout);
            assertEquals(stderr, r.stderr);
        }
    }

    @Test
    void noServer_isAnIOException() {
        Path missing = dir.resolve("missing.sock");
        assertThrows(IOException.class, () -> AdminClient.execute(missing.toString(), List.of("-L"), new byte[0],
                Duration.ofSeconds(5)));
    }
}
