package io.jvs.examples;

// tag::cluster[]
import io.jvs.api.LoadBalancer;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.netty.NettyLoadBalancer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One director of a cluster: its service table is the cluster's, changed through consensus. Run it on every director
 * with the same cluster name and the others' cluster addresses; the first to find the service missing adds it.
 */
public final class ClusteredService {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);                                 // java ClusteredService PORT SERVER
        int server = Integer.parseInt(args[1]);                               //      CLUSTER_PORT [PEER_PORT...]
        InetSocketAddress me = new InetSocketAddress("127.0.0.1", Integer.parseInt(args[2]));
        List<InetSocketAddress> peers = new ArrayList<>(List.of(me));         // a cluster of one, or more
        for (int i = 3; i < args.length; i++) {
            peers.add(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[i])));
        }
        try (LoadBalancer lb = ClusteredLoadBalancer.builder(NettyLoadBalancer.builder().build())
                .cluster("example")                                             // the same name on every director
                .bind(me)                                                       // this director's cluster address
                .peers(peers)                                                   // every director's
                .build()) {
            VirtualService web = VirtualService.tcp("127.0.0.1", port).scheduler("mh")
                    .realServer(RealServer.of("127.0.0.1", server)).build();
            if (lb.service(web.id()).isEmpty()) {                               // a linearizable read
                lb.start(web).join();                                           // committed by a majority
            }
            System.out.println("serving " + web.id() + " in cluster example; press Enter to stop");
            System.in.read();
            lb.services().forEach(s -> System.out.println(s.id() + " " + s.stats()));
        }
    }
}
// end::cluster[]
