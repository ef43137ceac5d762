package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Network-order (big-endian, unaligned) field access on a {@link MemorySegment}; allocation-free. */
public final class Bytes {

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Bytes() {}

    /** The unsigned byte at {@code off}. */
    public static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xff;
    }

    /** Writes the low 8 bits of {@code v} at {@code off}. */
    public static void u8(MemorySegment s, long off, int v) {
        s.set(ValueLayout.JAVA_BYTE, off, (byte) v);
    }

    /** The unsigned big-endian 16-bit value at {@code off}. */
    public static int u16(MemorySegment s, long off) {
        return s.get(U16, off) & 0xffff;
    }

    /** Writes the low 16 bits of {@code v} big-endian at {@code off}. */
    public static void u16(MemorySegment s, long off, int v) {
        s.set(U16, off, (short) v);
    }

    /** The big-endian 32-bit value at {@code off}. */
    public static int u32(MemorySegment s, long off) {
        return s.get(U32, off);
    }

    /** Writes {@code v} big-endian at {@code off}. */
    public static void u32(MemorySegment s, long off, int v) {
        s.set(U32, off, v);
    }

    /** The 48-bit MAC at {@code off} in the low bits of a long. */
    public static long mac(MemorySegment s, long off) {
        return (long) u16(s, off) << 32 | (u32(s, off + 2) & 0xffffffffL);
    }

    /** Writes the low 48 bits of {@code mac} at {@code off}. */
    public static void mac(MemorySegment s, long off, long mac) {
        u16(s, off, (int) (mac >>> 32));
        u32(s, off + 2, (int) mac);
    }

    /** The big-endian 64-bit value at {@code off}. */
    public static long u64(MemorySegment s, long off) {
        return s.get(U64, off);
    }

    /** Writes {@code v} big-endian at {@code off}. */
    public static void u64(MemorySegment s, long off, long v) {
        s.set(U64, off, v);
    }

    /** An IPv6 address held in two longs, in the JDK's text form (for messages and tests). */
    public static String ipv6(long hi, long lo) {
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (hi >>> (56 - 8 * i));
            b[8 + i] = (byte) (lo >>> (56 - 8 * i));
        }
        try {
            return java.net.InetAddress.getByAddress(b).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The high 64 bits of an IPv6 literal. */
    public static long ipv6Hi(String text) {
        return half(text, 0);
    }

    /** The low 64 bits of an IPv6 literal. */
    public static long ipv6Lo(String text) {
        return half(text, 8);
    }

    private static long half(String text, int from) {
        byte[] b;
        try {
            b = java.net.InetAddress.getByName(text).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("address: " + text + " (expected: an IPv6 literal)", e);
        }
        if (b.length != 16 || !text.contains(":")) {
            throw new IllegalArgumentException("address: " + text + " (expected: an IPv6 literal)");
        }
        return word(b, from);
    }

    /** The 8 bytes of {@code b} from {@code from} as a big-endian long (an IPv6 address's half). */
    public static long word(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xff);
        }
        return v;
    }

    /** The address of an {@link java.net.Inet4Address}, or the first 4 bytes of {@code b}, as an int. */
    public static int ipv4(byte[] b) {
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** {@code a.b.c.d} of an IPv4 address held in an int (for messages and tests, not the hot path). */
    public static String ipv4(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    /** Parses {@code a.b.c.d} into an int. */
    public static int parseIpv4(String text) {
        String[] p = text.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("address: " + text + " (expected: an IPv4 address a.b.c.d)");
        }
        int a = 0;
        for (String part : p) {
            int b = Integer.parseInt(part);
            if (b < 0 || b > 255) {
                throw new IllegalArgumentException("address: " + text + " (expected: an IPv4 address a.b.c.d)");
            }
            a = a << 8 | b;
        }
        return a;
    }
}
