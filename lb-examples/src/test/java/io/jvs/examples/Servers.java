package io.jvs.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Real servers on 127.0.0.1 for the examples' tests, and the clients that talk to them. */
final class Servers {

    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Servers() {}

    /**
     * A TCP server that answers every connection with {@code NAME\n} and keeps it open until the client closes;
     * to an HTTP request it answers as an HTTP/1.0 server: {@code /health} with 200 or, when unhealthy, 503, any
     * other path with 200 and the name.
     */
    static final class Named implements AutoCloseable {
        final String name;
        final AtomicBoolean healthy = new AtomicBoolean(true);
        final AtomicInteger accepted = new AtomicInteger();
        private final ServerSocket socket;
        private final boolean http;

        Named(String name, boolean http) throws IOException {
            this.name = name;
            this.http = http;
            this.socket = new ServerSocket(0, 128, LOOPBACK);
            Thread t = new Thread(this::acceptLoop, name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), name + "-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        private void serve(Socket s) {
            try (s; OutputStream out = s.getOutputStream()) {
                if (!http) {
                    out.write((name + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    s.getInputStream().transferTo(OutputStream.nullOutputStream()); // until the client closes
                    return;
                }
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.US_ASCII));
                String request = in.readLine();
                for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
                    // skip the headers
                }
                boolean health = request != null && request.startsWith("GET /health ");
                int status = health && !healthy.get() ? 503 : 200;
                String body = health ? (status == 200 ? "ok\n" : "failing\n") : name + "\n";
                out.write(("HTTP/1.0 " + status + " X\r\nContent-Length: " + body.length() + "\r\nConnection: close"
                        + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                // the client went away
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** A UDP server that answers every datagram with {@code NAME}. */
    static final class NamedUdp implements AutoCloseable {
        final String name;
        private final DatagramSocket socket;

        NamedUdp(String name) throws IOException {
            this.name = name;
            this.socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            Thread t = new Thread(this::serve, name);
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] buf = new byte[2048];
            byte[] answer = name.getBytes(StandardCharsets.UTF_8);
            while (!socket.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    socket.send(new DatagramPacket(answer, answer.length, p.getSocketAddress()));
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    /** Connects to 127.0.0.1:{@code port}, reads the first line, closes; null if reset or closed first. */
    static String ask(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 5000);
            s.setSoTimeout(5000);
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (java.net.SocketException e) {
            return null; // reset
        }
    }

    /** Sends an HTTP/1.0 GET of {@code path} to 127.0.0.1:{@code port}; returns the body's first line, or null. */
    static String httpGet(int port, String path) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (String h = in.readLine(); h != null; h = in.readLine()) {
                if (h.isEmpty()) {
                    return in.readLine();
                }
            }
            return null;
        } catch (java.net.SocketException e) {
            return null; // reset
        }
    }

    /** Sends one datagram to 127.0.0.1:{@code port} from a new socket; the answer and where it came from. */
    static String[] datagram(int port, String text) throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            s.setSoTimeout(5000);
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(b, b.length, new InetSocketAddress(LOOPBACK, port)));
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            try {
                s.receive(p);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return new String[] {new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8),
                ((InetSocketAddress) p.getSocketAddress()).getAddress().getHostAddress() + ":" + p.getPort()};
        }
    }
}
