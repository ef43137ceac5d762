package io.jvs.netty;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A real server that never answers a connect, on 127.0.0.1 and without root: a listening socket whose accept queue is
 * full (it never accepts), so the kernel drops every further SYN, as for a host that is gone; a connect waits for its
 * timeout.
 */
final class Blackhole implements AutoCloseable {

    private final ServerSocket server;
    private final List<Socket> fillers = new ArrayList<>();

    Blackhole() throws IOException {
        server = new ServerSocket(0, 1, Net.LOOPBACK);
        for (int i = 0; i < 16; i++) { // fill the accept queue until a connect no longer completes
            Socket s = new Socket();
            fillers.add(s);
            try {
                s.connect(address(), 200);
            } catch (SocketTimeoutException e) {
                return;
            }
        }
        throw new IOException("the accept queue of a backlog-1 listener never filled");
    }

    InetSocketAddress address() {
        return new InetSocketAddress(Net.LOOPBACK, server.getLocalPort());
    }

    @Override
    public void close() throws IOException {
        for (Socket s : fillers) {
            s.close();
        }
        server.close();
    }
}
