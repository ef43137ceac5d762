package io.jvs.netty;

import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A director in a process of its own, for tests that must see its heap alone: {@code DirectorMain BACKEND_PORT
 * TABLE_SIZE} serves a round-robin service on a free port of 127.0.0.1 (which it prints), then answers each
 * {@code status} line on standard input with {@code heap BYTES entries N refused N} (heap in use after a full
 * collection) until standard input ends.
 */
public final class DirectorMain {

    private DirectorMain() {}

    public static void main(String[] args) throws Exception {
        int backend = Integer.parseInt(args[0]);
        int table = Integer.parseInt(args[1]);
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().ioThreads(2).drainTimeout(java.time.Duration.ZERO)
                .director(d -> d.maxConnections(table)).build()) {
            int port = Net.freePort();
            lb.start(VirtualService.tcp("127.0.0.1", port)
                    .realServer(RealServer.of(new InetSocketAddress("127.0.0.1", backend))).build())
                    .get(10, TimeUnit.SECONDS);
            System.out.println(port);
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("status")) {
                    System.gc();
                    System.gc();
                    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                    ConnectionTableStatus t = lb.connectionTable();
                    System.out.println("heap " + heap + " entries " + t.entries() + " refused " + t.refused());
                    System.out.flush();
                }
            }
        }
    }
}
