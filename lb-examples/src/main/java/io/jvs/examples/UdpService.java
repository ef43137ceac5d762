package io.jvs.examples;

// tag::udp[]
import io.jvs.api.RealServer;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;

/**
 * A UDP virtual service on 127.0.0.1:5353 (DNS-like) in front of two real servers, ports 5301 and 5302. Each
 * client address and port is a flow: its datagrams go to one server, and the server's answers come back from the
 * virtual address.
 */
public final class UdpService {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5353;     // java UdpService [PORT S1 S2]
        int server1 = args.length > 1 ? Integer.parseInt(args[1]) : 5301;
        int server2 = args.length > 2 ? Integer.parseInt(args[2]) : 5302;
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
            lb.setTimeouts(Timeouts.ofSeconds(0, 0, 30));                      // ipvsadm --set 0 0 30: flows idle 30 s
            VirtualService dns = VirtualService.udp("127.0.0.1", port)       // ipvsadm -A -u 127.0.0.1:5353
                    .scheduler("rr")
                    .maxConnections(50_000)                                    // flows of this service at once
                    .realServer(RealServer.of("127.0.0.1", server1))
                    .realServer(RealServer.of("127.0.0.1", server2))
                    .build();
            lb.start(dns).join();
            System.out.println("balancing " + dns.id() + "; press Enter to stop");
            System.in.read();
            lb.connections().forEach(System.out::println);                     // ipvsadm -L -c: one entry per flow
        }
    }
}
// end::udp[]
