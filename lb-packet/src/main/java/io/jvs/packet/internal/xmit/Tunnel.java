package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import java.lang.foreign.MemorySegment;

/**
 * Tunnelling (IPVS {@code ip_vs_tunnel_xmit}, {@code ip_vs_prepare_tunneled_skb}, {@code ipvs_gue_encap}): the
 * IPv4 packet, its TTL decremented, inside a new IPv4 header, for GUE after a UDP header and a 4-byte GUE header.
 *
 * <p>The outer header as the kernel writes it: version 4, IHL 5; TOS = the inner DS field with ECN encapsulated
 * ({@code INET_ECN_encapsulate}: CE becomes ECT(0), other ECN values are copied); DF copied from the inner header
 * (sysctl {@code pmtu_disc}, on by default); id 0 when DF is set, else a per-destination counter
 * ({@code ip_select_ident} without a socket); TTL = the inner TTL after the decrement; protocol 4 (IPIP) or 17
 * (GUE); from the director's address on the egress interface to the real server. GUE: UDP source port from the
 * inner flow's hash in 32768-60999 ({@code udp_flow_src_port} over the default local port range), destination port
 * {@code --tun-port}, checksum 0 ({@code --tun-nocsum}) or full ({@code --tun-csum}); GUE version 0, no options,
 * proto_ctype 4.
 */
public final class Tunnel {

    /** Outer IPv4 header bytes. */
    public static final int IPV4 = 20;
    /** UDP header bytes. */
    public static final int UDP = 8;
    /** GUE base header bytes. */
    public static final int GUE_HEADER = 4;

    private static final int PORT_MIN = 32768;
    private static final int PORT_MAX = 60999;
    private static final int HASH_SEED = 0x5bd1e995;

    private Tunnel() {}

    /**
     * Writes the tunnelled frame for the IPv4 packet of {@code view} at {@code out}.
     *
     * @param nextHopMac where the frame goes (the server, or the router towards it)
     * @param source the director's address on the egress interface
     * @return the frame's length, or 0 when it does not fit {@code capacity}
     */
    public static int write(PacketView view, MemorySegment s, long out, int capacity, long ourMac, long nextHopMac,
                            int source, Route route, boolean partialChecksum) {
        boolean gue = route.tunnelType() == Route.GUE;
        int headers = gue ? IPV4 + UDP + GUE_HEADER : IPV4;
        int innerLength = view.ipLength();
        int length = PacketView.ETH_HEADER + headers + innerLength;
        if (length > capacity) {
            return 0;
        }
        long outer = out + PacketView.ETH_HEADER;
        long inner = outer + headers;
        MemorySegment.copy(view.segment(), view.l3(), s, inner, innerLength);
        DirectRoute.decrementTtl(s, inner);
        if (partialChecksum) {
            DirectRoute.completeChecksum(view, s, inner + view.ipHeaderLength());
        }
        Bytes.mac(s, out, nextHopMac);
        Bytes.mac(s, out + 6, ourMac);
        Bytes.u16(s, out + 12, PacketView.ETH_P_IP);

        int innerTos = Bytes.u8(s, inner + 1);
        boolean df = (Bytes.u16(s, inner + 6) & 0x4000) != 0;
        Bytes.u8(s, outer, 0x45);
        Bytes.u8(s, outer + 1, ecnEncapsulate(innerTos));
        Bytes.u16(s, outer + 2, headers + innerLength);
        Bytes.u16(s, outer + 4, df ? 0 : route.nextIpId());
        Bytes.u16(s, outer + 6, df ? 0x4000 : 0);
        Bytes.u8(s, outer + 8, Bytes.u8(s, inner + 8));
        Bytes.u8(s, outer + 9, gue ? PacketView.UDP : 4);
        Bytes.u32(s, outer + 12, source);
        Bytes.u32(s, outer + 16, route.server());
        Checksums.setIpv4Header(s, outer, IPV4);
        if (gue) {
            long udp = outer + IPV4;
            int udpLength = UDP + GUE_HEADER + innerLength;
            Bytes.u16(s, udp, sourcePort(view));
            Bytes.u16(s, udp + 2, route.tunnelPort());
            Bytes.u16(s, udp + 4, udpLength);
            Bytes.u16(s, udp + 6, 0);
            long g = udp + UDP;
            Bytes.u8(s, g, 0);          // version 0, C 0, hlen 0
            Bytes.u8(s, g + 1, 4);      // proto_ctype: IPv4 (IPPROTO_IPIP)
            Bytes.u16(s, g + 2, 0);     // flags
            if (route.tunnelChecksum()) {
                Checksums.setL4(s, udp, udpLength, 6, source, route.server(), PacketView.UDP);
            }
        }
        return length;
    }

    /** {@code INET_ECN_encapsulate(tos, tos)}: the outer TOS byte for an inner TOS byte. */
    public static int ecnEncapsulate(int innerTos) {
        int ecn = innerTos & 3;
        return (innerTos & ~3) | (ecn == 3 ? 2 : ecn);
    }

    /** The GUE source port for the packet's flow: a hash of the inner 5-tuple mapped onto 32768-60999. */
    public static int sourcePort(PacketView view) {
        int h = HASH_SEED;
        h = mix(h, view.flowClient());
        h = mix(h, view.flowVirtual());
        h = mix(h, view.flowClientPort() << 16 | view.flowVirtualPort());
        h = mix(h, view.flowProtocol());
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return (int) (((h & 0xffffffffL) * (PORT_MAX - PORT_MIN)) >>> 32) + PORT_MIN;
    }

    private static int mix(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }
}
