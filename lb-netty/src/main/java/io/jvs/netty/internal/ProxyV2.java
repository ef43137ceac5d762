package io.jvs.netty.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The binary PROXY protocol version 2 header for UDP (the {@code DGRAM} transport), which JVS puts in front of every
 * datagram it relays to a real server that asks for one (the header of a flow never changes: its client and the
 * address it reached, so it is made once per flow and copied in front of each datagram), and for TCP ({@code STREAM})
 * where the lean relay writes it before the client's bytes, as Netty's {@code HAProxyMessageEncoder} does for the
 * channel relay; and the text header of version 1 for TCP.
 */
final class ProxyV2 {

    /** The twelve-byte signature every version 2 header starts with. */
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    private static final int VERSION_PROXY = 0x21;
    private static final int VERSION_LOCAL = 0x20;
    private static final int UDP4 = 0x12; // AF_INET, DGRAM
    private static final int UDP6 = 0x22; // AF_INET6, DGRAM
    private static final int TCP4 = 0x11; // AF_INET, STREAM
    private static final int TCP6 = 0x21; // AF_INET6, STREAM
    private static final int UNSPEC = 0x00;

    /** The longest header this class makes: IPv6 addresses. */
    static final int MAX_LENGTH = 16 + 36;

    private ProxyV2() {}

    /**
     * The header of datagrams from {@code client} that reached {@code virtual}: command PROXY, UDP over IPv4 or IPv6.
     * When the two addresses are of different families (which one header cannot say) it is a LOCAL header with no
     * addresses, as for the TCP data path.
     */
    static byte[] udp(InetSocketAddress client, InetSocketAddress virtual) {
        return header(client, virtual, UDP4, UDP6);
    }

    /** The header of a TCP connection from {@code client} that reached {@code virtual}, as {@link #udp} for UDP. */
    static byte[] tcp(InetSocketAddress client, InetSocketAddress virtual) {
        return header(client, virtual, TCP4, TCP6);
    }

    /**
     * The version 1 (text) header of a TCP connection: {@code PROXY TCP4 client virtual cport vport}, or
     * {@code PROXY UNKNOWN} when the two addresses are of different families.
     */
    static byte[] tcpV1(InetSocketAddress client, InetSocketAddress virtual) {
        InetAddress src = client.getAddress();
        InetAddress dst = virtual.getAddress();
        boolean v4 = src instanceof Inet4Address;
        String line = v4 != (dst instanceof Inet4Address) ? "PROXY UNKNOWN\r\n"
                : "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + io.jvs.api.internal.Addresses.toString(src) + ' '
                        + io.jvs.api.internal.Addresses.toString(dst) + ' ' + client.getPort() + ' '
                        + virtual.getPort() + "\r\n";
        return line.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static byte[] header(InetSocketAddress client, InetSocketAddress virtual, int family4, int family6) {
        InetAddress src = client.getAddress();
        InetAddress dst = virtual.getAddress();
        boolean v4 = src instanceof Inet4Address;
        if (v4 != (dst instanceof Inet4Address)) {
            byte[] h = new byte[16];
            start(h, VERSION_LOCAL, UNSPEC, 0);
            return h;
        }
        byte[] s = src.getAddress();
        byte[] d = dst.getAddress();
        int addresses = 2 * s.length + 4;
        byte[] h = new byte[16 + addresses];
        start(h, VERSION_PROXY, v4 ? family4 : family6, addresses);
        System.arraycopy(s, 0, h, 16, s.length);
        System.arraycopy(d, 0, h, 16 + s.length, d.length);
        int p = 16 + 2 * s.length;
        h[p] = (byte) (client.getPort() >>> 8);
        h[p + 1] = (byte) client.getPort();
        h[p + 2] = (byte) (virtual.getPort() >>> 8);
        h[p + 3] = (byte) virtual.getPort();
        return h;
    }

    private static void start(byte[] h, int versionCommand, int family, int length) {
        System.arraycopy(SIGNATURE, 0, h, 0, SIGNATURE.length);
        h[12] = (byte) versionCommand;
        h[13] = (byte) family;
        h[14] = (byte) (length >>> 8);
        h[15] = (byte) length;
    }
}
