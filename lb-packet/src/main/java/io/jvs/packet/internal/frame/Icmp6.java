package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;

/**
 * ICMPv6 frames the director writes: errors about packets it cannot forward (as the kernel's {@code icmp6_send}:
 * hop limit 64, as much of the offending packet as keeps the error within the IPv6 minimum MTU of 1280 bytes), and
 * neighbour discovery (RFC 4861) solicitations for next hops and advertisements for the VIPs (mode A).
 */
public final class Icmp6 {

    /** Packet too big; bytes 4-7 carry the MTU. */
    public static final int PACKET_TOO_BIG = 2;
    /** Time exceeded (code 0: hop limit exceeded in transit). */
    public static final int TIME_EXCEEDED = 3;
    /** Neighbour solicitation. */
    public static final int NEIGHBOUR_SOLICITATION = 135;
    /** Neighbour advertisement. */
    public static final int NEIGHBOUR_ADVERTISEMENT = 136;
    /** NDP option: source link-layer address. */
    public static final int OPTION_SOURCE_LINK_ADDRESS = 1;
    /** NDP option: target link-layer address. */
    public static final int OPTION_TARGET_LINK_ADDRESS = 2;

    private static final int MIN_MTU = 1280;
    private static final int HEADER = 40;
    private static final long ALL_NODES_HI = 0xff02_0000_0000_0000L;
    private static final long ALL_NODES_LO = 1;

    private Icmp6() {}

    /**
     * Writes an ICMPv6 error about the IPv6 packet in {@code view}: from {@code ourMac} and the address {@code
     * srcHi:srcLo} (the VIP) back to the packet's sender.
     *
     * @return the frame's length, or 0 when it does not fit {@code capacity}
     */
    public static int writeError(PacketView view, MemorySegment s, long out, int capacity, long ourMac, long srcHi,
                                 long srcLo, int type, int code, int info) {
        int quoted = Math.min(view.ipLength(), MIN_MTU - HEADER - 8);
        int l4Length = 8 + quoted;
        int length = PacketView.ETH_HEADER + HEADER + l4Length;
        if (length > capacity) {
            return 0;
        }
        MemorySegment in = view.segment();
        long ip = header(s, out, view.srcMac(), ourMac, l4Length, 64, srcHi, srcLo, view.srcHi(), view.srcLo());
        long icmp = ip + HEADER;
        Bytes.u8(s, icmp, type);
        Bytes.u8(s, icmp + 1, code);
        Bytes.u32(s, icmp + 4, info);
        MemorySegment.copy(in, view.l3(), s, icmp + 8, quoted);
        Checksums.setL4v6(s, icmp, l4Length, 2, srcHi, srcLo, view.srcHi(), view.srcLo(), PacketView.ICMPV6);
        return length;
    }

    /**
     * Writes a neighbour advertisement that {@code targetHi:targetLo} is at {@code ourMac}, to {@code dstMac} and
     * {@code dstHi:dstLo} (solicited: S and O set), or to all nodes when {@code dstHi:dstLo} is 0 (unsolicited: O
     * only, as an announcement).
     */
    public static int writeAdvertisement(MemorySegment s, long out, long ourMac, long targetHi, long targetLo,
                                         long dstMac, long dstHi, long dstLo) {
        boolean solicited = (dstHi | dstLo) != 0;
        long toHi = solicited ? dstHi : ALL_NODES_HI;
        long toLo = solicited ? dstLo : ALL_NODES_LO;
        long toMac = solicited ? dstMac : 0x3333_0000_0001L;
        int l4Length = 32;
        long ip = header(s, out, toMac, ourMac, l4Length, 255, targetHi, targetLo, toHi, toLo);
        long icmp = ip + HEADER;
        Bytes.u8(s, icmp, NEIGHBOUR_ADVERTISEMENT);
        Bytes.u8(s, icmp + 1, 0);
        Bytes.u32(s, icmp + 4, solicited ? 0x6000_0000 : 0x2000_0000); // S|O, or O
        Bytes.u64(s, icmp + 8, targetHi);
        Bytes.u64(s, icmp + 16, targetLo);
        Bytes.u8(s, icmp + 24, OPTION_TARGET_LINK_ADDRESS);
        Bytes.u8(s, icmp + 25, 1);
        Bytes.mac(s, icmp + 26, ourMac);
        Checksums.setL4v6(s, icmp, l4Length, 2, targetHi, targetLo, toHi, toLo, PacketView.ICMPV6);
        return PacketView.ETH_HEADER + HEADER + l4Length;
    }

    /**
     * Writes a neighbour solicitation for {@code targetHi:targetLo} from {@code srcHi:srcLo} to the target's
     * solicited-node multicast address ({@code ff02::1:ffXX:XXXX}), with our link-layer address as an option.
     */
    public static int writeSolicitation(MemorySegment s, long out, long ourMac, long srcHi, long srcLo, long targetHi,
                                        long targetLo) {
        long toHi = ALL_NODES_HI;
        long toLo = 0x0000_0001_ff00_0000L | (targetLo & 0xff_ffffL);
        long toMac = 0x3333_ff00_0000L | (targetLo & 0xff_ffffL);
        int l4Length = 32;
        long ip = header(s, out, toMac, ourMac, l4Length, 255, srcHi, srcLo, toHi, toLo);
        long icmp = ip + HEADER;
        Bytes.u8(s, icmp, NEIGHBOUR_SOLICITATION);
        Bytes.u8(s, icmp + 1, 0);
        Bytes.u32(s, icmp + 4, 0);
        Bytes.u64(s, icmp + 8, targetHi);
        Bytes.u64(s, icmp + 16, targetLo);
        Bytes.u8(s, icmp + 24, OPTION_SOURCE_LINK_ADDRESS);
        Bytes.u8(s, icmp + 25, 1);
        Bytes.mac(s, icmp + 26, ourMac);
        Checksums.setL4v6(s, icmp, l4Length, 2, srcHi, srcLo, toHi, toLo, PacketView.ICMPV6);
        return PacketView.ETH_HEADER + HEADER + l4Length;
    }

    private static long header(MemorySegment s, long out, long dstMac, long srcMac, int payload, int hopLimit,
                               long srcHi, long srcLo, long dstHi, long dstLo) {
        Bytes.mac(s, out, dstMac);
        Bytes.mac(s, out + 6, srcMac);
        Bytes.u16(s, out + 12, PacketView.ETH_P_IPV6);
        long ip = out + PacketView.ETH_HEADER;
        Bytes.u32(s, ip, 0x6000_0000);
        Bytes.u16(s, ip + 4, payload);
        Bytes.u8(s, ip + 6, PacketView.ICMPV6);
        Bytes.u8(s, ip + 7, hopLimit);
        Bytes.u64(s, ip + 8, srcHi);
        Bytes.u64(s, ip + 16, srcLo);
        Bytes.u64(s, ip + 24, dstHi);
        Bytes.u64(s, ip + 32, dstLo);
        Bytes.u16(s, ip + 40 + 2, 0);
        return ip;
    }

    /** The target address of a neighbour solicitation or advertisement in {@code view}, high half. */
    public static long targetHi(PacketView view) {
        return Bytes.u64(view.segment(), view.l4() + 8);
    }

    /** The target address of a neighbour solicitation or advertisement in {@code view}, low half. */
    public static long targetLo(PacketView view) {
        return Bytes.u64(view.segment(), view.l4() + 16);
    }

    /**
     * The link-layer address in the NDP option of {@code type} (source or target link-layer address) of the
     * solicitation or advertisement in {@code view}, or -1 when it has none or the options are malformed.
     */
    public static long linkAddressOption(PacketView view, int type) {
        MemorySegment s = view.segment();
        long p = view.l4() + 24;
        long end = view.l3() + view.ipLength();
        while (p + 8 <= end) {
            int t = Bytes.u8(s, p);
            int len = Bytes.u8(s, p + 1) * 8;
            if (len == 0 || p + len > end) {
                return -1;
            }
            if (t == type && len >= 8) {
                return Bytes.mac(s, p + 2);
            }
            p += len;
        }
        return -1;
    }
}
