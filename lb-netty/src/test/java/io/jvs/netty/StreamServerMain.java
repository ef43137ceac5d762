package io.jvs.netty;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/** A real server in a process of its own: prints its port, then sends bytes to every client until killed. */
public final class StreamServerMain {

    private StreamServerMain() {}

    public static void main(String[] args) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            System.out.println(server.getLocalPort());
            System.out.flush();
            while (true) {
                Socket s = server.accept();
                Thread t = new Thread(() -> {
                    byte[] chunk = new byte[16 * 1024];
                    try (s; OutputStream out = s.getOutputStream()) {
                        for (int i = 0; i < 100_000; i++) { // bounded: 1.6 GB at most
                            out.write(chunk);
                        }
                    } catch (IOException e) {
                        // the client went away
                    }
                });
                t.setDaemon(true);
                t.start();
            }
        }
    }
}
