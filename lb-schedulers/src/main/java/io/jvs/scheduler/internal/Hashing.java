package io.jvs.scheduler.internal;

/**
 * The kernel's hash functions the IPVS hashing schedulers use: {@code hash_32} ({@code include/linux/hash.h}) for
 * {@code dh}, {@code sh}, {@code lblc} and {@code lblcr}, and SipHash ({@code lib/siphash.c}) for {@code mh}.
 */
final class Hashing {

    /** The kernel's {@code GOLDEN_RATIO_32}. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    private static final long C0 = 0x736f6d6570736575L;
    private static final long C1 = 0x646f72616e646f6dL;
    private static final long C2 = 0x6c7967656e657261L;
    private static final long C3 = 0x7465646279746573L;

    private Hashing() {}

    /** {@code hash_32(value, bits)}: the top {@code bits} bits of {@code value * GOLDEN_RATIO_32} (mod 2^32). */
    static int hash32(int value, int bits) {
        return (value * GOLDEN_RATIO_32) >>> (32 - bits);
    }

    /**
     * The kernel's {@code hsiphash()} of one 32-bit value on a 64-bit little-endian machine: SipHash-1-3 over the
     * value's four bytes with the 128-bit key {@code (k0, k1)}, truncated to the low 32 bits. (On 64-bit kernels
     * "half" SipHash is full SipHash with one compression and three finalization rounds.)
     */
    static int hsiphash(long k0, long k1, int value) {
        long v0 = C0 ^ k0;
        long v1 = C1 ^ k1;
        long v2 = C2 ^ k0;
        long v3 = C3 ^ k1;
        // Four bytes: no full 8-byte block; the last block holds the length in its top byte.
        long b = (4L << 56) | (value & 0xffffffffL);
        v3 ^= b;
        // One compression round.
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        v0 ^= b;
        v2 ^= 0xff;
        // Three finalization rounds.
        for (int i = 0; i < 3; i++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return (int) (v0 ^ v1 ^ v2 ^ v3);
    }

    /**
     * SipHash-c-d of {@code message} with the key {@code (k0, k1)} (each the little-endian reading of 8 key bytes),
     * as specified by Aumasson and Bernstein. Not used on any hot path: it lets the tests check the round function
     * against the published SipHash-2-4 vectors and {@link #hsiphash} against a general implementation.
     */
    static long sipHash(int compressionRounds, int finalizationRounds, long k0, long k1, byte[] message) {
        long[] v = {C0 ^ k0, C1 ^ k1, C2 ^ k0, C3 ^ k1};
        int len = message.length;
        int blocks = len / 8;
        for (int i = 0; i < blocks; i++) {
            long m = littleEndian(message, i * 8, 8);
            v[3] ^= m;
            rounds(v, compressionRounds);
            v[0] ^= m;
        }
        long b = ((long) len << 56) | littleEndian(message, blocks * 8, len - blocks * 8);
        v[3] ^= b;
        rounds(v, compressionRounds);
        v[0] ^= b;
        v[2] ^= 0xff;
        rounds(v, finalizationRounds);
        return v[0] ^ v[1] ^ v[2] ^ v[3];
    }

    private static long littleEndian(byte[] bytes, int from, int count) {
        long r = 0;
        for (int i = count - 1; i >= 0; i--) {
            r = (r << 8) | (bytes[from + i] & 0xff);
        }
        return r;
    }

    private static void rounds(long[] v, int count) {
        for (int i = 0; i < count; i++) {
            v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
            v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
            v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
            v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
        }
    }
}
