package io.jvs.cli.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A real server for tests: echoes every byte on 127.0.0.1 and counts the connections it accepted. */
public final class EchoServer implements AutoCloseable {

    final ServerSocket socket;
    final AtomicInteger accepted = new AtomicInteger();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "echo");
        t.setDaemon(true);
        return t;
    });

    EchoServer() throws IOException {
        this(0);
    }

    /** An echo server on {@code port} of 127.0.0.1 (0: any free port), for example to restart a killed one. */
    EchoServer(int port) throws IOException {
        socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        threads.execute(this::acceptLoop);
    }

    int port() {
        return socket.getLocalPort();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    String hostPort() {
        return "127.0.0.1:" + socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                accepted.incrementAndGet();
                threads.execute(() -> echo(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echo(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        threads.shutdownNow();
    }

    /** A free loopback port, reserved for a moment (the caller binds it right away). */
    static int freePort() throws IOException {
        return io.jvs.testing.Ports.tcp();
    }

    /** Connects through {@code address}, sends {@code message} and returns the echo. */
    static String roundTrip(Socket s, String message) throws IOException {
        byte[] b = message.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        s.getOutputStream().write(b);
        s.getOutputStream().flush();
        byte[] got = s.getInputStream().readNBytes(b.length);
        return new String(got, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
