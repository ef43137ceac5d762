package io.jvs.packet.netns;

import io.jvs.packet.internal.frame.Bytes;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.host.NftIngressGuard;
import io.jvs.packet.internal.ring.PortOptions;
import io.jvs.packet.internal.xmit.Counter;
import io.jvs.packet.internal.xmit.FlowRouter;
import io.jvs.packet.internal.xmit.PacketEngine;
import io.jvs.packet.internal.xmit.Route;
import io.jvs.packet.internal.xmit.VipSet;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * The director of the namespace tests: {@code DirectorMain IFACE A|B dr|ipip|gue|gue-csum VIP:PORT R1 R2 [TUNPORT]}
 * (an IPv6 VIP with IPv6 servers: direct routing only)
 * serves VIP:PORT (TCP) with the packet engine and a fixed test-only rule in place of lb-core's scheduler: an
 * even client port goes to R1, an odd one to R2. In mode B the engine installs the nftables ingress guard
 * (replacing one a crashed run left). Prints {@code ready} once both servers' MACs are known; then reads commands on stdin:
 * {@code counters} prints the engine's counters on one line, {@code guard} the packets the guard dropped;
 * {@code stop} or the end of stdin stops the engine (which removes the guard) and prints {@code stopped}.
 */
public final class DirectorMain {

    private DirectorMain() {}

    public static void main(String[] args) throws Exception {
        String iface = args[0];
        boolean modeA = args[1].equals("A");
        String method = args[2];
        String vipText = args[3].substring(0, args[3].lastIndexOf(':'));
        int port = Integer.parseInt(args[3].substring(args[3].lastIndexOf(':') + 1));
        boolean v6 = vipText.contains(":");
        int tunPort = args.length > 6 ? Integer.parseInt(args[6]) : 0;
        Route[] routes = v6
                ? new Route[] {Route.direct6(Bytes.ipv6Hi(args[4]), Bytes.ipv6Lo(args[4])),
                    Route.direct6(Bytes.ipv6Hi(args[5]), Bytes.ipv6Lo(args[5]))}
                : new Route[] {route(method, Bytes.parseIpv4(args[4]), tunPort),
                    route(method, Bytes.parseIpv4(args[5]), tunPort)};
        FlowRouter rule = p -> p.flowVirtualPort() == port && p.flowProtocol() == PacketView.TCP && p.isIpv6() == v6
                ? routes[p.flowClientPort() & 1] : null;

        if (!modeA && NftIngressGuard.exists(iface)) {
            System.err.println("a guard table left by an earlier run is there; the engine replaces it");
        }
        VipSet vips = new VipSet();
        if (v6) {
            vips.add(Bytes.ipv6Hi(vipText), Bytes.ipv6Lo(vipText));
        } else {
            vips.add(Bytes.parseIpv4(vipText));
        }
        int workers = Math.min(2, Runtime.getRuntime().availableProcessors());
        PacketEngine engine = PacketEngine.start(PortOptions.defaults(iface).withBlockCount(16), workers, vips, i -> rule, modeA);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!known(engine, routes[0]) || !known(engine, routes[1])) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the real servers' MACs were not learnt: " + engine.neighbours());
            }
            for (Route r : routes) {
                if (r.isIpv6()) {
                    engine.resolve(r.serverHi(), r.serverLo());
                } else {
                    engine.resolve(r.server());
                }
            }
            Thread.sleep(200);
        }
        System.out.println("ready");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
            if (line.equals("counters")) {
                StringBuilder sb = new StringBuilder();
                for (Counter c : Counter.values()) {
                    sb.append(c.name()).append('=').append(engine.counter(c)).append(' ');
                }
                System.out.println(sb.toString().trim());
            } else if (line.equals("guard")) {
                System.out.println(engine.guardDroppedPackets());
            }
            System.out.flush();
        }
        engine.close();
        System.out.println("stopped");
        System.out.flush();
    }

    private static boolean known(PacketEngine engine, Route r) {
        return (r.isIpv6() ? engine.neighbours().lookup(r.serverHi(), r.serverLo())
                : engine.neighbours().lookup(r.server())) >= 0;
    }

    private static Route route(String method, int server, int tunPort) {
        return switch (method) {
            case "dr" -> Route.direct(server);
            case "ipip" -> Route.ipip(server, server);
            case "gue" -> Route.gue(server, server, tunPort, false);
            case "gue-csum" -> Route.gue(server, server, tunPort, true);
            default -> throw new IllegalArgumentException("method: " + method + " (expected: dr, ipip, gue, gue-csum)");
        };
    }
}
