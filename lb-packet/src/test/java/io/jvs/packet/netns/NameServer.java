package io.jvs.packet.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP server for a real server's namespace: {@code NameServer NAME PORT} answers every request with
 * {@code NAME CLIENT-ADDRESS\n} (the client address it saw), or for a request with a body (POST) {@code NAME
 * CLIENT-ADDRESS BYTES\n} with the body's length as received, and closes. Prints {@code ready} once listening on all
 * addresses (so also on the VIP on lo). At most 10,000 connections.
 */
public final class NameServer {

    private NameServer() {}

    public static void main(String[] args) throws IOException {
        String name = args[0];
        int port = Integer.parseInt(args[1]);
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(port), 128);
            System.out.println("ready");
            System.out.flush();
            for (int i = 0; i < 10_000; i++) {
                try (Socket s = server.accept()) {
                    s.setSoTimeout(5000);
                    InputStream in = s.getInputStream();
                    long contentLength = readHeaders(in);
                    long got = 0;
                    for (; got < contentLength && in.read() >= 0; got++) {
                        // count the body's bytes
                    }
                    byte[] body = (name + " " + s.getInetAddress().getHostAddress()
                            + (contentLength >= 0 ? " " + got : "") + "\n").getBytes(StandardCharsets.US_ASCII);
                    OutputStream out = s.getOutputStream();
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                            + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(body);
                    out.flush();
                } catch (IOException e) {
                    System.err.println("connection failed: " + e);
                }
            }
        }
    }

    /** Reads the request head; returns its Content-Length, or -1 when it has none. */
    private static long readHeaders(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        long contentLength = -1;
        for (int n = 0; n < 65536; n++) {
            int b = in.read();
            if (b < 0) {
                return contentLength;
            }
            if (b == '\n') {
                String l = line.toString().trim();
                if (l.isEmpty()) {
                    return contentLength;
                }
                if (l.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    contentLength = Long.parseLong(l.substring(15).trim());
                }
                line.setLength(0);
            } else {
                line.append((char) b);
            }
        }
        return contentLength;
    }
}
