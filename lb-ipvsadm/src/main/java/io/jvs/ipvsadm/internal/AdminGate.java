package io.jvs.ipvsadm.internal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The admin server's front door, on one thread: it accepts connections and reads each one's header (magic,
 * version and token) without blocking, and checks the token before a byte more is read. Only an authenticated
 * connection reaches the server's workers, so what a client without the token can cost is bounded: at most
 * {@link #MAX_PENDING} connections of at most {@link Wire#MAX_HEADER} bytes each, for at most
 * {@link #HEADER_TIMEOUT_NANOS}. When more arrive the oldest waiting connection is closed; a real client sends its
 * header at once, so stalled connections cannot lock the token holder out.
 *
 * <p>A failed {@code accept()} (out of file descriptors: EMFILE, ENFILE) pauses accepting for
 * {@link #ACCEPT_PAUSE_NANOS} instead of ending the loop; the kernel keeps new clients in the backlog meanwhile.
 * A refusal is answered and the connection half-closed, then what the client still sends is read and dropped
 * (up to {@link #LINGER_BYTES}, for at most {@link #LINGER_NANOS}) before it is closed, so the client reads the
 * answer instead of a reset.
 */
public final class AdminGate implements Runnable {

    /** Connections that may wait for their header at once. */
    public static final int MAX_PENDING = 64;
    /** How long a connection has to deliver its header. */
    public static final long HEADER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);
    /** How long accepting pauses after accept() failed. */
    public static final long ACCEPT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    static final int LINGER_BYTES = 256 * 1024;
    static final long LINGER_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = System.getLogger("io.jvs.ipvsadm.AdminServer");

    /** Where authenticated connections go. */
    public interface Next {
        /**
         * Takes a connection whose header was read and authenticated, in blocking mode again.
         *
         * @param rest the bytes that arrived after the header (position 0, limit their count)
         * @return false if it cannot take the connection now (the gate then answers that the server is busy)
         */
        boolean take(SocketChannel ch, Wire.Header header, ByteBuffer rest);
    }

    private final ServerSocketChannel server;
    private final Selector selector;
    private final Predicate<byte[]> authentic;
    private final Next next;
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final List<Pending> handOff = new ArrayList<>();
    private final SelectionKey acceptKey;
    private long acceptPausedUntil;
    private long lastAcceptLog;
    private long lastRefusalLog;
    private long refusalsNotLogged;
    private final AtomicLong evictions = new AtomicLong();
    private volatile boolean closed;

    /**
     * @param authentic whether a request's token (null: none) is the one required; null when none is
     */
    public AdminGate(ServerSocketChannel server, Predicate<byte[]> authentic, Next next) throws IOException {
        warmUp();
        this.server = server;
        this.authentic = authentic;
        this.next = next;
        this.selector = Selector.open();
        server.configureBlocking(false);
        this.acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
    }

    /**
     * Runs what a request needs once in memory, so that its classes are loaded now: out of file descriptors a class
     * can fail to load, and one that failed stays failed.
     */
    private static void warmUp() {
        try {
            byte[] request = Wire.encodeRequest(List.of("-L"), new byte[0], new byte[16]);
            Wire.Header h = Wire.readHeader(request, request.length);
            Wire.readBody(h, Wire.afterHeader(ByteBuffer.wrap(request, h.length(), request.length - h.length())
                    .slice(), java.io.InputStream.nullInputStream()));
            Wire.readResponse(new java.io.ByteArrayInputStream(Wire.encodeResponse(2, 0, "", "")));
            Wire.readHeader(new byte[] {'X'}, 1);
        } catch (IOException expected) {
            // the bad magic above: BadRequest is loaded too
        }
        new Pending(null, 0);
    }

    /** Requests refused because they carried no token or another one. */
    public long authenticationFailures() {
        return authenticationFailures.get();
    }

    /** Connections closed because {@link #MAX_PENDING} others were waiting for their header. */
    public long evictions() {
        return evictions.get();
    }

    /** Stops the loop; the server channel is the caller's to close. */
    public void close() {
        closed = true;
        selector.wakeup();
    }

    @Override
    public void run() {
        try {
            while (!closed) {
                selector.select(selectTimeoutMillis());
                finishHandOffs(); // their keys were cancelled last round and are deregistered now
                long now = System.nanoTime();
                if (acceptPausedUntil != 0 && now - acceptPausedUntil >= 0) {
                    acceptPausedUntil = 0;
                    acceptKey.interestOps(SelectionKey.OP_ACCEPT);
                }
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key == acceptKey) {
                        acceptAll(now);
                        continue;
                    }
                    Pending p = (Pending) key.attachment();
                    try {
                        readable(p, now);
                    } catch (RuntimeException | LinkageError e) { // one connection's failure ends only it
                        LOG.log(Level.ERROR, "admin socket: serving " + peer(p) + " failed", e);
                        drop(p);
                    }
                }
                expire(now);
                if (!handOff.isEmpty()) {
                    selector.wakeup(); // the next select deregisters the cancelled keys at once
                }
            }
        } catch (IOException | ClosedSelectorException e) {
            if (!closed) {
                LOG.log(Level.ERROR, "admin socket: the accepting thread failed", e);
            }
        } finally {
            for (Pending p : pending) {
                closeQuietly(p.ch);
            }
            for (Pending p : handOff) {
                closeQuietly(p.ch);
            }
            pending.clear();
            handOff.clear();
            try {
                selector.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private long selectTimeoutMillis() {
        long now = System.nanoTime();
        long until = Long.MAX_VALUE;
        for (Pending p : pending) {
            until = Math.min(until, p.deadline - now);
        }
        if (acceptPausedUntil != 0) {
            until = Math.min(until, acceptPausedUntil - now);
        }
        if (until == Long.MAX_VALUE) {
            return 0; // no deadline: wait for an event
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toMillis(until) + 1);
    }

    private void acceptAll(long now) {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (ClosedChannelException e) {
                closed = true;
                return;
            } catch (IOException e) {
                // Out of descriptors (EMFILE/ENFILE) or a client gone before accept: pause instead of spinning on a
                // listening socket that stays readable, and try again.
                acceptPausedUntil = now + ACCEPT_PAUSE_NANOS;
                acceptKey.interestOps(0);
                if (now - lastAcceptLog >= LOG_INTERVAL_NANOS || lastAcceptLog == 0) {
                    lastAcceptLog = now;
                    LOG.log(Level.WARNING, "admin socket: accept failed (" + LogText.escape(e.getMessage())
                            + "); accepting pauses for " + TimeUnit.NANOSECONDS.toMillis(ACCEPT_PAUSE_NANOS)
                            + " ms and resumes (logged at most every 10 s)");
                }
                return;
            }
            if (ch == null) {
                return;
            }
            try {
                ch.configureBlocking(false);
                Pending p = new Pending(ch, now + HEADER_TIMEOUT_NANOS);
                p.key = ch.register(selector, SelectionKey.OP_READ, p);
                pending.addLast(p);
            } catch (IOException e) {
                closeQuietly(ch);
                continue;
            }
            if (pending.size() > MAX_PENDING) {
                Pending oldest = pending.pollFirst();
                evictions.incrementAndGet();
                refusal(now, "closed a connection that had not sent its request (" + MAX_PENDING
                        + " connections were waiting)");
                oldest.key.cancel();
                closeQuietly(oldest.ch);
            }
        }
    }

    private void readable(Pending p, long now) {
        if (p.lingering) {
            linger(p, now);
            return;
        }
        int n;
        try {
            n = p.ch.read(p.buffer);
        } catch (IOException e) {
            drop(p);
            return;
        }
        Wire.Header header;
        try {
            header = Wire.readHeader(p.buffer.array(), p.buffer.position());
            if (header == null && n < 0) {
                if (p.buffer.position() >= 5) {
                    throw new Wire.BadRequest("request cut short", p.buffer.get(4) & 0xff);
                }
                drop(p); // cut before its version: nothing to answer in
                return;
            }
        } catch (Wire.BadRequest e) {
            refusal(now, "bad request from " + peer(p) + ": " + e.getMessage());
            refuse(p, e.version(), "jvs admin: bad request: " + e.getMessage(), now);
            return;
        }
        if (header == null) {
            return; // more to come
        }
        if (authentic != null && !authentic.test(header.token())) {
            authenticationFailures.incrementAndGet();
            String why = header.token() == null ? "this admin endpoint requires a token (set JVS_ADMIN_TOKEN or "
                    + "JVS_ADMIN_TOKEN_FILE for jvsadm)" : "authentication failed: wrong token";
            refusal(now, "refused a request from " + peer(p) + ": " + why);
            refuse(p, header.version(), "jvs admin: " + why, now);
            return;
        }
        p.header = header;
        pending.remove(p);
        p.key.cancel();
        handOff.add(p);
    }

    /** Hands the connections authenticated last round to the workers, in blocking mode. */
    private void finishHandOffs() {
        for (Pending p : handOff) {
            try {
                p.ch.configureBlocking(true);
                ByteBuffer rest = ByteBuffer.wrap(p.buffer.array(), p.header.length(),
                        p.buffer.position() - p.header.length()).slice();
                if (!next.take(p.ch, p.header, rest)) {
                    refusal(System.nanoTime(), "too many requests at once; refused one from " + peer(p));
                    p.ch.write(ByteBuffer.wrap(Wire.encodeResponse(p.header.version(), 2, "",
                            "jvs admin: busy: too many requests at once; try again\n")));
                    closeQuietly(p.ch);
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(p.ch);
            }
        }
        handOff.clear();
    }

    /** Answers with status 2 and {@code message}, half-closes, and reads what the client still sends. */
    private void refuse(Pending p, int version, String message, long now) {
        try {
            p.ch.write(ByteBuffer.wrap(Wire.encodeResponse(version, 2, "", message + "\n")));
            p.ch.shutdownOutput();
        } catch (IOException e) {
            drop(p);
            return;
        }
        p.lingering = true;
        p.deadline = now + LINGER_NANOS;
        linger(p, now);
    }

    private void linger(Pending p, long now) {
        try {
            while (true) {
                p.buffer.clear();
                int n = p.ch.read(p.buffer);
                if (n < 0 || (p.lingered += Math.max(0, n)) > LINGER_BYTES) {
                    drop(p);
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            drop(p);
        }
    }

    private void expire(long now) {
        Iterator<Pending> it = pending.iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (now - p.deadline >= 0) {
                if (!p.lingering) {
                    LOG.log(Level.DEBUG, () -> "admin socket: " + peer(p) + " sent no request within "
                            + TimeUnit.NANOSECONDS.toMillis(HEADER_TIMEOUT_NANOS) + " ms; closed");
                }
                it.remove();
                p.key.cancel();
                closeQuietly(p.ch);
            }
        }
    }

    private void drop(Pending p) {
        pending.remove(p);
        p.key.cancel();
        closeQuietly(p.ch);
    }

    /** Logs a refusal: each at most every 10 s, with how many were not logged since. */
    private void refusal(long now, String message) {
        if (lastRefusalLog != 0 && now - lastRefusalLog < LOG_INTERVAL_NANOS) {
            refusalsNotLogged++;
            return;
        }
        String more = refusalsNotLogged == 0 ? "" : " (and " + refusalsNotLogged + " more refusals since the last one "
                + "logged)";
        lastRefusalLog = now;
        refusalsNotLogged = 0;
        LOG.log(Level.WARNING, "admin socket: " + LogText.escape(message) + more);
    }

    /** Who is on the other end: the user of a Unix socket peer, or the TCP peer's address. */
    public static String peer(SocketChannel ch) {
        try {
            if (ch.getLocalAddress() instanceof java.net.InetSocketAddress) {
                return String.valueOf(ch.getRemoteAddress());
            }
            return "uid " + ch.getOption(jdk.net.ExtendedSocketOptions.SO_PEERCRED).user().getName();
        } catch (IOException | RuntimeException e) {
            return "unknown peer";
        }
    }

    private static String peer(Pending p) {
        return peer(p.ch);
    }

    static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** A connection waiting for its header, or lingering after a refusal. */
    private static final class Pending {
        final SocketChannel ch;
        final ByteBuffer buffer = ByteBuffer.allocate(Wire.MAX_HEADER);
        SelectionKey key;
        long deadline;
        boolean lingering;
        long lingered;
        Wire.Header header;

        Pending(SocketChannel ch, long deadline) {
            this.ch = ch;
            this.deadline = deadline;
        }
    }
}
