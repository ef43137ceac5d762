package io.jvs.netty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP real server for tests, on 127.0.0.1 and an ephemeral port (or a given one): one thread answers every
 * datagram with what its {@link Handler} returns (by default {@code NAME|} followed by the request, so a client can
 * tell who answered). It records where each datagram came from.
 */
public final class UdpBackend implements AutoCloseable {

    /** The answers to one request: zero, one or several datagrams. */
    @FunctionalInterface
    public interface Handler {
        List<byte[]> answer(byte[] request, InetSocketAddress from);
    }

    public final String name;
    private final DatagramSocket socket;
    private final Thread thread;
    private final List<InetSocketAddress> peers = new CopyOnWriteArrayList<>();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final AtomicInteger received = new AtomicInteger();

    /** An echo server that prefixes its answers with {@code name|}. */
    public UdpBackend(String name) throws IOException {
        this(name, 0, (req, from) -> List.of(concat((name + "|").getBytes(StandardCharsets.UTF_8), req)));
    }

    public UdpBackend(String name, int port, Handler handler) throws IOException {
        this.name = name;
        this.socket = new DatagramSocket(null);
        socket.setReuseAddress(false);
        socket.setReceiveBufferSize(4 << 20);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        this.thread = new Thread(() -> serve(handler), "udp-backend-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void serve(Handler handler) {
        byte[] buf = new byte[65536];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
            } catch (IOException e) {
                if (!socket.isClosed()) {
                    errors.add(e);
                }
                return;
            }
            received.incrementAndGet();
            InetSocketAddress from = (InetSocketAddress) p.getSocketAddress();
            peers.add(from);
            try {
                for (byte[] answer : handler.answer(Arrays.copyOf(buf, p.getLength()), from)) {
                    socket.send(new DatagramPacket(answer, answer.length, from));
                }
            } catch (IOException | RuntimeException e) {
                if (!socket.isClosed()) {
                    errors.add(e);
                }
            }
        }
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** Datagrams received so far. */
    public int received() {
        return received.get();
    }

    /** The source address of every datagram received, in order. */
    public List<InetSocketAddress> peers() {
        return peers;
    }

    /** Errors other than the close; a test asserts there are none. */
    public List<Throwable> errors() {
        return errors;
    }

    /** Closes the socket: datagrams to its port then get an ICMP port unreachable. */
    @Override
    public void close() {
        socket.close();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A free UDP port on 127.0.0.1 a moment ago. */
    public static int freePort() throws java.io.IOException {
        return io.jvs.testing.Ports.udp();
    }
}
