package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;

/**
 * The Internet checksum (RFC 1071): full sums, the IPv4 pseudo-header, incremental update (RFC 1624) and the
 * completion of checksums a sender left partial ({@code CHECKSUM_PARTIAL} offload). All allocation-free.
 */
public final class Checksums {

    private Checksums() {}

    /** Adds the 16-bit big-endian words of {@code [off, off + len)} to {@code sum} (an odd last byte is padded). */
    public static long add(MemorySegment s, long off, int len, long sum) {
        long end = off + (len & ~1);
        long p = off;
        for (; p + 4 <= end; p += 4) {
            sum += Bytes.u32(s, p) & 0xffffffffL;
        }
        for (; p < end; p += 2) {
            sum += Bytes.u16(s, p);
        }
        if ((len & 1) != 0) {
            sum += Bytes.u8(s, off + len - 1) << 8;
        }
        return sum;
    }

    /** Folds a running sum into 16 bits (not complemented). */
    public static int fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /** The checksum of {@code [off, off + len)}: the complement of the folded sum. */
    public static int checksum(MemorySegment s, long off, int len) {
        return ~fold(add(s, off, len, 0)) & 0xffff;
    }

    /** The IPv4 pseudo-header sum: addresses, protocol and L4 length. */
    public static long pseudoHeader(int src, int dst, int protocol, int l4Length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + l4Length;
    }

    /** The IPv6 pseudo-header sum (RFC 8200 8.1): addresses, upper-layer length, next header. */
    public static long pseudoHeader6(long srcHi, long srcLo, long dstHi, long dstLo, int protocol, int length) {
        return words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo) + (length >>> 16) + (length & 0xffff) + protocol;
    }

    private static long words(long v) {
        return (v >>> 48) + (v >>> 32 & 0xffff) + (v >>> 16 & 0xffff) + (v & 0xffff);
    }

    /** Computes and writes an L4 checksum over IPv6 at {@code l4 + fieldOffset} (ICMPv6, TCP, UDP). */
    public static void setL4v6(MemorySegment s, long l4, int l4Length, int fieldOffset, long srcHi, long srcLo,
                               long dstHi, long dstLo, int protocol) {
        Bytes.u16(s, l4 + fieldOffset, 0);
        int c = ~fold(add(s, l4, l4Length, pseudoHeader6(srcHi, srcLo, dstHi, dstLo, protocol, l4Length))) & 0xffff;
        Bytes.u16(s, l4 + fieldOffset, protocol == 17 && c == 0 ? 0xffff : c);
    }

    /** True when an L4 checksum over IPv6 verifies. */
    public static boolean l4Valid6(MemorySegment s, long l4, int l4Length, long srcHi, long srcLo, long dstHi,
                                   long dstLo, int protocol) {
        return fold(add(s, l4, l4Length, pseudoHeader6(srcHi, srcLo, dstHi, dstLo, protocol, l4Length))) == 0xffff;
    }

    /** Writes the IPv4 header checksum of the header at {@code l3} with {@code headerLength} bytes. */
    public static void setIpv4Header(MemorySegment s, long l3, int headerLength) {
        Bytes.u16(s, l3 + 10, 0);
        Bytes.u16(s, l3 + 10, checksum(s, l3, headerLength));
    }

    /** True when the IPv4 header at {@code l3} sums to 0xffff (its checksum is right). */
    public static boolean ipv4HeaderValid(MemorySegment s, long l3, int headerLength) {
        return fold(add(s, l3, headerLength, 0)) == 0xffff;
    }

    /**
     * RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data changed from {@code oldWord} to
     * {@code newWord}: {@code HC' = ~(~HC + ~m + m')}.
     */
    public static int update(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return ~fold(sum) & 0xffff;
    }

    /**
     * Completes a partial L4 checksum in place: the field at {@code l4 + fieldOffset} holds the folded pseudo-header
     * sum the sender's stack left for the device (veth leaves it so, {@code TP_STATUS_CSUMNOTREADY}); the device's
     * part is the complement of the sum over the whole segment, field included. UDP's zero becomes 0xffff.
     */
    public static void completePartial(MemorySegment s, long l4, int l4Length, int fieldOffset, boolean udp) {
        int c = ~fold(add(s, l4, l4Length, 0)) & 0xffff;
        Bytes.u16(s, l4 + fieldOffset, udp && c == 0 ? 0xffff : c);
    }

    /** Computes and writes a full TCP or UDP checksum over IPv4 (the field is zeroed first; UDP 0 becomes 0xffff). */
    public static void setL4(MemorySegment s, long l4, int l4Length, int fieldOffset, int src, int dst, int protocol) {
        Bytes.u16(s, l4 + fieldOffset, 0);
        int c = ~fold(add(s, l4, l4Length, pseudoHeader(src, dst, protocol, l4Length))) & 0xffff;
        Bytes.u16(s, l4 + fieldOffset, protocol == 17 && c == 0 ? 0xffff : c);
    }

    /** True when the TCP or UDP checksum of the segment verifies against the pseudo-header. */
    public static boolean l4Valid(MemorySegment s, long l4, int l4Length, int src, int dst, int protocol) {
        return fold(add(s, l4, l4Length, pseudoHeader(src, dst, protocol, l4Length))) == 0xffff;
    }
}
