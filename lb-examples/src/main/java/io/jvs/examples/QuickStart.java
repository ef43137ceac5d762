package io.jvs.examples;

// tag::quickstart[]
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;

/** A TCP virtual service on 127.0.0.1:8080 in front of two real servers on this host, ports 9001 and 9002. */
public final class QuickStart {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;      // java QuickStart [PORT SERVER1 SERVER2]
        int server1 = args.length > 1 ? Integer.parseInt(args[1]) : 9001;
        int server2 = args.length > 2 ? Integer.parseInt(args[2]) : 9002;
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {   // epoll on Linux, NIO elsewhere
            VirtualService web = VirtualService.tcp("127.0.0.1", port)        // ipvsadm -A -t 127.0.0.1:8080
                    .scheduler("wrr")                                           //   -s wrr
                    .realServer(RealServer.of("127.0.0.1", server1).withWeight(3)) // -a ... -r ...:9001 -w 3
                    .realServer(RealServer.of("127.0.0.1", server2))           // -a ... -r ...:9002 (weight 1)
                    .build();
            lb.start(web).join();                                               // listening once this returns
            System.out.println("balancing " + web.id() + "; press Enter to stop");
            System.in.read();
            lb.services().forEach(s -> System.out.println(s.id() + " " + s.stats())); // ipvsadm -L -n --stats
        }
    }
}
// end::quickstart[]
