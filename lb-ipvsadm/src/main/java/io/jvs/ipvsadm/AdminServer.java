package io.jvs.ipvsadm;

import io.jvs.api.internal.Checks;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves {@link Ipvsadm} commands on an admin socket, for the {@code jvsadm} tool: a Unix domain socket (created
 * mode 0600, in a directory it creates mode 0700), or a TCP port, which requires a {@linkplain AdminToken token}.
 *
 * <h2>Access</h2>
 *
 * A Unix socket is reachable by its owner only (and root); a token is optional there. A TCP port can be reached by
 * every local user (and, off loopback, by the network), so it needs a token, and every request must carry it; the
 * server compares SHA-256 digests in constant time. A request without the token or with another gets status 2 and
 * changes nothing, and is logged with its peer. A TCP address that is not a loopback address is accepted (a token
 * is required all the same) with a warning: the token and the commands travel in clear text.
 *
 * <h2>Protocol (versions 1 and 2)</h2>
 *
 * One request and one response per connection; integers are big-endian.
 *
 * <pre>
 * request  = "JVSA" version:u8=1 argc:u16 (length:u32 UTF-8){argc} stdin-length:u32 stdin
 *          | "JVSA" version:u8=2 token-length:u16 token argc:u16 (length:u32 UTF-8){argc} stdin-length:u32 stdin
 * response = "JVSA" version:u8 status:u8 stdout-length:u32 UTF-8 stderr-length:u32 UTF-8
 * </pre>
 *
 * The arguments are those of an ipvsadm command line (without the program name), the standard input is what
 * {@code -R} reads, and the response, in the request's version, carries what ipvsadm would print and its exit status.
 * Version 2 only adds the token; clients without one send version 1, which servers without a token serve as before.
 * At most a 1024-byte token, 1024 arguments of 64 KiB each and 16 MiB of standard input; a request has 10 seconds to
 * arrive. A request that is malformed, too large or of an unknown version changes nothing and gets status 2 with a
 * one-line error.
 *
 * <p>Commands run one at a time. Up to 8 connections are served at once; more are closed.
 *
 * @since 0.1
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = System.getLogger(AdminServer.class.getName());
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);

    /** Told of every command served, for logs. Called on the serving thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param args the command line
         * @param result what it printed and its status
         * @param peer who sent it: the user of a Unix socket peer, or the TCP peer's address
         */
        void executed(List<String> args, Ipvsadm.Result result, String peer);
    }

    private final Ipvsadm ipvsadm;
    private final AdminAddress address;
    private final ServerSocketChannel server;
    private final Listener listener;
    /** The SHA-256 of the token requests must carry, or null. */
    private final byte[] tokenDigest;
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final Thread acceptor;
    private volatile boolean closed;

    private AdminServer(Ipvsadm ipvsadm, AdminAddress address, ServerSocketChannel server, Listener listener,
            String token) {
        this.ipvsadm = ipvsadm;
        this.address = address;
        this.server = server;
        this.listener = listener;
        this.tokenDigest = token == null ? null : AdminToken.digest(token.getBytes(StandardCharsets.US_ASCII));
        this.workers = new ThreadPoolExecutor(8, 8, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(16), r -> {
            Thread t = new Thread(r, "jvs-admin");
            t.setDaemon(true);
            return t;
        });
        this.workers.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvs-admin-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.acceptor = new Thread(this::acceptLoop, "jvs-admin-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * The default admin socket: {@code /run/jvs/admin.sock} for root; otherwise {@code jvs/admin.sock} under
     * {@code $XDG_RUNTIME_DIR}, or {@code jvs-USER/admin.sock} under the temporary directory.
     */
    public static String defaultAddress() {
        String user = System.getProperty("user.name", "");
        if ("root".equals(user)) {
            return "/run/jvs/admin.sock";
        }
        String xdg = System.getenv("XDG_RUNTIME_DIR");
        if (xdg != null && !xdg.isEmpty()) {
            return xdg + "/jvs/admin.sock";
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "jvs-" + user, "admin.sock").toString();
    }

    /**
     * Starts serving {@code ipvsadm} on a Unix socket path, without a token: {@code start(address, ipvsadm,
     * listener, null)}.
     *
     * @throws IllegalArgumentException if the address is unusable, or is a TCP address (which needs a token)
     * @throws IOException if the socket cannot be created, or another server answers on the path
     */
    public static AdminServer start(String address, Ipvsadm ipvsadm, Listener listener) throws IOException {
        return start(address, ipvsadm, listener, null);
    }

    /**
     * Starts serving {@code ipvsadm} on {@code address}: a socket path, or {@code HOST:PORT} (port 0 picks a free
     * port; {@link #address()} tells which). Over TCP every request must carry {@code token}; on a socket path too
     * when one is given.
     *
     * @param token the token requests must carry ({@link AdminToken#check}); null for none, which only a socket
     *     path allows
     * @throws IllegalArgumentException if the address is unusable, the token malformed, or a TCP address has no
     *     token
     * @throws IOException if the socket cannot be created, or another server answers on the path
     * @since 0.1
     */
    public static AdminServer start(String address, Ipvsadm ipvsadm, Listener listener, String token)
            throws IOException {
        Checks.checkNotNull(address, "address");
        Checks.checkNotNull(ipvsadm, "ipvsadm");
        Checks.checkNotNull(listener, "listener");
        if (token != null) {
            AdminToken.check(token, "token");
        }
        AdminAddress a = AdminAddress.parse(address);
        ServerSocketChannel server;
        if (a.path() != null) {
            server = bindUnix(a.path());
        } else {
            Checks.checkArgument(token != null, "admin address", address,
                    "a Unix socket path, or a TCP HOST:PORT with a token: any local user can reach a TCP port");
            if (!a.inet().getAddress().isLoopbackAddress()) {
                LOG.log(Level.WARNING, "admin endpoint on " + address + ", not a loopback address: anyone who reaches "
                        + "it can try tokens, and the token and commands travel in clear text (prefer a Unix socket "
                        + "or loopback with an SSH tunnel)");
            }
            server = ServerSocketChannel.open(a.family());
            try {
                server.bind(a.inet());
            } catch (IOException e) {
                server.close();
                throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
            }
            InetSocketAddress bound = (InetSocketAddress) server.getLocalAddress();
            String host = bound.getAddress() instanceof java.net.Inet6Address
                    ? "[" + bound.getAddress().getHostAddress() + "]" : bound.getAddress().getHostAddress();
            a = AdminAddress.parse(host + ":" + bound.getPort());
        }
        AdminServer s = new AdminServer(ipvsadm, a, server, listener, token);
        s.acceptor.start();
        LOG.log(Level.INFO, "admin socket listening on " + a + (token != null ? " (token required)" : ""));
        return s;
    }

    private static ServerSocketChannel bindUnix(Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            } catch (FileAlreadyExistsException e) {
                // made by someone else meanwhile
            }
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path,
                    LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
                throw new IOException(path + " exists and is not a socket; not replacing it");
            }
            boolean answers;
            try (SocketChannel probe = AdminAddress.parse(path.toString()).connect()) {
                answers = true;
            } catch (IOException e) {
                answers = false;
            }
            if (answers) {
                throw new IOException("another server answers on " + path + "; is a JVS daemon running already?");
            }
            Files.deleteIfExists(path); // the stale socket of a daemon that died
        }
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(AdminAddress.parse(path.toString()).socketAddress());
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        return server;
    }

    /** Whether requests must carry a token. */
    public boolean requiresToken() {
        return tokenDigest != null;
    }

    /** Requests refused since the start because they carried no token or another one. */
    public long authenticationFailures() {
        return authenticationFailures.get();
    }

    /** Where the server listens: the socket path, or {@code HOST:PORT} with the port actually bound. */
    public String address() {
        return address.toString();
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "admin socket: accept failed: " + e);
                }
                return;
            }
            try {
                workers.execute(() -> serve(ch));
            } catch (RejectedExecutionException e) {
                LOG.log(Level.WARNING, "admin socket: too many connections; closing one");
                closeQuietly(ch);
            }
        }
    }

    private void serve(SocketChannel ch) {
        String peer = peer(ch);
        try (ch) {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            Wire.Request request;
            ScheduledFuture<?> deadline = watchdog.schedule(() -> closeQuietly(ch), REQUEST_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                request = Wire.readRequest(in);
            } catch (Wire.BadRequest e) {
                deadline.cancel(false);
                LOG.log(Level.WARNING, "admin socket: bad request from " + peer + ": " + e.getMessage());
                out.write(Wire.encodeResponse(e.version(), 2, "", "jvs admin: bad request: " + e.getMessage() + "\n"));
                return;
            } finally {
                deadline.cancel(false);
            }
            if (tokenDigest != null && !AdminToken.matches(tokenDigest, request.token)) {
                authenticationFailures.incrementAndGet();
                String why = request.token == null ? "this admin endpoint requires a token (set JVS_ADMIN_TOKEN or "
                        + "JVS_ADMIN_TOKEN_FILE for jvsadm)" : "authentication failed: wrong token";
                LOG.log(Level.WARNING, "admin socket: refused a request from " + peer + ": " + why);
                out.write(Wire.encodeResponse(request.version, 2, "", "jvs admin: " + why + "\n"));
                return;
            }
            Ipvsadm.Result result = ipvsadm.execute(request.args, request.stdin);
            try {
                listener.executed(request.args, result, peer);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "admin socket: listener failed: " + e);
            }
            deadline = watchdog.schedule(() -> closeQuietly(ch), RESPONSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            try {
                out.write(Wire.encodeResponse(request.version, result.status(), result.stdout(), result.stderr()));
            } finally {
                deadline.cancel(false);
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "admin socket: connection from " + peer + " failed: " + e);
        }
    }

    private static String peer(SocketChannel ch) {
        try {
            if (ch.getLocalAddress() instanceof InetSocketAddress) {
                return Objects.toString(ch.getRemoteAddress());
            }
            return "uid " + ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | RuntimeException e) {
            return "unknown peer";
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops serving and removes the socket file. Commands running finish. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.log(Level.DEBUG, () -> "admin socket: close: " + e);
        }
        if (address.path() != null) {
            try {
                Files.deleteIfExists(address.path());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "admin socket: cannot remove " + address.path() + ": " + e);
            }
        }
        workers.shutdown();
        watchdog.shutdownNow();
        LOG.log(Level.INFO, "admin socket closed: " + address);
    }

    @Override
    public String toString() {
        return "AdminServer[" + address + "]";
    }
}
