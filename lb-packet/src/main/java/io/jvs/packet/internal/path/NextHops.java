package io.jvs.packet.internal.path;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The next hop towards an IPv4 address through one interface, from the kernel's main routing table
 * ({@code /proc/net/route}): the gateway of the longest matching route on that interface, or the address itself when
 * that route is on-link (or there is none). Read on the control path, when a tunnel server's route is built.
 */
public final class NextHops {

    private NextHops() {}

    /** The next hop to {@code address} via {@code interfaceName}, reading {@code /proc/net/route} now. */
    public static int nextHop(String interfaceName, int address) {
        try {
            return nextHop(Files.readAllLines(Path.of("/proc/net/route")), interfaceName, address);
        } catch (IOException e) {
            return address;
        }
    }

    /**
     * The next hop to {@code address} via {@code interfaceName} in the lines of {@code /proc/net/route} (a header,
     * then {@code Iface Destination Gateway Flags RefCnt Use Metric Mask ...}, addresses in the host's byte order).
     */
    static int nextHop(List<String> lines, String interfaceName, int address) {
        int bestPrefix = -1;
        int best = address;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 8 || !f[0].equals(interfaceName)) {
                continue;
            }
            int destination;
            int gateway;
            int mask;
            try {
                destination = Integer.reverseBytes(Integer.parseUnsignedInt(f[1], 16));
                gateway = Integer.reverseBytes(Integer.parseUnsignedInt(f[2], 16));
                mask = Integer.reverseBytes(Integer.parseUnsignedInt(f[7], 16));
            } catch (NumberFormatException e) {
                continue;
            }
            int prefix = Integer.bitCount(mask);
            if ((address & mask) == destination && prefix > bestPrefix) {
                bestPrefix = prefix;
                best = gateway == 0 ? address : gateway;
            }
        }
        return best;
    }
}
