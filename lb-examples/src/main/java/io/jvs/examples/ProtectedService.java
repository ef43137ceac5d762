package io.jvs.examples;

// tag::defences[]
import io.jvs.api.Cidr;
import io.jvs.api.RealServer;
import io.jvs.api.SourceLimit;
import io.jvs.api.VirtualService;
import io.jvs.netty.NettyLoadBalancer;
import java.time.Duration;
import java.util.List;

/**
 * A TCP virtual service on 127.0.0.1:8080 with the director's defences: an access list, a per-source limit and
 * a deadline for the client's first bytes. Refused clients are reset before any real server is contacted.
 */
public final class ProtectedService {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;     // java ProtectedService [PORT SERVER]
        int server = args.length > 1 ? Integer.parseInt(args[1]) : 9001;
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
            VirtualService web = VirtualService.tcp("127.0.0.1", port)
                    .allow(List.of(Cidr.parse("127.0.0.0/8")))                 // only these clients...
                    .deny(List.of(Cidr.parse("127.0.0.66/32")))                // ...except this one
                    .sourceLimit(SourceLimit.maxConnections(2).withRate(20, 40)) // per client address (IPv6: per /64)
                    .awaitClientData(Duration.ofSeconds(10))                  // the client speaks first (HTTP, TLS)
                    .realServer(RealServer.of("127.0.0.1", server))
                    .build();
            lb.start(web).join();
            System.out.println("serving " + web.id() + "; press Enter to stop");
            System.in.read();
            lb.defences().services().forEach(System.out::println);            // settings and what each refused
        }
    }
}
// end::defences[]
