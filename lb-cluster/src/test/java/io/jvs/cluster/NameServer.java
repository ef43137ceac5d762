package io.jvs.cluster;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A real server for namespace tests: answers every TCP connection with its name and a newline, then closes. Prints
 * {@code ready} once it listens. Arguments: address, port, name; it stops after 120 s at the latest.
 */
public final class NameServer {

    private NameServer() {}

    public static void main(String[] args) throws Exception {
        long deadline = System.currentTimeMillis() + 120_000;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName(args[0]), Integer.parseInt(args[1])));
            s.setSoTimeout(1000);
            System.out.println("ready");
            System.out.flush();
            byte[] name = (args[2] + "\n").getBytes(StandardCharsets.US_ASCII);
            while (System.currentTimeMillis() < deadline) {
                try (Socket c = s.accept(); OutputStream out = c.getOutputStream()) {
                    out.write(name);
                } catch (java.net.SocketTimeoutException e) {
                    // look at the deadline again
                }
            }
        }
    }
}
