package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;

/**
 * ICMP errors the director sends about a packet it cannot forward, built as the kernel's {@code icmp_send}
 * builds them: TOS {@code (tos & 0x1e) | 0xc0}, TTL 64, no DF, the offending IP header and as much of its data as
 * keeps the error within 576 bytes, sent back to the MAC the packet came from.
 */
public final class Icmp {

    /** Destination unreachable. */
    public static final int DEST_UNREACH = 3;
    /** Code: fragmentation needed and DF set; bytes 6-7 carry the next-hop MTU. */
    public static final int FRAG_NEEDED = 4;
    /** Time exceeded. */
    public static final int TIME_EXCEEDED = 11;
    /** Code: TTL exceeded in transit. */
    public static final int EXC_TTL = 0;

    private static final int MAX_ERROR_LENGTH = 576;
    private static final int DEFAULT_TTL = 64;

    private Icmp() {}

    /**
     * True when an ICMP error may be sent about the packet in {@code view} (RFC 1122 3.2.2: never about an ICMP
     * error, nor to a broadcast or multicast address).
     */
    public static boolean mayAnswer(PacketView view) {
        if (view.protocol() == PacketView.ICMP) {
            int t = view.icmpType();
            if (t != 0 && t != 8 && t != 13 && t != 14 && t != 15 && t != 16 && t != 17 && t != 18) {
                return false;
            }
        }
        int src = view.src();
        return src != 0 && (src >>> 28) != 0xe && src != -1;
    }

    /**
     * Writes an ICMP error about the IPv4 packet in {@code view} into {@code out}: from {@code ourMac}, {@code
     * source} to the packet's sender.
     *
     * @param info the second word of the ICMP header (the next-hop MTU in its low 16 bits for FRAG_NEEDED)
     * @return the frame's length, or 0 when it does not fit {@code capacity}
     */
    public static int writeError(PacketView view, MemorySegment s, long out, int capacity, long ourMac, int source,
                                 int type, int code, int info) {
        int quoted = Math.min(view.ipLength(), MAX_ERROR_LENGTH - 28);
        int ipLength = 28 + quoted;
        int length = PacketView.ETH_HEADER + ipLength;
        if (length > capacity) {
            return 0;
        }
        MemorySegment in = view.segment();
        Bytes.mac(s, out, view.srcMac());
        Bytes.mac(s, out + 6, ourMac);
        Bytes.u16(s, out + 12, PacketView.ETH_P_IP);
        long ip = out + PacketView.ETH_HEADER;
        Bytes.u8(s, ip, 0x45);
        Bytes.u8(s, ip + 1, (view.tos() & 0x1e) | 0xc0);
        Bytes.u16(s, ip + 2, ipLength);
        Bytes.u32(s, ip + 4, 0);
        Bytes.u8(s, ip + 8, DEFAULT_TTL);
        Bytes.u8(s, ip + 9, PacketView.ICMP);
        Bytes.u32(s, ip + 12, source);
        Bytes.u32(s, ip + 16, view.src());
        Checksums.setIpv4Header(s, ip, 20);
        long icmp = ip + 20;
        Bytes.u8(s, icmp, type);
        Bytes.u8(s, icmp + 1, code);
        Bytes.u16(s, icmp + 2, 0);
        Bytes.u32(s, icmp + 4, info);
        MemorySegment.copy(in, view.l3(), s, icmp + 8, quoted);
        Bytes.u16(s, icmp + 2, Checksums.checksum(s, icmp, 8 + quoted));
        return length;
    }
}
