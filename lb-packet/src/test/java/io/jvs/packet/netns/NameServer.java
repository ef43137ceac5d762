package io.jvs.packet.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny HTTP server for a real server's namespace: {@code NameServer NAME PORT} answers every GET with
 * {@code NAME CLIENT-ADDRESS\n} (the client address it saw) and closes. Prints {@code ready} once listening on all
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
                    readHeaders(s.getInputStream());
                    byte[] body = (name + " " + s.getInetAddress().getHostAddress() + "\n")
                            .getBytes(StandardCharsets.US_ASCII);
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

    private static void readHeaders(InputStream in) throws IOException {
        int state = 0;
        for (int n = 0; n < 65536; n++) {
            int b = in.read();
            if (b < 0) {
                return;
            }
            state = (b == '\r' && (state == 0 || state == 2)) ? state + 1 : (b == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            if (state == 4) {
                return;
            }
        }
    }
}
