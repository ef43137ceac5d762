package io.jvs.cluster.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian byte writing and checked reading for the cluster's binary messages. Every read names the field it
 * reads, so a truncated or out-of-range message fails with {@code <what> message: <field>: <value> (expected: ...)}
 * and nothing is changed by it.
 */
public final class Wire {

    private Wire() {}

    /** A growing byte buffer. Not thread-safe. */
    public static final class Writer {
        private byte[] buf;
        private int size;

        /** A writer with room for {@code capacity} bytes (it grows as needed). */
        public Writer(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        private void room(int n) {
            if (size + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
            }
        }

        /** Writes the low 8 bits. */
        public Writer u8(int v) {
            room(1);
            buf[size++] = (byte) v;
            return this;
        }

        /** Writes the low 16 bits. */
        public Writer u16(int v) {
            room(2);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
            return this;
        }

        /** Writes 32 bits. */
        public Writer i32(int v) {
            room(4);
            buf[size++] = (byte) (v >>> 24);
            buf[size++] = (byte) (v >>> 16);
            buf[size++] = (byte) (v >>> 8);
            buf[size++] = (byte) v;
            return this;
        }

        /** Writes 64 bits. */
        public Writer i64(long v) {
            i32((int) (v >>> 32));
            return i32((int) v);
        }

        /** Writes raw bytes. */
        public Writer bytes(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        /** Writes a string of at most 255 UTF-8 bytes, length first. */
        public Writer string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > 255) {
                throw new IllegalArgumentException("string: " + s.length() + " characters (expected: at most 255 bytes)");
            }
            return u8(b.length).bytes(b);
        }

        /** Writes an address: 4 or 6 (the family), then its 4 or 16 bytes. */
        public Writer address(InetAddress a) {
            return u8(a instanceof Inet4Address ? 4 : 6).bytes(a.getAddress());
        }

        /** Writes an address and a port. */
        public Writer socketAddress(InetSocketAddress a) {
            return address(a.getAddress()).u16(a.getPort());
        }

        /** The number of bytes written. */
        public int size() {
            return size;
        }

        /** Overwrites 16 bits at {@code offset}. */
        public void putU16(int offset, int v) {
            buf[offset] = (byte) (v >>> 8);
            buf[offset + 1] = (byte) v;
        }

        /** A copy of the bytes written. */
        public byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }
    }

    /** Reads a message, checking lengths and ranges. Not thread-safe. */
    public static final class Reader {
        private final String what;
        private final byte[] buf;
        private final int end;
        private int pos;

        /**
         * A reader of {@code length} bytes of {@code buf} from {@code offset}; {@code what} names the message kind
         * in errors ({@code config message}, {@code sync message}).
         */
        public Reader(String what, byte[] buf, int offset, int length) {
            this.what = what;
            this.buf = buf;
            this.pos = offset;
            this.end = offset + length;
        }

        /** The error for a field whose value is out of range; nothing was changed by the message. */
        public IllegalArgumentException bad(String field, Object value, String expected) {
            return new IllegalArgumentException(what + ": " + field + ": " + value + " (expected: " + expected + ")");
        }

        private void need(int n, String field) {
            if (end - pos < n) {
                throw bad(field, "truncated, " + (end - pos) + " of " + n + " bytes left", n + " bytes");
            }
        }

        /** Reads an unsigned byte. */
        public int u8(String field) {
            need(1, field);
            return buf[pos++] & 0xff;
        }

        /** Reads an unsigned 16-bit value. */
        public int u16(String field) {
            need(2, field);
            int v = (buf[pos] & 0xff) << 8 | buf[pos + 1] & 0xff;
            pos += 2;
            return v;
        }

        /** Reads a 32-bit value. */
        public int i32(String field) {
            need(4, field);
            int v = (buf[pos] & 0xff) << 24 | (buf[pos + 1] & 0xff) << 16 | (buf[pos + 2] & 0xff) << 8
                    | buf[pos + 3] & 0xff;
            pos += 4;
            return v;
        }

        /** Reads a 32-bit value that must lie in {@code [min, max]}. */
        public int i32(String field, int min, int max) {
            int v = i32(field);
            if (v < min || v > max) {
                throw bad(field, v, min + "-" + max);
            }
            return v;
        }

        /** Reads a 64-bit value. */
        public long i64(String field) {
            long hi = i32(field) & 0xffffffffL;
            return hi << 32 | i32(field) & 0xffffffffL;
        }

        /** Reads a byte that must lie in {@code [min, max]}. */
        public int u8(String field, int min, int max) {
            int v = u8(field);
            if (v < min || v > max) {
                throw bad(field, v, min + "-" + max);
            }
            return v;
        }

        /** Reads a boolean byte (0 or 1). */
        public boolean bool(String field) {
            return u8(field, 0, 1) == 1;
        }

        /** Reads {@code n} raw bytes. */
        public byte[] bytes(int n, String field) {
            need(n, field);
            byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
            pos += n;
            return b;
        }

        /** Reads a string written by {@link Writer#string}. */
        public String string(String field) {
            int n = u8(field);
            return new String(bytes(n, field), StandardCharsets.UTF_8);
        }

        /** Reads an address written by {@link Writer#address}. */
        public InetAddress address(String field) {
            int family = u8(field + ".family");
            if (family != 4 && family != 6) {
                throw bad(field + ".family", family, "4 or 6");
            }
            byte[] b = bytes(family == 4 ? 4 : 16, field);
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        /** Reads an address and a port. */
        public InetSocketAddress socketAddress(String field) {
            InetAddress a = address(field);
            return new InetSocketAddress(a, u16(field + ".port"));
        }

        /** The bytes not read yet. */
        public int remaining() {
            return end - pos;
        }

        /** The read position. */
        public int position() {
            return pos;
        }

        /** Moves the read position forward. */
        public void skip(int n, String field) {
            need(n, field);
            pos += n;
        }

        /** Throws unless every byte was read. */
        public void expectEnd() {
            if (pos != end) {
                throw bad("length", end - pos + " bytes after the last field", "nothing after the last field");
            }
        }

        /** Runs {@code check}, turning its IllegalArgumentException into one that names this message and field. */
        public <T> T checked(String field, java.util.function.Supplier<T> check) {
            try {
                return check.get();
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new IllegalArgumentException(what + ": " + field + ": " + e.getMessage(), e);
            }
        }
    }
}
