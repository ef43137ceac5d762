package io.jvs.cli.demo;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.ipvsadm.Listing;
import io.jvs.netty.NettyLoadBalancer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code jvs demo}: three small TCP servers on 127.0.0.1 answer with their names; a {@code wrr} virtual service
 * with weights 3, 2, 1 sits in front of them; 60 client connections go through it one after another. It prints
 * which server answered each, how many each got, and the table as {@code ipvsadm -L -n} shows it.
 */
public final class Demo {

    static final int CONNECTIONS = 60;
    static final int[] WEIGHTS = {3, 2, 1};

    private Demo() {}

    /** Runs the demo; returns 0 when every server got its share (30/20/10), 1 otherwise. */
    public static int run(PrintStream out, PrintStream err) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        List<NameServer> servers = new ArrayList<>();
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
            for (int i = 0; i < WEIGHTS.length; i++) {
                servers.add(new NameServer("real server " + (i + 1), loopback));
            }
            int vport = freePort(loopback);
            VirtualService.Builder vs = VirtualService.tcp(new InetSocketAddress(loopback, vport)).scheduler("wrr");
            for (int i = 0; i < servers.size(); i++) {
                vs.realServer(RealServer.of(servers.get(i).address()).withWeight(WEIGHTS[i]));
            }
            lb.start(vs.build()).get(10, TimeUnit.SECONDS);
            out.printf("JVS demo: a wrr virtual service on 127.0.0.1:%d (%s transport) in front of%n", vport,
                    lb.transport().name().toLowerCase(java.util.Locale.ROOT));
            for (int i = 0; i < servers.size(); i++) {
                out.printf("  %s at 127.0.0.1:%d, weight %d%n", servers.get(i).name, servers.get(i).port(),
                        WEIGHTS[i]);
            }
            out.printf("%n%d connections, one after another; each line is the answer:%n", CONNECTIONS);
            int[] counts = new int[servers.size()];
            StringBuilder row = new StringBuilder();
            for (int c = 1; c <= CONNECTIONS; c++) {
                String answer = ask(new InetSocketAddress(loopback, vport));
                int which = Integer.parseInt(answer.substring(answer.lastIndexOf(' ') + 1)) - 1;
                counts[which]++;
                row.append(which + 1).append(c % 30 == 0 ? "\n" : " ");
            }
            out.print("  " + row.toString().replace("\n", "\n  ").trim() + "\n");
            out.println();
            boolean ok = true;
            for (int i = 0; i < servers.size(); i++) {
                int expected = CONNECTIONS * WEIGHTS[i] / 6;
                out.printf("  %s (weight %d): %2d connections%n", servers.get(i).name, WEIGHTS[i], counts[i]);
                ok &= counts[i] == expected;
            }
            out.println();
            out.println("$ ipvsadm -L -n");
            out.print(Listing.list(lb.services(), lb.connectionTableSize()));
            if (!ok) {
                err.println("jvs demo: the connections were not spread 30/20/10 as weights 3/2/1 require");
                return 1;
            }
            return 0;
        } catch (Exception e) {
            err.println("jvs demo: " + e);
            return 1;
        } finally {
            servers.forEach(NameServer::close);
        }
    }

    /** Connects, reads one line, closes. */
    static String ask(InetSocketAddress address) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(address, 5000);
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            if (line == null) {
                throw new IOException("no answer through " + address);
            }
            return line;
        }
    }

    static int freePort(InetAddress address) throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, address)) {
            return s.getLocalPort();
        }
    }

    /** A TCP server that answers every connection with its name and a newline, then closes. */
    static final class NameServer implements AutoCloseable {
        final String name;
        private final ServerSocket socket;
        private final Thread thread;

        NameServer(String name, InetAddress address) throws IOException {
            this.name = name;
            this.socket = new ServerSocket(0, 128, address);
            this.thread = new Thread(this::serve, name);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            byte[] answer = (name + "\n").getBytes(StandardCharsets.UTF_8);
            while (!socket.isClosed()) {
                try (Socket s = socket.accept(); OutputStream o = s.getOutputStream()) {
                    o.write(answer);
                } catch (IOException e) {
                    // closed, or the client went away; keep serving until closed
                }
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
