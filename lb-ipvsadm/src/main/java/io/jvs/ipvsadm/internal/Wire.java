package io.jvs.ipvsadm.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jvsadm admin protocol: one request and one response per connection, big-endian, every size bounded.
 *
 * <pre>
 * request v1 = "JVSA" version:u8=1 argc:u16 (len:u32 utf8-bytes){argc} stdin-len:u32 stdin-bytes
 * request v2 = "JVSA" version:u8=2 token-len:u16 token-bytes argc:u16 (len:u32 utf8-bytes){argc} stdin-len:u32 stdin-bytes
 * response   = "JVSA" version:u8 status:u8 stdout-len:u32 utf8-bytes stderr-len:u32 utf8-bytes
 * </pre>
 *
 * <p>Version 2 adds the token an admin endpoint that requires one checks (always over TCP); a client sends version 1
 * when it has no token, so it still talks to a server that knows only version 1. The response carries the version of
 * the request (1 when the request's version could not be read).
 *
 * <p>Limits: a token of at most 1024 bytes, 1024 arguments of at most 64 KiB each, 16 MiB of standard input; 256 MiB
 * of standard output and 16 MiB of standard error. Memory grows with the bytes that actually arrive, never with a
 * length a peer only claims. A request that breaks them, has another magic or an unknown version gets a response
 * with status 2 and a one-line error, and changes nothing.
 */
public final class Wire {

    public static final byte[] MAGIC = {'J', 'V', 'S', 'A'};
    /** The version without a token. */
    public static final int VERSION = 1;
    /** The version with a token. */
    public static final int VERSION_TOKEN = 2;
    public static final int MAX_TOKEN = 1024;
    public static final int MAX_ARGS = 1024;
    public static final int MAX_ARG_BYTES = 64 * 1024;
    public static final int MAX_STDIN = 16 * 1024 * 1024;
    public static final int MAX_STDOUT = 256 * 1024 * 1024;
    public static final int MAX_STDERR = 16 * 1024 * 1024;
    /** The longest request header: magic, version, and a version 2 token's length and bytes. */
    public static final int MAX_HEADER = 4 + 1 + 2 + MAX_TOKEN;
    private static final int CHUNK = 64 * 1024;

    private Wire() {}

    /** A request that cannot be served: its message is the error line the client gets. */
    public static final class BadRequest extends IOException {
        private static final long serialVersionUID = 1L;
        private final int version;

        public BadRequest(String message) {
            this(message, VERSION);
        }

        BadRequest(String message, int version) {
            super(message);
            this.version = version;
        }

        /** The version to answer in: the request's, or 1 when it could not be read. */
        public int version() {
            return version;
        }
    }

    /**
     * The start of a request: what a server checks before it reads anything else.
     *
     * @param version 1 or 2
     * @param token the token of a version 2 request, or null
     * @param length how many bytes the header took
     */
    public record Header(int version, byte[] token, int length) {}

    /** A decoded request. */
    public static final class Request {
        public final int version;
        /** The token of a version 2 request, or null. */
        public final byte[] token;
        public final List<String> args;
        public final String stdin;

        public Request(int version, byte[] token, List<String> args, String stdin) {
            this.version = version;
            this.token = token;
            this.args = args;
            this.stdin = stdin;
        }
    }

    /** A decoded response. */
    public static final class Response {
        public final int version;
        public final int status;
        public final String stdout;
        public final String stderr;

        public Response(int version, int status, String stdout, String stderr) {
            this.version = version;
            this.status = status;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    /**
     * Encodes a request: version 1 without a token, version 2 with one.
     *
     * @param token the token, or null
     */
    public static byte[] encodeRequest(List<String> args, byte[] stdin, byte[] token) throws BadRequest {
        if (args.size() > MAX_ARGS) {
            throw new BadRequest("too many arguments: " + args.size() + " (expected: at most " + MAX_ARGS + ")");
        }
        if (stdin.length > MAX_STDIN) {
            throw new BadRequest("standard input too large: " + stdin.length + " bytes (expected: at most "
                    + MAX_STDIN + ")");
        }
        if (token != null && token.length > MAX_TOKEN) {
            throw new BadRequest("token too long: " + token.length + " bytes (expected: at most " + MAX_TOKEN + ")");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(token == null ? VERSION : VERSION_TOKEN);
            if (token != null) {
                out.writeShort(token.length);
                out.write(token);
            }
            out.writeShort(args.size());
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                if (b.length > MAX_ARG_BYTES) {
                    throw new BadRequest("argument too long: " + b.length + " bytes (expected: at most "
                            + MAX_ARG_BYTES + ")");
                }
                out.writeInt(b.length);
                out.write(b);
            }
            out.writeInt(stdin.length);
            out.write(stdin);
        } catch (BadRequest e) {
            throw e;
        } catch (IOException e) {
            throw new AssertionError(e); // a byte array does not fail
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a request.
     *
     * @throws BadRequest if it breaks the protocol (the client should get the message)
     * @throws IOException if the connection fails or ends early
     */
    public static Request readRequest(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int version = readMagic(in);
        byte[] token = null;
        if (version == VERSION_TOKEN) {
            try {
                token = readBytes(in, in.readUnsignedShort(), MAX_TOKEN, "token");
            } catch (BadRequest e) {
                throw new BadRequest(e.getMessage(), version);
            } catch (EOFException e) {
                throw new BadRequest("request cut short", version);
            }
        }
        return readBody(new Header(version, token, 0), in);
    }

    /**
     * Decodes a request's header from {@code bytes[0..length)}, as far as it has arrived.
     *
     * @return the header, or null when more bytes are needed
     * @throws BadRequest if the bytes so far break the protocol (another magic, an unknown version, a token too
     *     long)
     */
    public static Header readHeader(byte[] bytes, int length) throws BadRequest {
        for (int i = 0; i < Math.min(length, MAGIC.length); i++) {
            if (bytes[i] != MAGIC[i]) {
                throw new BadRequest("not a jvsadm message (expected: the magic JVSA)");
            }
        }
        if (length < 5) {
            return null;
        }
        int version = bytes[4] & 0xff;
        checkVersion(version);
        if (version == VERSION) {
            return new Header(version, null, 5);
        }
        if (length < 7) {
            return null;
        }
        int tokenLength = (bytes[5] & 0xff) << 8 | (bytes[6] & 0xff);
        if (tokenLength > MAX_TOKEN) {
            throw new BadRequest("token too large: " + tokenLength + " bytes (expected: at most " + MAX_TOKEN + ")",
                    version);
        }
        if (length < 7 + tokenLength) {
            return null;
        }
        return new Header(version, Arrays.copyOfRange(bytes, 7, 7 + tokenLength), 7 + tokenLength);
    }

    /**
     * Reads the rest of a request, after its {@code header}.
     *
     * @throws BadRequest if it breaks the protocol (the client should get the message)
     * @throws IOException if the connection fails
     */
    public static Request readBody(Header header, InputStream stream) throws IOException {
        DataInputStream in = stream instanceof DataInputStream d ? d : new DataInputStream(stream);
        int version = header.version();
        try {
            byte[] token = header.token();
            int argc = in.readUnsignedShort();
            if (argc > MAX_ARGS) {
                throw new BadRequest("too many arguments: " + argc + " (expected: at most " + MAX_ARGS + ")", version);
            }
            List<String> args = new ArrayList<>(Math.min(argc, 16));
            for (int i = 0; i < argc; i++) {
                args.add(readString(in, MAX_ARG_BYTES, "argument " + (i + 1)));
            }
            String stdin = readString(in, MAX_STDIN, "standard input");
            return new Request(version, token, List.copyOf(args), stdin);
        } catch (BadRequest e) {
            throw e.version() == version ? e : new BadRequest(e.getMessage(), version);
        } catch (EOFException e) {
            throw new BadRequest("request cut short", version);
        }
    }

    /** Encodes a response in {@code version} (1 or 2). */
    public static byte[] encodeResponse(int version, int status, String stdout, String stderr) {
        byte[] o = truncate(stdout.getBytes(StandardCharsets.UTF_8), MAX_STDOUT);
        byte[] e = truncate(stderr.getBytes(StandardCharsets.UTF_8), MAX_STDERR);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(o.length + e.length + 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(version);
            out.writeByte(status);
            out.writeInt(o.length);
            out.write(o);
            out.writeInt(e.length);
            out.write(e);
        } catch (IOException ex) {
            throw new AssertionError(ex);
        }
        return bytes.toByteArray();
    }

    private static byte[] truncate(byte[] b, int max) {
        return b.length <= max ? b : Arrays.copyOf(b, max);
    }

    /**
     * Reads a response (version 1 or 2).
     *
     * @throws IOException if the connection fails, ends early, or the response breaks the protocol
     */
    public static Response readResponse(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        int version = readMagic(in);
        int status = in.readUnsignedByte();
        String stdout = readString(in, MAX_STDOUT, "standard output");
        String stderr = readString(in, MAX_STDERR, "standard error");
        return new Response(version, status, stdout, stderr);
    }

    /** Reads {@code rest}, the bytes that arrived after a request's header, then {@code connection}. */
    public static InputStream afterHeader(ByteBuffer rest, InputStream connection) {
        return new AfterHeader(rest, connection);
    }

    /**
     * The bytes the gate read past the header, then the connection. (Not a SequenceInputStream: that one closes each
     * stream it finishes, and with it the channel the answer must still go out on.)
     */
    private static final class AfterHeader extends InputStream {
        private final ByteBuffer first;
        private final InputStream then;

        AfterHeader(ByteBuffer first, InputStream then) {
            this.first = first;
            this.then = then;
        }

        @Override
        public int read() throws IOException {
            return first.hasRemaining() ? first.get() & 0xff : then.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (!first.hasRemaining()) {
                return then.read(b, off, len);
            }
            int n = Math.min(len, first.remaining());
            first.get(b, off, n);
            return n;
        }
    }

    private static int readMagic(DataInputStream in) throws IOException {
        byte[] magic = new byte[4];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new BadRequest("not a jvsadm message (expected: the magic JVSA)");
        }
        int version = in.readUnsignedByte();
        checkVersion(version);
        return version;
    }

    private static void checkVersion(int version) throws BadRequest {
        if (version != VERSION && version != VERSION_TOKEN) {
            throw new BadRequest("unsupported admin protocol version " + version + " (expected: " + VERSION + " or "
                    + VERSION_TOKEN + ")");
        }
    }

    private static String readString(DataInputStream in, int max, String what) throws IOException {
        return new String(readBytes(in, in.readInt(), max, what), StandardCharsets.UTF_8);
    }

    /** Reads {@code len} bytes in chunks, so a length a peer only claims costs no memory. */
    private static byte[] readBytes(DataInputStream in, int len, int max, String what) throws IOException {
        if (len < 0 || len > max) {
            throw new BadRequest(what + " too large: " + Integer.toUnsignedString(len) + " bytes (expected: at most "
                    + max + ")");
        }
        byte[] b = new byte[Math.min(len, CHUNK)];
        int got = 0;
        try {
            while (got < len) {
                if (got == b.length) {
                    b = Arrays.copyOf(b, Math.min(len, b.length * 2));
                }
                int n = in.read(b, got, b.length - got);
                if (n < 0) {
                    throw new EOFException();
                }
                got += n;
            }
        } catch (EOFException e) {
            throw new BadRequest(what + " cut short: expected " + len + " bytes");
        }
        return b;
    }
}
