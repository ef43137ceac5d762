package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvs.api.internal.Addresses;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HashingTest {

    private static int ip(String a) {
        return Addresses.fold(Addresses.parseLiteral(a));
    }

    @Test
    void hash32_specValues() {
        assertEquals(39, Hashing.hash32(0x0A000001, 8));
        assertEquals(39, Hashing.hash32(ip("10.0.0.1"), 8));
        assertEquals(137, Hashing.hash32(ip("10.0.0.2"), 8));
        assertEquals(89, Hashing.hash32(ip("192.168.1.100"), 8));
        assertEquals(138, Hashing.hash32(ip("172.16.5.4"), 8));
        // sh with sh-port: (port + address)
        assertEquals(134, Hashing.hash32(12345 + ip("10.0.0.1"), 8));
        assertEquals(203, Hashing.hash32(40000 + ip("10.0.0.1"), 8));
    }

    @Test
    void ipv6_foldsTheFourWords() {
        int folded = ip("2001:db8::1");
        assertEquals(0x20010db8 ^ 0 ^ 0 ^ 1, folded);
    }

    /** The published SipHash-2-4 vectors: key 00..0f, messages 00, 00 01, ... (Aumasson and Bernstein). */
    @Test
    void sipHash24_publishedVectors() {
        long[] expected = {
            0x726fdb47dd0e0e31L, 0x74f839c593dc67fdL, 0x0d6c8009d9a94f5aL, 0x85676696d7fb7e2dL,
            0xcf2794e0277187b7L, 0x18765564cd99a68dL, 0xcbc9466e58fee3ceL, 0xab0200f58b01d137L,
            0x93f5f5799a932462L, 0x9e0082df0ba9e4b0L, 0x7a5dbbc594ddb9f3L, 0xf4b32f46226bada7L,
            0x751e8fbc860ee5fbL, 0x14ea5627c0843d90L, 0xf723ca908e7af2eeL, 0xa129ca6149be45e5L,
            0x3f2acc7f57c29bdbL, 0x699ae9f52cbe4794L, 0x4bc1b3f0968dd39cL,
        };
        long k0 = 0x0706050403020100L;
        long k1 = 0x0f0e0d0c0b0a0908L;
        for (int len = 0; len < expected.length; len++) {
            byte[] m = new byte[len];
            for (int i = 0; i < len; i++) {
                m[i] = (byte) i;
            }
            assertEquals(expected[len], SipHashReference.sipHash(2, 4, k0, k1, m), "length " + len);
        }
    }

    /** The 4-byte SipHash-1-3 fast path equals the general implementation over the value's little-endian bytes. */
    @Test
    void hsiphash_isSipHash13OfFourLittleEndianBytes() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            long k0 = random.nextLong();
            long k1 = random.nextLong();
            int v = random.nextInt();
            byte[] bytes = {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
            assertEquals((int) SipHashReference.sipHash(1, 3, k0, k1, bytes), Hashing.hsiphash(k0, k1, v));
        }
    }

    /** ipvs-spec §2.12 reference values (from a re-implementation, not a kernel: provisional). */
    @Test
    void maglevHash_specValues() {
        int h1 = MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, ip("10.0.0.1"), 0, 0);
        assertEquals(50859236, h1);
        assertEquals(3711, Integer.remainderUnsigned(h1, 4093));
        int h2 = MaglevHashingScheduler.hash(MaglevHashingScheduler.KEY1, ip("10.0.0.2"), 0, 0);
        assertEquals(1104141843, h2);
        assertEquals(1884, Integer.remainderUnsigned(h2, 4093));
    }
}
