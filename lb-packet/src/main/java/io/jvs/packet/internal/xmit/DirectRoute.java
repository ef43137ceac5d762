package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import java.lang.foreign.MemorySegment;

/**
 * Direct routing (IPVS {@code ip_vs_dr_xmit}): the frame goes to the real server's MAC with the IP packet
 * unchanged but for the TTL, decremented with an incremental checksum update (RFC 1624). A checksum the sender
 * left partial is completed on the way.
 */
public final class DirectRoute {

    private DirectRoute() {}

    /**
     * Copies the IP packet of {@code view} into a new frame at {@code out} (from {@code ourMac} to {@code
     * serverMac}), decrements the TTL and, when {@code partialChecksum}, completes the L4 checksum.
     *
     * @return the frame's length, or 0 when it does not fit {@code capacity}
     */
    public static int write(PacketView view, MemorySegment s, long out, int capacity, long ourMac, long serverMac,
                            boolean partialChecksum) {
        int length = PacketView.ETH_HEADER + view.ipLength();
        if (length > capacity) {
            return 0;
        }
        MemorySegment.copy(view.segment(), view.base() + 12, s, out + 12, length - 12);
        Bytes.mac(s, out, serverMac);
        Bytes.mac(s, out + 6, ourMac);
        long ip = out + PacketView.ETH_HEADER;
        decrementTtl(s, ip);
        if (partialChecksum) {
            completeChecksum(view, s, ip + view.ipHeaderLength());
        }
        return length;
    }

    /**
     * The IPv6 form of {@link #write}: the hop limit is decremented (IPv6 has no header checksum).
     *
     * @return the frame's length, or 0 when it does not fit {@code capacity}
     */
    public static int write6(PacketView view, MemorySegment s, long out, int capacity, long ourMac, long serverMac,
                             boolean partialChecksum) {
        int length = PacketView.ETH_HEADER + view.ipLength();
        if (length > capacity) {
            return 0;
        }
        MemorySegment.copy(view.segment(), view.base() + 12, s, out + 12, length - 12);
        Bytes.mac(s, out, serverMac);
        Bytes.mac(s, out + 6, ourMac);
        long ip = out + PacketView.ETH_HEADER;
        Bytes.u8(s, ip + 7, Bytes.u8(s, ip + 7) - 1);
        if (partialChecksum) {
            completeChecksum(view, s, ip + 40);
        }
        return length;
    }

    /** Decrements the TTL of the IPv4 header at {@code ip} and updates its checksum incrementally. */
    public static void decrementTtl(MemorySegment s, long ip) {
        int oldWord = Bytes.u16(s, ip + 8);
        int newWord = oldWord - 0x100;
        Bytes.u16(s, ip + 8, newWord);
        Bytes.u16(s, ip + 10, Checksums.update(Bytes.u16(s, ip + 10), oldWord, newWord));
    }

    /** Completes a partial TCP or UDP checksum of the packet in {@code view}, copied to {@code l4} of {@code s}. */
    static void completeChecksum(PacketView view, MemorySegment s, long l4) {
        int p = view.protocol();
        if (p == PacketView.TCP) {
            Checksums.completePartial(s, l4, view.l4Length(), 16, false);
        } else if (p == PacketView.UDP) {
            Checksums.completePartial(s, l4, view.l4Length(), 6, true);
        }
    }
}
