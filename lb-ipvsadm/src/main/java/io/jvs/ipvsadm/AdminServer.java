package io.jvs.ipvsadm;

import io.jvs.api.internal.Checks;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.AdminGate;
import io.jvs.ipvsadm.internal.LogText;
import io.jvs.ipvsadm.internal.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
 * At most a 1024-byte token, 1024 arguments of 64 KiB each and 16 MiB of standard input; a request has 3 seconds for
 * its header (up to the token) and 10 more for the rest. A request that is malformed, too large or of an unknown version changes nothing and gets status 2 with a
 * one-line error.
 *
 * <p>The token is checked first: a request whose token is missing or wrong is refused after its first bytes
 * (at most {@value io.jvs.ipvsadm.internal.Wire#MAX_HEADER}), before its arguments and standard input are read.
 * One thread reads those first bytes of every new connection without blocking, within 3 seconds; at most 64
 * connections wait for them at once, and when more arrive the oldest is closed, so stalled connections cannot lock
 * the token holder out. Authenticated requests are served by up to 8 threads, 16 more wait; beyond that a request
 * is answered that the server is busy. Commands run one at a time. A failed {@code accept()} (out of file
 * descriptors) pauses accepting for 250 ms; the server keeps serving.
 *
 * @since 0.1
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = System.getLogger(AdminServer.class.getName());
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration LINGER_TIMEOUT = Duration.ofSeconds(1);
    private static final int WORKERS = 8;
    private static final int WAITING = 16;

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

    /**
     * Runs one authenticated command: {@link Ipvsadm#execute(List, String)}, or an application's own handler that
     * adds commands of its own (such as {@code jvs daemon}'s {@code --reload}) and passes the rest to ipvsadm.
     * Called on a serving thread, one command at a time.
     *
     * @since 0.1
     */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param args the command line, without the program name
         * @param stdin what the client sent as standard input
         * @return what to print and the exit status
         */
        Ipvsadm.Result execute(List<String> args, String stdin);
    }

    private final Handler handler;
    private final AdminAddress address;
    private final ServerSocketChannel server;
    private final Listener listener;
    private final boolean requiresToken;
    private final AdminGate gate;
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService watchdog;
    private final Object serial = new Object();
    private final Thread acceptor;
    private volatile boolean closed;

    private AdminServer(Handler handler, AdminAddress address, ServerSocketChannel server, Listener listener,
            String token) throws IOException {
        this.handler = handler;
        this.address = address;
        this.server = server;
        this.listener = listener;
        this.requiresToken = token != null;
        byte[] digest = token == null ? null : AdminToken.digest(token.getBytes(StandardCharsets.US_ASCII));
        this.workers = new ThreadPoolExecutor(WORKERS, WORKERS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(WAITING), r -> daemonThread(r, "jvs-admin"));
        this.workers.allowCoreThreadTimeOut(true);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemonThread(r, "jvs-admin-watchdog"));
        this.gate = new AdminGate(server, digest == null ? null : t -> AdminToken.matches(digest, t), this::take);
        this.acceptor = daemonThread(gate, "jvs-admin-accept");
    }

    private static Thread daemonThread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
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
        Checks.checkNotNull(ipvsadm, "ipvsadm");
        return start(address, (Handler) ipvsadm::execute, listener, token);
    }

    /**
     * Starts serving the commands {@code handler} runs on {@code address}, as
     * {@link #start(String, Ipvsadm, Listener, String)} does.
     *
     * @param token the token requests must carry; null for none, which only a socket path allows
     * @throws IllegalArgumentException if the address is unusable, the token malformed, or a TCP address has no
     *     token
     * @throws IOException if the socket cannot be created, or another server answers on the path
     * @since 0.1
     */
    public static AdminServer start(String address, Handler handler, Listener listener, String token)
            throws IOException {
        Checks.checkNotNull(address, "address");
        Checks.checkNotNull(handler, "handler");
        Checks.checkNotNull(listener, "listener");
        if (token != null) {
            AdminToken.check(token, "token");
        }
        AdminAddress a = AdminAddress.parse(address);
        ServerSocketChannel server;
        if (a.path() != null) {
            server = a.bindUnix();
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
        AdminServer s;
        try {
            s = new AdminServer(handler, a, server, listener, token);
        } catch (IOException e) {
            server.close();
            throw e;
        }
        s.acceptor.start();
        LOG.log(Level.INFO, "admin socket listening on " + a + (token != null ? " (token required)" : ""));
        return s;
    }

    /** Whether requests must carry a token. */
    public boolean requiresToken() {
        return requiresToken;
    }

    /** Requests refused since the start because they carried no token or another one. */
    public long authenticationFailures() {
        return gate.authenticationFailures();
    }

    /**
     * Connections closed since the start because they had not sent their request while 64 newer ones waited to.
     *
     * @since 0.1
     */
    public long evictions() {
        return gate.evictions();
    }

    /** Where the server listens: the socket path, or {@code HOST:PORT} with the port actually bound. */
    public String address() {
        return address.toString();
    }

    /** Takes an authenticated connection from the gate; false when every worker is busy and the queue full. */
    private boolean take(SocketChannel ch, Wire.Header header, ByteBuffer rest) {
        try {
            workers.execute(() -> serve(ch, header, rest));
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void serve(SocketChannel ch, Wire.Header header, ByteBuffer rest) {
        String peer = AdminGate.peer(ch);
        try (ch) {
            InputStream in = Wire.afterHeader(rest, Channels.newInputStream(ch));
            OutputStream out = Channels.newOutputStream(ch);
            Wire.Request request;
            ScheduledFuture<?> deadline = watchdog.schedule(() -> closeQuietly(ch), REQUEST_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                request = Wire.readBody(header, in);
            } catch (Wire.BadRequest e) {
                deadline.cancel(false);
                LOG.log(Level.WARNING, "admin socket: bad request from " + LogText.escape(peer) + ": "
                        + LogText.escape(e.getMessage()));
                out.write(Wire.encodeResponse(e.version(), 2, "", "jvs admin: bad request: " + e.getMessage() + "\n"));
                lingerClose(ch, in);
                return;
            } finally {
                deadline.cancel(false);
            }
            Ipvsadm.Result result;
            synchronized (serial) {
                result = execute(request);
            }
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
            LOG.log(Level.DEBUG, () -> "admin socket: connection from " + LogText.escape(peer) + " failed: " + e);
        }
    }

    private Ipvsadm.Result execute(Wire.Request request) {
        try {
            return handler.execute(request.args, request.stdin);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "admin socket: command " + LogText.escape(request.args) + " failed", e);
            return new Ipvsadm.Result("", "jvs admin: internal error: " + e + "\n", 2);
        }
    }

    /** Half-closes, then reads and drops what the client still sends (bounded), so it reads the answer. */
    private void lingerClose(SocketChannel ch, InputStream in) {
        ScheduledFuture<?> deadline = watchdog.schedule(() -> closeQuietly(ch), LINGER_TIMEOUT.toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            ch.shutdownOutput();
            byte[] drop = new byte[8192];
            long dropped = 0;
            for (int n; dropped < 256 * 1024 && (n = in.read(drop)) >= 0; ) {
                dropped += n;
            }
        } catch (IOException e) {
            // closed by the deadline, or the client went away
        } finally {
            deadline.cancel(false);
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
        gate.close();
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
