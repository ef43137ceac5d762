package io.jvs.packet.internal.ring;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;

/** What the director needs to know of an interface: MAC, MTU, IPv4 address (from sysfs and the JDK). */
public final class Interfaces {

    private Interfaces() {}

    /** The interface's MAC in the low 48 bits of a long ({@code /sys/class/net/IF/address}). */
    public static long mac(String interfaceName) throws IOException {
        return parseMac(AfPacketPort.sysfs(interfaceName, "address"));
    }

    /** The interface's MTU ({@code /sys/class/net/IF/mtu}). */
    public static int mtu(String interfaceName) throws IOException {
        return Integer.parseInt(AfPacketPort.sysfs(interfaceName, "mtu"));
    }

    /**
     * The interface's own IPv4 address as an int, or 0 when it has none: the one with the shortest prefix, so that a
     * VIP configured as a /32 next to it (mode B, as {@code lvs_dr.sh} does) is not taken for it. Real servers hold
     * the VIP themselves and ignore ARP requests sent from it.
     */
    public static int ipv4(String interfaceName) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        if (nif == null) {
            throw new IOException("no interface " + interfaceName);
        }
        int best = 0;
        int bestPrefix = 33;
        for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
            if (ia.getAddress() instanceof Inet4Address a && ia.getNetworkPrefixLength() < bestPrefix) {
                byte[] b = a.getAddress();
                best = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
                bestPrefix = ia.getNetworkPrefixLength();
            }
        }
        return best;
    }

    /**
     * The interface's own IPv6 address as {@code {high, low}}: a global one with the shortest prefix (not a /128
     * VIP), else its link-local one; {@code {0, 0}} when it has none.
     */
    public static long[] ipv6(String interfaceName) throws IOException {
        NetworkInterface nif = NetworkInterface.getByName(interfaceName);
        if (nif == null) {
            throw new IOException("no interface " + interfaceName);
        }
        long[] best = {0, 0};
        int bestRank = Integer.MAX_VALUE;
        for (InterfaceAddress ia : nif.getInterfaceAddresses()) {
            if (ia.getAddress() instanceof java.net.Inet6Address a) {
                int rank = (a.isLinkLocalAddress() ? 1000 : 0) + ia.getNetworkPrefixLength();
                if (rank < bestRank) {
                    byte[] b = a.getAddress();
                    best = new long[] {io.jvs.packet.internal.frame.Bytes.word(b, 0),
                        io.jvs.packet.internal.frame.Bytes.word(b, 8)};
                    bestRank = rank;
                }
            }
        }
        return best;
    }

    /** {@code aa:bb:cc:dd:ee:ff} to the low 48 bits of a long. */
    public static long parseMac(String text) {
        String[] parts = text.split(":");
        if (parts.length != 6) {
            throw new IllegalArgumentException("mac: " + text + " (expected: six hex bytes separated by ':')");
        }
        long mac = 0;
        for (String p : parts) {
            mac = mac << 8 | Integer.parseInt(p, 16);
        }
        return mac;
    }

    /** The low 48 bits of {@code mac} as {@code aa:bb:cc:dd:ee:ff}. */
    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.forDigit((int) (mac >>> shift & 0xf0) >> 4, 16));
            sb.append(Character.forDigit((int) (mac >>> shift & 0xf), 16));
        }
        return sb.toString();
    }
}
