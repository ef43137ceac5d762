package io.jvs.netty.internal;

import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.unix.FileDescriptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A TCP listening socket of the lean relay: a raw socket (SO_REUSEADDR, SO_REUSEPORT, TCP_NODELAY, which accepted
 * sockets inherit, and IP_FREEBIND if configured) registered with one epoll event loop, whose clients are relayed on
 * that loop. It accepts in batches: on each wake-up, {@code accept4} until the backlog is empty or
 * {@link #ACCEPTS_PER_WAKEUP} clients are in, and hands each descriptor to the {@link AcceptGate}. Level-triggered, so
 * that a paused listener (connection limit, out of descriptors) is simply no longer asked for input.
 */
final class LeanListener implements EpollIoHandle, ListenSocket {

    /** Clients accepted per wake-up at most, before the loop's other sockets have their turn. */
    private static final int ACCEPTS_PER_WAKEUP = 64;
    private static final int BACKLOG = 4096;

    private final AcceptGate gate;
    private final ServiceState service;
    final LoopState loop;
    private final LinuxSocket socket;
    /** The bound address, or null if it is a wildcard address (each client's is then asked of its socket). */
    private final InetSocketAddress virtual;
    private final InetSocketAddress bound;
    private final byte[] accepted = new byte[LeanSockets.ACCEPTED_ADDRESS_BYTES];
    private IoRegistration registration;
    private boolean accepting = true;
    private boolean closed;

    private LeanListener(AcceptGate gate, ServiceState service, LoopState loop, LinuxSocket socket,
            InetSocketAddress address) {
        this.gate = gate;
        this.service = service;
        this.loop = loop;
        this.socket = socket;
        this.bound = address;
        this.virtual = address.getAddress().isAnyLocalAddress() ? null : address;
    }

    /**
     * A listening socket bound to {@code address}, on {@code loop}, added to {@code service} (paused if the service
     * is); the future completes once it accepts, or with the reason it cannot listen.
     */
    static CompletableFuture<ListenSocket> open(AcceptGate gate, ServiceState service, LoopState loop,
            InetSocketAddress address, boolean freeBind) {
        LinuxSocket s;
        try {
            s = LinuxSocket.newSocketStream(!LeanSockets.isV4(address.getAddress()));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        try {
            s.setReuseAddress(true);
            s.setReusePort(true);
            s.setTcpNoDelay(true); // inherited by every accepted socket: no setsockopt per client
            if (freeBind) {
                LeanSockets.setFreeBind(s);
            }
            s.bind(address);
            s.listen(BACKLOG);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Failed anyway.
            }
            return CompletableFuture.failedFuture(e);
        }
        LeanListener l = new LeanListener(gate, service, loop, s, address);
        service.addListener(l);
        CompletableFuture<ListenSocket> done = new CompletableFuture<>();
        loop.loop.execute(() -> {
            try {
                l.registration = loop.lean().loop.register(l).sync().getNow();
                l.registration.submit(l.accepting ? LeanSockets.ACCEPT : LeanSockets.PAUSED);
                done.complete(l);
            } catch (Exception e) {
                l.closeNow();
                done.completeExceptionally(e instanceof UncheckedIOException ? e.getCause() : e);
            }
        });
        return done;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && accepting && !closed; i++) {
            int fd;
            try {
                fd = socket.accept(accepted);
            } catch (IOException e) {
                if (AcceptGate.isOutOfFiles(e)) {
                    // This socket stays readable while its backlog is not empty: stop asking now, or the loop would
                    // spin on accept(); the gate resumes every listener when descriptors may be free again.
                    submit(LeanSockets.PAUSED);
                    service.listenerPaused();
                    gate.outOfFiles(e);
                } else {
                    gate.acceptFailed(e);
                }
                return;
            }
            if (fd < 0) {
                return; // the backlog is empty
            }
            gate.acceptLean(service, this, fd, accepted, virtual);
        }
    }

    private void submit(EpollIoOps ops) {
        if (registration != null && !closed) {
            try {
                registration.submit(ops);
            } catch (UncheckedIOException e) {
                gate.acceptFailed(e.getCause());
            }
        }
    }

    @Override
    public void accepting(boolean accept) {
        if (loop.loop.inEventLoop()) {
            accepting = accept;
            submit(accept ? LeanSockets.ACCEPT : LeanSockets.PAUSED);
        } else {
            loop.loop.execute(() -> accepting(accept));
        }
    }

    @Override
    public CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (loop.loop.inEventLoop()) {
            closeNow();
            done.complete(null);
        } else {
            try {
                loop.loop.execute(() -> {
                    closeNow();
                    done.complete(null);
                });
            } catch (java.util.concurrent.RejectedExecutionException e) { // the loop is gone: so is the socket
                closeNow();
                done.complete(null);
            }
        }
        return done;
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closed, either way.
        }
        if (registration != null) {
            registration.cancel(); // (closing the descriptor took it out of epoll)
        }
    }

    /** The event loop is shutting down and closes every handle still registered. */
    @Override
    public void close() {
        closeNow();
    }

    @Override
    public InetSocketAddress localAddress() {
        return bound;
    }
}
