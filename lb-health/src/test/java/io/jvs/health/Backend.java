package io.jvs.health;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real server for tests on 127.0.0.1: it echoes every connection until EOF, counts accepted connections, and
 * can be killed (listener and connections reset, as when the process dies) and restarted on the same port.
 */
final class Backend implements Closeable {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger accepted = new AtomicInteger();
    /** Connections that carried data (health checks connect and close without any). */
    final AtomicInteger served = new AtomicInteger();
    private final int port;
    private volatile ServerSocket server;
    private volatile Thread acceptor;

    Backend() throws IOException {
        this(0);
    }

    private Backend(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(LOOPBACK, port), 200);
        this.port = s.getLocalPort();
        start(s);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(LOOPBACK, port);
    }

    private void start(ServerSocket s) {
        server = s;
        Thread t = new Thread(() -> acceptLoop(s), "backend-" + port);
        t.setDaemon(true);
        acceptor = t;
        t.start();
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            Socket c;
            try {
                c = s.accept();
            } catch (IOException e) {
                return;
            }
            accepted.incrementAndGet();
            open.add(c);
            Thread t = new Thread(() -> echo(c), "backend-" + port + "-conn");
            t.setDaemon(true);
            t.start();
        }
    }

    private void echo(Socket c) {
        try (c) {
            InputStream in = c.getInputStream();
            OutputStream out = c.getOutputStream();
            byte[] buf = new byte[16384];
            boolean first = true;
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (first) {
                    served.incrementAndGet();
                    first = false;
                }
                out.write(buf, 0, n);
            }
            c.shutdownOutput();
        } catch (IOException e) {
            // the peer reset (health checks close with a reset), or the backend was killed
        } finally {
            open.remove(c);
        }
    }

    /**
     * Stops listening and resets every open connection, as a crashed server would. Returns once the port refuses
     * connections: the JDK closes a listening socket only when the thread blocked in its accept() has left, and
     * until then the kernel still completes handshakes (a loaded machine showed connects succeeding for several
     * milliseconds after close() returned).
     */
    void kill() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            acceptor.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket c : open) {
            try {
                c.setSoLinger(true, 0);
                c.close();
            } catch (SocketException e) {
                // already closed
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** Listens again on the same port. */
    void restart() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(LOOPBACK, port), 200);
        start(s);
    }

    @Override
    public void close() {
        kill();
    }

    /** A port nothing listens on (bound and released), outside the ephemeral range: no outbound connection takes it. */
    static int freePort() throws IOException {
        return io.jvs.testing.Ports.tcp();
    }
}
