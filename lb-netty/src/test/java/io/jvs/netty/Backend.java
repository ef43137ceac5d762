package io.jvs.netty;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real server for tests: a blocking {@link ServerSocket} on 127.0.0.1 (or a given address) and an ephemeral
 * port, one thread per connection. It records the address every connection came from.
 */
public final class Backend implements AutoCloseable {

    /** What the server does with one accepted connection. */
    @FunctionalInterface
    public interface Handler {
        void handle(Socket s) throws IOException;
    }

    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "backend");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();

    public Backend(Handler handler) throws IOException {
        this(InetAddress.getLoopbackAddress(), handler);
    }

    public Backend(InetAddress address, Handler handler) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(address, 0), 1024);
        threads.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return;
                }
                accepted.incrementAndGet();
                peers.add((InetSocketAddress) s.getRemoteSocketAddress());
                open.add(s);
                threads.execute(() -> {
                    try (s) {
                        s.setSoTimeout(30_000);
                        handler.handle(s);
                    } catch (SocketException e) {
                        // The client or the director went away; tests assert on what the client saw.
                    } catch (IOException | RuntimeException | AssertionError e) {
                        errors.add(e);
                    } finally {
                        open.remove(s);
                    }
                });
            }
        });
    }

    /** Echoes everything; half-closes its output when the input ends. */
    public static Backend echo() throws IOException {
        return new Backend(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            in.transferTo(out);
            s.shutdownOutput();
        });
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** The addresses connections came from, in order. */
    public List<InetSocketAddress> peers() {
        return peers;
    }

    /** Errors thrown by the handler other than a socket going away. */
    public List<Throwable> errors() {
        return errors;
    }

    /** Connections currently open. */
    public int openConnections() {
        return open.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
