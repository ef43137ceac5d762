package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.Checksums;
import io.jvs.packet.internal.frame.PacketView;
import java.lang.foreign.MemorySegment;

/** Builds test frames (Ethernet + IPv4 + TCP/UDP/ICMP) with correct checksums in byte arrays. */
final class TestFrames {

    static final long CLIENT_MAC = 0x02_00_00_00_00_01L;
    static final long DIRECTOR_MAC = 0x02_00_00_00_00_02L;
    static final long SERVER_MAC = 0x02_00_00_00_00_11L;
    static final int CLIENT = Bytes.parseIpv4("10.99.0.1");
    static final int DIRECTOR = Bytes.parseIpv4("10.99.0.2");
    static final int SERVER = Bytes.parseIpv4("10.99.0.11");
    static final int VIP = Bytes.parseIpv4("10.99.0.100");

    private TestFrames() {}

    /** A TCP segment with {@code payload} bytes of pattern data. */
    static byte[] tcp(int src, int srcPort, int dst, int dstPort, int flags, int payload, int ttl, boolean df) {
        return ipv4(src, dst, PacketView.TCP, 20 + payload, ttl, df, 0, (s, l4) -> {
            Bytes.u16(s, l4, srcPort);
            Bytes.u16(s, l4 + 2, dstPort);
            Bytes.u32(s, l4 + 4, 1000);
            Bytes.u32(s, l4 + 8, 0);
            Bytes.u8(s, l4 + 12, 5 << 4);
            Bytes.u8(s, l4 + 13, flags);
            Bytes.u16(s, l4 + 14, 65535);
            for (int i = 0; i < payload; i++) {
                Bytes.u8(s, l4 + 20 + i, i * 7 + 3);
            }
            Checksums.setL4(s, l4, 20 + payload, 16, src, dst, PacketView.TCP);
        });
    }

    /** A UDP datagram with {@code payload} bytes. */
    static byte[] udp(int src, int srcPort, int dst, int dstPort, int payload) {
        return ipv4(src, dst, PacketView.UDP, 8 + payload, 64, true, 0, (s, l4) -> {
            Bytes.u16(s, l4, srcPort);
            Bytes.u16(s, l4 + 2, dstPort);
            Bytes.u16(s, l4 + 4, 8 + payload);
            for (int i = 0; i < payload; i++) {
                Bytes.u8(s, l4 + 8 + i, i);
            }
            Checksums.setL4(s, l4, 8 + payload, 6, src, dst, PacketView.UDP);
        });
    }

    /** An ICMP error (type, code) from {@code src} to {@code dst} quoting {@code quotedIp} (an IP packet). */
    static byte[] icmpError(int src, int dst, int type, int code, byte[] quotedFrame) {
        int quoted = Math.min(quotedFrame.length - 14, 28);
        return ipv4(src, dst, PacketView.ICMP, 8 + quoted, 64, false, 0, (s, l4) -> {
            Bytes.u8(s, l4, type);
            Bytes.u8(s, l4 + 1, code);
            MemorySegment.copy(MemorySegment.ofArray(quotedFrame), 14, s, l4 + 8, quoted);
            Bytes.u16(s, l4 + 2, Checksums.checksum(s, l4, 8 + quoted));
        });
    }

    interface L4Writer {
        void write(MemorySegment s, long l4);
    }

    static byte[] ipv4(int src, int dst, int protocol, int l4Length, int ttl, boolean df, int tos, L4Writer l4) {
        byte[] b = new byte[14 + 20 + l4Length];
        MemorySegment s = MemorySegment.ofArray(b);
        Bytes.mac(s, 0, DIRECTOR_MAC);
        Bytes.mac(s, 6, CLIENT_MAC);
        Bytes.u16(s, 12, PacketView.ETH_P_IP);
        Bytes.u8(s, 14, 0x45);
        Bytes.u8(s, 15, tos);
        Bytes.u16(s, 16, 20 + l4Length);
        Bytes.u16(s, 18, 0x1234);
        Bytes.u16(s, 20, df ? 0x4000 : 0);
        Bytes.u8(s, 22, ttl);
        Bytes.u8(s, 23, protocol);
        Bytes.u32(s, 26, src);
        Bytes.u32(s, 30, dst);
        l4.write(s, 34);
        Checksums.setIpv4Header(s, 14, 20);
        return b;
    }

    static final long CLIENT6_HI = Bytes.ipv6Hi("fd99::1");
    static final long CLIENT6_LO = Bytes.ipv6Lo("fd99::1");
    static final long DIRECTOR6_HI = Bytes.ipv6Hi("fd99::2");
    static final long DIRECTOR6_LO = Bytes.ipv6Lo("fd99::2");
    static final long SERVER6_HI = Bytes.ipv6Hi("fd99::11");
    static final long SERVER6_LO = Bytes.ipv6Lo("fd99::11");
    static final long VIP6_HI = Bytes.ipv6Hi("fd99::100");
    static final long VIP6_LO = Bytes.ipv6Lo("fd99::100");

    /** An IPv6 TCP segment from the client to {@code dst} with {@code payload} bytes. */
    static byte[] tcp6(long dstHi, long dstLo, int srcPort, int dstPort, int flags, int payload, int hopLimit) {
        int l4Length = 20 + payload;
        byte[] b = new byte[14 + 40 + l4Length];
        MemorySegment s = MemorySegment.ofArray(b);
        ipv6Header(s, CLIENT_MAC, DIRECTOR_MAC, PacketView.TCP, l4Length, hopLimit, CLIENT6_HI, CLIENT6_LO, dstHi, dstLo);
        long l4 = 54;
        Bytes.u16(s, l4, srcPort);
        Bytes.u16(s, l4 + 2, dstPort);
        Bytes.u8(s, l4 + 12, 5 << 4);
        Bytes.u8(s, l4 + 13, flags);
        for (int i = 0; i < payload; i++) {
            Bytes.u8(s, l4 + 20 + i, i);
        }
        Checksums.setL4v6(s, l4, l4Length, 16, CLIENT6_HI, CLIENT6_LO, dstHi, dstLo, PacketView.TCP);
        return b;
    }

    /** A neighbour solicitation from the client for {@code target}, with its link-layer address as an option. */
    static byte[] solicitation(long targetHi, long targetLo) {
        byte[] b = new byte[14 + 40 + 32];
        io.jvs.packet.internal.frame.Icmp6.writeSolicitation(MemorySegment.ofArray(b), 0, CLIENT_MAC, CLIENT6_HI,
                CLIENT6_LO, targetHi, targetLo);
        return b;
    }

    static void ipv6Header(MemorySegment s, long srcMac, long dstMac, int nextHeader, int payload, int hopLimit,
                           long srcHi, long srcLo, long dstHi, long dstLo) {
        Bytes.mac(s, 0, dstMac);
        Bytes.mac(s, 6, srcMac);
        Bytes.u16(s, 12, PacketView.ETH_P_IPV6);
        Bytes.u32(s, 14, 0x6000_0000);
        Bytes.u16(s, 18, payload);
        Bytes.u8(s, 20, nextHeader);
        Bytes.u8(s, 21, hopLimit);
        Bytes.u64(s, 22, srcHi);
        Bytes.u64(s, 30, srcLo);
        Bytes.u64(s, 38, dstHi);
        Bytes.u64(s, 46, dstLo);
    }

    /** Sets the TOS byte of the frame's IPv4 header and fixes the header checksum. */
    static byte[] withTos(byte[] frame, int tos) {
        MemorySegment s = MemorySegment.ofArray(frame);
        Bytes.u8(s, 15, tos);
        Checksums.setIpv4Header(s, 14, 20);
        return frame;
    }

    /** An ARP request {@code who-has target tell sender}. */
    static byte[] arpRequest(long senderMac, int sender, int target) {
        byte[] b = new byte[42];
        io.jvs.packet.internal.frame.Arp.writeRequest(MemorySegment.ofArray(b), 0, senderMac, sender, target);
        return b;
    }

    /** A TX sink over a byte array: frames of {@code frameSize} bytes after {@code base}. */
    static final class ArrayTx implements io.jvs.packet.internal.ring.TxFrames {
        final MemorySegment segment;
        final long base;
        final int frameSize;
        final int frames;
        final int[] lengths;
        int count;

        ArrayTx(MemorySegment segment, long base, int frameSize, int frames) {
            this.segment = segment;
            this.base = base;
            this.frameSize = frameSize;
            this.frames = frames;
            this.lengths = new int[frames];
        }

        @Override
        public long nextTx() {
            return count < frames ? base + (long) count * frameSize : -1;
        }

        @Override
        public int txCapacity() {
            return frameSize;
        }

        @Override
        public void commitTx(int length) {
            lengths[count++] = length;
        }

        /** A copy of sent frame {@code i}. */
        byte[] frame(int i) {
            return segment.asSlice(base + (long) i * frameSize, lengths[i]).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        }

        void clear() {
            count = 0;
        }
    }
}
