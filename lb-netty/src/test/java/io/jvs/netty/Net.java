package io.jvs.netty;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/** Socket helpers for tests: free ports, clients with timeouts, deterministic data and checksums. */
public final class Net {

    public static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Net() {}

    /** A port that was free a moment ago on 127.0.0.1 (the director binds it itself). */
    public static int freePort() throws IOException {
        return io.jvs.testing.Ports.tcp();
    }

    /** A client connected to 127.0.0.1:{@code port}, whose reads give up after 20 seconds. */
    public static Socket connect(int port) throws IOException {
        return connect(null, port);
    }

    /** A client bound to {@code from} (any port) and connected to 127.0.0.1:{@code port}. */
    public static Socket connect(InetAddress from, int port) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(20_000); // before connecting: a director may reset the connection at once
        s.setTcpNoDelay(true);
        if (from != null) {
            s.bind(new InetSocketAddress(from, 0));
        }
        s.connect(new InetSocketAddress(LOOPBACK, port), 5000);
        return s;
    }

    /** Writes {@code n} pseudo-random bytes made from {@code seed}; returns their CRC32. */
    public static long send(OutputStream out, long n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] chunk = new byte[64 * 1024];
        CRC32 crc = new CRC32();
        for (long left = n; left > 0; ) {
            int len = (int) Math.min(chunk.length, left);
            for (int i = 0; i < len; i += 8) {
                long v = r.nextLong();
                for (int j = 0; j < 8 && i + j < len; j++) {
                    chunk[i + j] = (byte) (v >>> (8 * j));
                }
            }
            out.write(chunk, 0, len);
            crc.update(chunk, 0, len);
            left -= len;
        }
        out.flush();
        return crc.getValue();
    }

    /** Reads exactly {@code n} bytes; returns their CRC32. */
    public static long receive(InputStream in, long n) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        CRC32 crc = new CRC32();
        for (long left = n; left > 0; ) {
            int r = in.read(chunk, 0, (int) Math.min(chunk.length, left));
            if (r < 0) {
                throw new EOFException((n - left) + " of " + n + " bytes");
            }
            crc.update(chunk, 0, r);
            left -= r;
        }
        return crc.getValue();
    }

    /** Reads until end of stream; returns the count and CRC32 of what came. */
    public static long[] receiveAll(InputStream in) throws IOException {
        byte[] chunk = new byte[64 * 1024];
        CRC32 crc = new CRC32();
        long n = 0;
        for (int r; (r = in.read(chunk)) >= 0; ) {
            crc.update(chunk, 0, r);
            n += r;
        }
        return new long[] {n, crc.getValue()};
    }

    /** The CRC32 of the {@code n} bytes {@link #send} writes for {@code seed}. */
    public static long crc(long n, long seed) throws IOException {
        CrcStream s = new CrcStream();
        return send(s, n, seed);
    }

    private static final class CrcStream extends OutputStream {
        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }

    /**
     * Connects to 127.0.0.1:{@code port} and reads until the end, as {@link #readToEnd}; a reset that comes before
     * connect() returns (a director that refuses at once) is a reset too.
     */
    public static String connectAndReadToEnd(int port) throws IOException {
        Socket s;
        try {
            s = connect(port);
        } catch (SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.getMessage();
        }
        try (s) {
            return readToEnd(s.getInputStream());
        }
    }

    /** Reads until the stream ends: "eof" for an orderly end, "reset" for a reset, "timeout" if it never ends. */
    public static String readToEnd(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
            return "eof";
        } catch (SocketTimeoutException e) {
            return "timeout";
        } catch (SocketException e) {
            return e.getMessage() != null && e.getMessage().contains("reset") ? "reset" : e.getMessage();
        }
    }


    /**
     * Starts a daemon thread that writes 32 MiB to {@code s} in 64 KiB writes, for a test that fills every buffer on
     * the way to a reader that does not read; the thread ends when the socket is closed or reset.
     */
    public static Thread flood(Socket s) {
        Thread w = new Thread(() -> {
            try {
                OutputStream out = s.getOutputStream();
                byte[] b = new byte[64 * 1024];
                for (int i = 0; i < 512; i++) {
                    out.write(b);
                }
            } catch (IOException e) {
                // blocked, then closed or reset
            }
        }, "flood");
        w.setDaemon(true);
        w.start();
        return w;
    }
}
