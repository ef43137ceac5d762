package io.jvs.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void range_isBelowTheEphemeralRange_orAboveIt_whenThereIsNoRoomBelow() {
        assertArrayEquals(new int[] {10_000, 32767}, Ports.range(32768, 60999));
        assertArrayEquals(new int[] {61000, 65535}, Ports.range(10_500, 60999));
        assertThrows(IllegalStateException.class, () -> Ports.range(1024, 65000));
    }

    @Test
    void portsAreOutsideTheKernelsEphemeralRange_distinct_andBindable() throws Exception {
        Path p = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        int[] kernel = Files.exists(p)
                ? java.util.Arrays.stream(Ports.kernelRange(p)).mapToInt(Integer::parseInt).toArray()
                : new int[] {32768, 60999};
        Set<Integer> seen = new HashSet<>();
        InetAddress lo = InetAddress.getLoopbackAddress();
        for (int i = 0; i < 50; i++) {
            int tcp = Ports.tcp();
            int udp = Ports.udp();
            int pair = Ports.tcpPair();
            for (int port : new int[] {tcp, udp, pair, pair + 1}) {
                assertTrue(port >= Ports.LOWEST && (port < kernel[0] || port > kernel[1]),
                        port + " is outside " + kernel[0] + "-" + kernel[1]);
                assertTrue(seen.add(port), port + " handed out twice");
            }
            try (ServerSocket a = new ServerSocket(tcp, 1, lo);
                    ServerSocket b = new ServerSocket(pair, 1, lo);
                    ServerSocket c = new ServerSocket(pair + 1, 1, lo);
                    DatagramSocket d = new DatagramSocket(new InetSocketAddress(lo, udp))) {
                assertEquals(udp, d.getLocalPort());
            }
        }
    }

    @Test
    void aPortSomeoneHolds_isNotHandedOut() throws Exception {
        int[] range = Ports.handedOut();
        InetAddress lo = InetAddress.getLoopbackAddress();
        // Hold a stretch of the range; none of it may come back while held.
        java.util.List<ServerSocket> held = new java.util.ArrayList<>();
        try {
            for (int port = range[0]; port < range[0] + 200; port++) {
                try {
                    held.add(new ServerSocket(port, 1, lo));
                } catch (java.io.IOException e) {
                    // someone else holds it: just as good
                }
            }
            Set<Integer> mine = new HashSet<>();
            held.forEach(s -> mine.add(s.getLocalPort()));
            for (int i = 0; i < 200; i++) {
                int port = Ports.tcp();
                assertTrue(!mine.contains(port), port + " is held by this test");
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
