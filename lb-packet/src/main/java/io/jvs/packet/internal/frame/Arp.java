package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;

/** ARP frames for IPv4 over Ethernet (RFC 826), written in place; each method returns the frame's length. */
public final class Arp {

    /** Bytes of an ARP frame (Ethernet header + 28). */
    public static final int FRAME_LENGTH = PacketView.ETH_HEADER + 28;
    /** The broadcast MAC. */
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    private Arp() {}

    /** Writes an ARP reply: {@code ip is-at mac}, to {@code targetMac}/{@code targetIp}. */
    public static int writeReply(MemorySegment s, long out, long mac, int ip, long targetMac, int targetIp) {
        return write(s, out, targetMac, mac, 2, mac, ip, targetMac, targetIp);
    }

    /** Writes a broadcast ARP request: {@code who-has targetIp tell senderIp}. */
    public static int writeRequest(MemorySegment s, long out, long mac, int senderIp, int targetIp) {
        return write(s, out, BROADCAST, mac, 1, mac, senderIp, 0, targetIp);
    }

    /**
     * Writes a gratuitous ARP (a broadcast request whose sender and target address are both {@code ip}, as the
     * kernel and {@code arping -U} send), so that neighbours update their caches to {@code mac}.
     */
    public static int writeGratuitous(MemorySegment s, long out, long mac, int ip) {
        return write(s, out, BROADCAST, mac, 1, mac, ip, 0, ip);
    }

    private static int write(MemorySegment s, long out, long ethDst, long ethSrc, int op, long sha, int spa, long tha,
                             int tpa) {
        Bytes.mac(s, out, ethDst);
        Bytes.mac(s, out + 6, ethSrc);
        Bytes.u16(s, out + 12, PacketView.ETH_P_ARP);
        long a = out + PacketView.ETH_HEADER;
        Bytes.u16(s, a, 1);
        Bytes.u16(s, a + 2, PacketView.ETH_P_IP);
        Bytes.u8(s, a + 4, 6);
        Bytes.u8(s, a + 5, 4);
        Bytes.u16(s, a + 6, op);
        Bytes.mac(s, a + 8, sha);
        Bytes.u32(s, a + 14, spa);
        Bytes.mac(s, a + 18, tha);
        Bytes.u32(s, a + 24, tpa);
        return FRAME_LENGTH;
    }
}
