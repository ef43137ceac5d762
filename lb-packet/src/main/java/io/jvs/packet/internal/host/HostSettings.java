package io.jvs.packet.internal.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The director's kernel settings the packet data path depends on, read from {@code /proc/sys}. */
public final class HostSettings {

    private HostSettings() {}

    /** {@code net.ipv4.conf.<interface>.forwarding} (the per-interface view of {@code ip_forward}). */
    public static boolean forwarding(String interfaceName) throws IOException {
        Path p = Path.of("/proc/sys/net/ipv4/conf", interfaceName, "forwarding");
        return Files.readString(p).trim().equals("1");
    }

    /**
     * Refuses mode A when the kernel forwards IPv4 on the interface: with the VIP not configured locally, a
     * forwarding kernel would route the VIP's packets itself, next to JVS.
     *
     * @throws IllegalStateException naming the setting and what it must be
     */
    public static void checkModeA(String interfaceName) throws IOException {
        Path v6 = Path.of("/proc/sys/net/ipv6/conf", interfaceName, "forwarding");
        if (Files.isReadable(v6) && Files.readString(v6).trim().equals("1")) {
            throw new IllegalStateException("net.ipv6.conf." + interfaceName + ".forwarding: 1 (expected: 0 when "
                    + "the director answers neighbour discovery for the VIP itself)");
        }
        if (forwarding(interfaceName)) {
            throw new IllegalStateException("net.ipv4.conf." + interfaceName + ".forwarding: 1 (expected: 0 when "
                    + "the director answers ARP for the VIP itself; set net.ipv4.ip_forward=0, or configure the VIP "
                    + "on the interface and use mode B)");
        }
    }
}
