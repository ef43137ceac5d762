package io.jvs.scheduler.internal;

/**
 * The kernel's hash functions the IPVS hashing schedulers use: {@code hash_32} ({@code include/linux/hash.h}) for
 * {@code dh}, {@code sh}, {@code lblc} and {@code lblcr}, and SipHash ({@code lib/siphash.c}) for {@code mh}.
 */
final class Hashing {

    /** The kernel's {@code GOLDEN_RATIO_32}. */
    static final int GOLDEN_RATIO_32 = 0x61C88647;

    static final long C0 = 0x736f6d6570736575L;
    static final long C1 = 0x646f72616e646f6dL;
    static final long C2 = 0x6c7967656e657261L;
    static final long C3 = 0x7465646279746573L;

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
}
