package io.jvs.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.concurrent.Future;
import java.io.IOException;

/**
 * One socket of a {@link LeanRelay}, client or server, registered with the relay's epoll event loop as a handle of
 * its own (no Netty channel, pipeline or promise): it reads what arrives and writes it to the other leg.
 *
 * <p>Edge-triggered: the socket is added to epoll once ({@code EPOLLIN | EPOLLRDHUP | EPOLLET}, plus
 * {@code EPOLLOUT} while connecting or while a write waits), so relaying costs no {@code epoll_ctl} per read or
 * write. An edge is remembered ({@link #readable}) until a read drains the socket: a short read, or none. A read may
 * not happen at once (the other leg is not connected yet, or full), and happens when that changes. Since an edge
 * comes once, the FIN it reported is remembered too ({@link #rdhup}): a short read after it is the end of the input.
 *
 * <p>Bytes: a read lands in the loop's read buffer and is written to the other leg at once; only what that socket
 * does not take is copied into the leg's {@link #out} buffer (from the relay's allocator), and further reads go there
 * until it holds the relay buffer, when reading stops until it drains. A connection whose sockets keep up holds no
 * buffer at all, and none while idle.
 */
final class LeanLeg implements EpollIoHandle {

    /** Reads per wake-up before the leg lets the loop's other sockets have their turn. */
    private static final int READS_PER_TURN = 16;

    final LeanRelay relay;
    /** Whether this is the client's socket (else the real server's). */
    final boolean client;
    private final FileDescriptor fd;
    /** The socket, for what a plain descriptor cannot do; the client's is made when first needed. */
    private Socket socket;
    private IoRegistration registration;
    private EpollIoOps interest;
    /** Bytes for this socket that it did not take yet. */
    ByteBuf out;
    /** An input edge came and the socket has not been read dry since. */
    boolean readable;
    /** The peer's FIN was reported: the input ends once read dry. */
    boolean rdhup;
    boolean inputEnded;
    /** A FIN was sent (or the socket closed). */
    boolean outputShut;
    /** The other leg's FIN, to send once {@link #out} is written. */
    boolean finToSend;
    /** To close once {@link #out} is written (an orderly close by the director). */
    boolean closing;
    /** The server's socket, connecting. */
    boolean connecting;
    /** Closed, or about to be (after the loop's current batch): no more I/O. */
    boolean closed;
    private boolean released;
    private Runnable resume;

    LeanLeg(LeanRelay relay, boolean client, FileDescriptor fd) {
        this.relay = relay;
        this.client = client;
        this.fd = fd;
        if (fd instanceof Socket) {
            socket = (Socket) fd;
        }
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    /** The socket, for shutdown, linger and errors (for the client made now: one {@code getsockname}). */
    Socket socket() {
        Socket s = socket;
        if (s == null) {
            socket = s = new Socket(fd.intValue());
        }
        return s;
    }

    /**
     * Registers the socket with the relay's loop (this thread) and adds it to epoll for {@code ops}.
     *
     * @throws IOException if it cannot be added
     */
    void register(EpollIoOps ops) throws IOException {
        Future<IoRegistration> f = relay.lean.loop.register(this);
        if (!f.isSuccess()) { // (on the loop itself registering is done at once)
            Throwable cause = f.cause();
            throw cause instanceof IOException ? (IOException) cause : new IOException("cannot register " + fd, cause);
        }
        registration = f.getNow();
        interest = ops;
        submit(ops);
    }

    private void submit(EpollIoOps ops) throws IOException {
        try {
            registration.submit(ops);
            interest = ops;
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        if (!closed) {
            relay.ready(this, ((EpollIoEvent) event).ops().value());
        }
    }

    // ---- relaying

    /**
     * Reads this socket and writes what it gives to {@code dst}, as long as the socket has something and {@code dst}
     * takes it (or its {@link #out} buffer has room).
     */
    void pumpTo(LeanLeg dst) {
        LeanLoop lean = relay.lean;
        int turns = READS_PER_TURN;
        while (readable && !inputEnded && !closed) {
            if (dst.connecting || dst.closed || dst.outputShut || dst.closing) {
                return; // later: once it is connected (or never: it is going away)
            }
            int asked;
            int n;
            try {
                if (dst.out == null) {
                    ByteBuf s = lean.scratch();
                    asked = LeanLoop.READ_SIZE;
                    n = LeanSockets.read(fd, s, 0, asked);
                    if (n > 0) {
                        relay.count(this, n);
                        if (!dst.send(s, 0, n)) {
                            return;
                        }
                    }
                } else {
                    ByteBuf o = dst.out;
                    int room = relay.relayBuffer - o.readableBytes();
                    if (room <= 0) {
                        return; // dst is full: reading resumes as it drains
                    }
                    asked = Math.min(room, LeanLoop.READ_SIZE);
                    if (o.writableBytes() < asked) {
                        o.discardReadBytes();
                        try {
                            o.ensureWritable(asked);
                        } catch (OutOfMemoryError e) { // (the direct memory limit is reached)
                            relay.failed(dst, e);
                            return;
                        }
                    }
                    n = LeanSockets.read(fd, o, o.writerIndex(), asked);
                    if (n > 0) {
                        o.writerIndex(o.writerIndex() + n);
                        relay.count(this, n);
                    }
                }
            } catch (IOException e) {
                relay.failed(this, e);
                return;
            }
            if (n < 0) {
                relay.inputEnded(this);
                return;
            }
            if (n < asked) { // read dry (0: nothing at all)
                if (!rdhup || n == 0) {
                    // With a FIN reported and nothing to read, no end either: the FIN was not this socket's (a stale
                    // event of a descriptor number closed and reused within one batch, by a channel on this loop).
                    rdhup = false;
                    readable = false;
                    return;
                }
                // the FIN came with the edge: the next read (this turn or the next) ends the input (-1)
            }
            if (--turns == 0) {
                resumeLater();
                return;
            }
        }
    }

    /** Lets the loop's other sockets have their turn, then reads on. */
    private void resumeLater() {
        Runnable r = resume;
        if (r == null) {
            resume = r = () -> relay.resume(this);
        }
        relay.lean.loop.execute(r);
    }

    /** Writes {@code length} bytes of {@code buf} from {@code index}, keeping what the socket does not take. */
    boolean send(ByteBuf buf, int index, int length) {
        int w;
        try {
            w = LeanSockets.write(fd, buf, index, length);
        } catch (IOException e) {
            relay.failed(this, e);
            return false;
        }
        if (w < length) {
            return queue(buf, index + w, length - w) && waitWritable();
        }
        return true;
    }

    /**
     * Keeps {@code length} bytes of {@code buf} for this socket, after what it keeps already; false if no memory is
     * left for them (the relay is told, and resets the connection: the data path's other connections go on).
     */
    boolean queue(ByteBuf buf, int index, int length) {
        try {
            if (out == null) {
                out = relay.context.setup().allocator().directBuffer(Math.max(length, 4096),
                        relay.relayBuffer + LeanLoop.READ_SIZE);
            } else if (out.writableBytes() < length) {
                out.discardReadBytes();
            }
            out.writeBytes(buf, index, length);
            return true;
        } catch (OutOfMemoryError e) { // (Netty's OutOfDirectMemoryError: the direct memory limit is reached)
            relay.failed(this, e);
            return false;
        }
    }

    /** Waits for room to write, if it does not already; false if the socket failed. */
    boolean waitWritable() {
        if (interest != LeanSockets.READ_WRITE && !closed) {
            try {
                submit(LeanSockets.READ_WRITE);
            } catch (IOException e) {
                relay.failed(this, e);
                return false;
            }
        }
        return true;
    }

    /**
     * An event reported room to write alongside input although nothing waits (edge-triggered epoll reports what is
     * ready, not what woke it): stop asking, so that later events are input only. Once per connection that lives on.
     */
    void stopWaitingWritable() {
        if (interest == LeanSockets.READ_WRITE && out == null && !connecting && !inputEnded && !closed) {
            try {
                submit(LeanSockets.READ);
            } catch (IOException e) {
                relay.failed(this, e);
            }
        }
    }

    /** Room to write: writes what waits; once it is all written, the relay goes on ({@link LeanRelay#drained}). */
    void writable() {
        ByteBuf o = out;
        if (o != null) {
            int w;
            try {
                w = LeanSockets.write(fd, o, o.readerIndex(), o.readableBytes());
            } catch (IOException e) {
                relay.failed(this, e);
                return;
            }
            o.skipBytes(w);
            if (o.isReadable()) {
                if (o.readableBytes() <= relay.relayBuffer / 2) {
                    relay.resumePeer(this); // half drained: let the sender refill it meanwhile
                }
                return;
            }
            out = null;
            o.release();
        }
        relay.drained(this);
    }

    /** Sends a FIN ({@code shutdown(SHUT_WR)}); false if the socket failed. */
    boolean shutdownOutput() {
        outputShut = true;
        try {
            socket().shutdown(false, true);
            return true;
        } catch (IOException | RuntimeException e) { // (ENOTCONN is an unchecked NotYetConnectedException)
            relay.failed(this, e);
            return false;
        }
    }

    /**
     * Closes the socket, after the loop's current batch of events; with {@code reset} its peer sees a reset
     * ({@code SO_LINGER 0}) rather than a FIN.
     */
    void close(boolean reset) {
        if (closed) {
            return;
        }
        closed = true;
        outputShut = true;
        if (reset) {
            try {
                socket().setSoLinger(0);
            } catch (IOException | RuntimeException ignored) {
                // Gone already: closing is all that is left.
            }
        }
        if (registration == null) {
            closeNow(); // never registered: no event can be on its way
        } else {
            relay.lean.deferClose(this);
        }
    }

    /** Closes the descriptor now, frees what the leg holds, and tells the relay. Idempotent. */
    void closeNow() {
        if (released) {
            return;
        }
        released = true;
        closed = true;
        try {
            fd.close();
        } catch (IOException ignored) {
            // Closed it is, either way.
        }
        if (registration != null) {
            registration.cancel(); // (no EPOLL_CTL_DEL: closing the descriptor took it out of epoll)
        }
        if (out != null) {
            out.release();
            out = null;
        }
        relay.legClosed(this);
    }

    /** The event loop is shutting down and closes every handle still registered. */
    @Override
    public void close() {
        closeNow();
    }

    /** Whether the descriptor is closed. */
    boolean released() {
        return released;
    }

    /** The pending socket error ({@code SO_ERROR}) as an exception, or null if there is none. */
    IOException pendingError() {
        int err;
        try {
            err = socket().getSoError();
        } catch (IOException e) {
            return e;
        }
        return err == 0 ? null : io.netty.channel.unix.Errors.newIOException("read", -Math.abs(err));
    }

    /** The pending socket error ({@code SO_ERROR}), as an exception: how a connect or a reset failed. */
    IOException error(String operation) {
        int err;
        try {
            err = socket().getSoError();
        } catch (IOException e) {
            return e;
        }
        if (err == 0) {
            return io.netty.channel.unix.Errors.newConnectionResetException(operation, -104); // ECONNRESET
        }
        return io.netty.channel.unix.Errors.newIOException(operation, -Math.abs(err));
    }

    @Override
    public String toString() {
        return (client ? "client " : "server ") + fd;
    }
}
