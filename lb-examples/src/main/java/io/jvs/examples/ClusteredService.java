package io.jvs.examples;

// tag::cluster[]
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.cluster.ClusteredLoadBalancer;
import io.jvs.cluster.SyncHook;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthChecker;
import io.jvs.netty.NettyLoadBalancer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One director of a cluster: its service table is the cluster's, changed through consensus, and its connections and
 * persistence templates go to the other directors on the sync stream (the cluster port plus 1). Run it on every
 * director with the same cluster name and the others' cluster addresses: each checks the servers, and the leader's
 * checker starts the service (or adopts it) and commits its verdicts.
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
        SyncHook sync = SyncHook.create();                                    // the director's state, published
        try (ClusteredLoadBalancer lb = ClusteredLoadBalancer.builder(
                        NettyLoadBalancer.builder().director(d -> d.stateSync(sync)).build())
                .cluster("example")                                             // the same name on every director
                .bind(me)                                                       // this director's cluster address
                .peers(peers)                                                   // every director's
                .connectionSync(sync).syncRoles(true, true)                     // master and backup, as keepalived
                .build();
             HealthChecker checker = HealthChecker.create(lb.leaderView())) { // verdicts committed by the leader
            VirtualService web = VirtualService.tcp("127.0.0.1", port).scheduler("mh")
                    .realServer(RealServer.of("127.0.0.1", server)).build();
            checker.start(CheckedService.builder(web)                          // started by the leader's checker,
                    .servers(s -> s.withChecks(HealthCheck.tcp())).build()).join(); // committed by a majority
            System.out.println("serving " + web.id() + " in cluster example; press Enter to stop");
            System.in.read();
            lb.services().forEach(s -> System.out.println(s.id() + " " + s.stats()));
            System.out.println(lb.syncStatus().orElseThrow());                 // view, roles, sent, received, lag
        }
    }
}
// end::cluster[]
