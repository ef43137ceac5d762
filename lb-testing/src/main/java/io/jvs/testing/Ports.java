package io.jvs.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for tests, each handed out at most once per JVM: the kernel may give the same ephemeral port
 * to two sockets opened and closed one after the other, and a test that asks for three servers' ports must not get
 * two alike (it did, once, in CI).
 */
public final class Ports {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int ATTEMPTS = 1000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private Ports() {}

    /** A TCP port free on 127.0.0.1 now, never returned before in this JVM (by this method or {@link #udp()}). */
    public static int tcp() throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
                port = s.getLocalPort();
            }
            if (GIVEN.add(port)) {
                return port;
            }
        }
        throw new IOException("no TCP port on " + LOOPBACK + " that was not handed out before, in " + ATTEMPTS + " tries");
    }

    /**
     * A TCP port free on 127.0.0.1 now whose next port is free too, neither returned before in this JVM: for a
     * cluster member, whose connection stream listens on its cluster port plus 1.
     */
    public static int tcpPair() throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = tcp();
            if (port < 65535 && free(port + 1) && GIVEN.add(port + 1)) {
                return port;
            }
        }
        throw new IOException("no two neighbouring TCP ports free on " + LOOPBACK + " in " + ATTEMPTS + " tries");
    }

    private static boolean free(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, LOOPBACK)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A UDP port free on 127.0.0.1 now, never returned before in this JVM (by this method or {@link #tcp()}). */
    public static int udp() throws IOException {
        for (int i = 0; i < ATTEMPTS; i++) {
            int port;
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
                port = s.getLocalPort();
            }
            if (GIVEN.add(port)) {
                return port;
            }
        }
        throw new IOException("no UDP port on " + LOOPBACK + " that was not handed out before, in " + ATTEMPTS + " tries");
    }
}
