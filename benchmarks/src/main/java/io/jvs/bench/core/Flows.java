package io.jvs.bench.core;

import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.core.DataPath;
import io.jvs.core.Director;
import io.jvs.api.Protocol;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.RunningService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Shared set-up of the core-table benchmarks: a director on a data path that carries nothing, and client addresses. */
final class Flows {

    static final InetSocketAddress VIP = new InetSocketAddress(ip(10, 0, 0, 1), 53);

    private Flows() {}

    /** A director with one UDP service on {@link #VIP} (rr over 8 servers), no timer thread. */
    static Director director(int maxConnections) {
        Director d = Director.builder().dataPath(DataPath.detached()).rateEstimator(false).connectionTimer(false)
                .maxConnections(maxConnections).build();
        VirtualService.Builder vs = VirtualService.udp(VIP).scheduler("rr");
        for (int i = 1; i <= 8; i++) {
            vs.realServer(RealServer.of(new InetSocketAddress(ip(192, 168, 1, i), 53)));
        }
        d.start(vs.build()).join();
        return d;
    }

    static RunningService binding(Director d) {
        return d.runningService(d.services().get(0).id()).orElseThrow();
    }

    /** A UDP datagram from {@code client} to the VIP, as a socket data path asks: the connection, or null. */
    static Connection open(RunningService s, FlowRequest r, InetSocketAddress client) {
        return s.open(r.set(Protocol.UDP, client, VIP)).admitted() ? r.connection() : null;
    }

    /** {@code n} distinct IPv4 clients: 16 ports on each of n/16 addresses in 10.64.0.0/10. */
    static InetSocketAddress[] clients(int n) {
        InetSocketAddress[] a = new InetSocketAddress[n];
        for (int i = 0; i < n; i++) {
            int host = 0x0A400000 + (i >>> 4);
            a[i] = new InetSocketAddress(ip(host >>> 24, host >>> 16, host >>> 8, host), 1024 + (i & 15) * 997);
        }
        return a;
    }

    static InetAddress ip(int a, int b, int c, int d) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

}
