package io.jvs.testing;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for tests, each handed out at most once per JVM, and from outside the kernel's ephemeral port
 * range.
 *
 * <p>Outside the range: a port the kernel handed out and the test closed again is free for the kernel's next
 * choice, so any outbound connection on the box (another test's client, a health check, another JVM) may take it as
 * its source port before the director binds it. Ports below {@code /proc/sys/net/ipv4/ip_local_port_range} (from
 * {@value #LOWEST} up) are never chosen by the kernel; each is tried by binding it. The search starts at a random
 * port, so that JVMs testing at once (surefire forks, other builds) rarely try the same ones, and a port one of
 * them holds fails the bind and is skipped.
 *
 * <p>Once per JVM: two sockets opened and closed one after the other may be given the same port, and a test that
 * asks for three servers' ports must not get two alike (it did, once, in CI).
 */
public final class Ports {

    /** The lowest port handed out: below it are well-known services' registered ports. */
    static final int LOWEST = 10_000;

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int ATTEMPTS = 1000;
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();
    /** The ports handed out: [first, last]. */
    private static final int[] RANGE = range();

    private Ports() {}

    /** A TCP port free on 127.0.0.1 now, never returned before in this JVM (by this method or {@link #udp()}). */
    public static int tcp() throws IOException {
        return take(false, false);
    }

    /**
     * A TCP port free on 127.0.0.1 now whose next port is free too, neither returned before in this JVM: for a
     * cluster member, whose connection stream listens on its cluster port plus 1.
     */
    public static int tcpPair() throws IOException {
        return take(false, true);
    }

    /** A UDP port free on 127.0.0.1 now, never returned before in this JVM (by this method or {@link #tcp()}). */
    public static int udp() throws IOException {
        return take(true, false);
    }

    /** The ports this class hands out, {@code [first, last]}: below the ephemeral range, or above it if no room. */
    static int[] handedOut() {
        return RANGE.clone();
    }

    private static synchronized int take(boolean udp, boolean pair) throws IOException {
        int first = RANGE[0];
        int size = RANGE[1] - RANGE[0] + 1 - (pair ? 1 : 0);
        int start = ThreadLocalRandom.current().nextInt(size);
        for (int i = 0; i < Math.min(ATTEMPTS, size); i++) {
            int port = first + (start + i) % size;
            if (GIVEN.contains(port) || (pair && GIVEN.contains(port + 1))) {
                continue;
            }
            if (free(port, udp) && (!pair || free(port + 1, udp))) {
                GIVEN.add(port);
                if (pair) {
                    GIVEN.add(port + 1);
                }
                return port;
            }
        }
        throw new IOException("no " + (udp ? "UDP" : "TCP") + (pair ? " port pair" : " port") + " free on " + LOOPBACK
                + " in " + RANGE[0] + "-" + RANGE[1] + " that was not handed out before, in " + ATTEMPTS + " tries");
    }

    private static boolean free(int port, boolean udp) {
        if (udp) {
            try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false); // a port with connections left in TIME_WAIT is not taken either
            s.bind(new InetSocketAddress(LOOPBACK, port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int[] range() {
        int low = 32768; // the kernel's defaults, where /proc is not there to read (not Linux)
        int high = 60999;
        try {
            String[] r = kernelRange(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
            low = Integer.parseInt(r[0]);
            high = Integer.parseInt(r[1]);
        } catch (IOException | RuntimeException e) {
            // keep the defaults
        }
        return range(low, high);
    }

    /**
     * The two numbers of an {@code ip_local_port_range} file. By lines: {@code Files.readString} trusts the size
     * /proc reports and returned only "3" of "32768\t60999" here.
     */
    static String[] kernelRange(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
    }

    /** The ports to hand out when the kernel's ephemeral range is {@code [low, high]}. */
    static int[] range(int low, int high) {
        if (low - 1 - LOWEST >= 1000) {
            return new int[] {LOWEST, low - 1};
        }
        if (65535 - high >= 1000) {
            return new int[] {high + 1, 65535};
        }
        throw new IllegalStateException("the ephemeral port range " + low + "-" + high
                + " leaves fewer than 1000 ports outside it for tests (see /proc/sys/net/ipv4/ip_local_port_range)");
    }
}
