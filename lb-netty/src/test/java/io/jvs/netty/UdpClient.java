package io.jvs.netty;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/** A UDP client for tests: one socket (one source port), bound to 127.0.0.1 or a given address. */
public final class UdpClient implements AutoCloseable {

    /** A datagram received: its text and where it came from. */
    public record Reply(String text, InetSocketAddress from) {
        /** The part before the first {@code |}: the name of the backend that answered. */
        public String server() {
            int bar = text.indexOf('|');
            return bar < 0 ? text : text.substring(0, bar);
        }
    }

    private final DatagramSocket socket;

    public UdpClient() throws IOException {
        this(InetAddress.getLoopbackAddress());
    }

    public UdpClient(InetAddress from) throws IOException {
        socket = new DatagramSocket(new InetSocketAddress(from, 0));
        socket.setSoTimeout(5000);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    public void send(InetSocketAddress to, byte[] data) throws IOException {
        socket.send(new DatagramPacket(data, data.length, to));
    }

    public void send(InetSocketAddress to, String text) throws IOException {
        send(to, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The next datagram, or null if none comes within {@code millis}. */
    public Reply receive(int millis) throws IOException {
        byte[] buf = new byte[65536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        socket.setSoTimeout(millis);
        try {
            socket.receive(p);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return new Reply(new String(buf, 0, p.getLength(), StandardCharsets.UTF_8),
                (InetSocketAddress) p.getSocketAddress());
    }

    /** Sends {@code text} and waits up to 5 s for one reply. */
    public Reply ask(InetSocketAddress to, String text) throws IOException {
        send(to, text);
        Reply r = receive(5000);
        if (r == null) {
            throw new IOException("no reply to '" + text + "' from " + to + " within 5 s (client " + address() + ")");
        }
        return r;
    }

    /**
     * Sends {@code text} until a reply comes, up to {@code attempts} times, {@code millis} apart (a datagram to a
     * server that went away is lost once); returns the reply and how many sends it took.
     */
    public Reply askRetrying(InetSocketAddress to, String text, int attempts, int millis) throws IOException {
        for (int i = 0; i < attempts; i++) {
            send(to, text);
            Reply r = receive(millis);
            if (r != null) {
                return r;
            }
        }
        throw new IOException("no reply to '" + text + "' from " + to + " after " + attempts + " sends");
    }

    @Override
    public void close() {
        socket.close();
    }
}
