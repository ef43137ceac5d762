package io.jvs.ipvsadm.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The jvsadm admin protocol, version 1: one request and one response per connection, big-endian, every size
 * bounded.
 *
 * <pre>
 * request  = "JVSA" version:u8=1 argc:u16 (len:u32 utf8-bytes){argc} stdin-len:u32 stdin-bytes
 * response = "JVSA" version:u8=1 status:u8 stdout-len:u32 utf8-bytes stderr-len:u32 utf8-bytes
 * </pre>
 *
 * <p>Limits: 1024 arguments of at most 64 KiB each, 16 MiB of standard input; 256 MiB of standard output and
 * 16 MiB of standard error. A request that breaks them, has another magic or another version gets a response
 * with status 2 and a one-line error, and changes nothing.
 */
public final class Wire {

    public static final byte[] MAGIC = {'J', 'V', 'S', 'A'};
    public static final int VERSION = 1;
    public static final int MAX_ARGS = 1024;
    public static final int MAX_ARG_BYTES = 64 * 1024;
    public static final int MAX_STDIN = 16 * 1024 * 1024;
    public static final int MAX_STDOUT = 256 * 1024 * 1024;
    public static final int MAX_STDERR = 16 * 1024 * 1024;

    private Wire() {}

    /** A request that cannot be served: its message is the error line the client gets. */
    public static final class BadRequest extends IOException {
        private static final long serialVersionUID = 1L;

        public BadRequest(String message) {
            super(message);
        }
    }

    /** A decoded request. */
    public static final class Request {
        public final List<String> args;
        public final String stdin;

        public Request(List<String> args, String stdin) {
            this.args = args;
            this.stdin = stdin;
        }
    }

    /** A decoded response. */
    public static final class Response {
        public final int status;
        public final String stdout;
        public final String stderr;

        public Response(int status, String stdout, String stderr) {
            this.status = status;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    public static byte[] encodeRequest(List<String> args, byte[] stdin) throws BadRequest {
        if (args.size() > MAX_ARGS) {
            throw new BadRequest("too many arguments: " + args.size() + " (expected: at most " + MAX_ARGS + ")");
        }
        if (stdin.length > MAX_STDIN) {
            throw new BadRequest("standard input too large: " + stdin.length + " bytes (expected: at most "
                    + MAX_STDIN + ")");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(VERSION);
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
        readMagic(in);
        int argc = in.readUnsignedShort();
        if (argc > MAX_ARGS) {
            throw new BadRequest("too many arguments: " + argc + " (expected: at most " + MAX_ARGS + ")");
        }
        List<String> args = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) {
            args.add(readString(in, MAX_ARG_BYTES, "argument " + (i + 1)));
        }
        String stdin = readString(in, MAX_STDIN, "standard input");
        return new Request(List.copyOf(args), stdin);
    }

    public static byte[] encodeResponse(int status, String stdout, String stderr) {
        byte[] o = truncate(stdout.getBytes(StandardCharsets.UTF_8), MAX_STDOUT);
        byte[] e = truncate(stderr.getBytes(StandardCharsets.UTF_8), MAX_STDERR);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(o.length + e.length + 16);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeByte(VERSION);
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
     * Reads a response.
     *
     * @throws IOException if the connection fails, ends early, or the response breaks the protocol
     */
    public static Response readResponse(InputStream stream) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        readMagic(in);
        int status = in.readUnsignedByte();
        String stdout = readString(in, MAX_STDOUT, "standard output");
        String stderr = readString(in, MAX_STDERR, "standard error");
        return new Response(status, stdout, stderr);
    }

    private static void readMagic(DataInputStream in) throws IOException {
        byte[] magic = new byte[4];
        in.readFully(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new BadRequest("not a jvsadm message (expected: the magic JVSA)");
        }
        int version = in.readUnsignedByte();
        if (version != VERSION) {
            throw new BadRequest("unsupported admin protocol version " + version + " (expected: " + VERSION + ")");
        }
    }

    private static String readString(DataInputStream in, int max, String what) throws IOException {
        int len = in.readInt();
        if (len < 0 || len > max) {
            throw new BadRequest(what + " too large: " + Integer.toUnsignedString(len) + " bytes (expected: at most "
                    + max + ")");
        }
        byte[] b = new byte[len];
        try {
            in.readFully(b);
        } catch (EOFException e) {
            throw new BadRequest(what + " cut short: expected " + len + " bytes");
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
