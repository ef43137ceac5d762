package io.jvs.scheduler.internal;

/** A general SipHash, the reference for {@link Hashing}'s fixed-size hsiphash. */
final class SipHashReference {

    private SipHashReference() {}

    /**
     * SipHash-c-d of {@code message} with the key {@code (k0, k1)} (each the little-endian reading of 8 key bytes),
     * as specified by Aumasson and Bernstein. The tests check it against the published SipHash-2-4 vectors and
     * {@link Hashing#hsiphash} against it.
     */
    static long sipHash(int compressionRounds, int finalizationRounds, long k0, long k1, byte[] message) {
        long[] v = {Hashing.C0 ^ k0, Hashing.C1 ^ k1, Hashing.C2 ^ k0, Hashing.C3 ^ k1};
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
