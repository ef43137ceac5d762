package io.jvs.examples;

// tag::health[]
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.health.CheckSettings;
import io.jvs.health.CheckedService;
import io.jvs.health.HealthCheck;
import io.jvs.health.HealthChecker;
import io.jvs.netty.NettyLoadBalancer;
import java.time.Duration;

/**
 * Two real servers behind 127.0.0.1:8080, each checked with an HTTP GET of /health every second: a server that
 * fails its checks is taken out of the service (its open connections go on) and comes back when it passes again.
 */
public final class HealthCheckedService {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;     // java HealthCheckedService [PORT S1 S2]
        int server1 = args.length > 1 ? Integer.parseInt(args[1]) : 9001;
        int server2 = args.length > 2 ? Integer.parseInt(args[2]) : 9002;
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build();
             HealthChecker checker = HealthChecker.create(lb)) {              // keepalived's checkers, for JVS
            checker.addListener(event -> System.out.println(event));           // every state change
            CheckSettings settings = CheckSettings.defaults()
                    .withInterval(Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(2))
                    .withFall(2).withRise(2);                                  // 2 failed results: down; 2 good: up
            VirtualService web = VirtualService.tcp("127.0.0.1", port).scheduler("rr")
                    .realServer(RealServer.of("127.0.0.1", server1))
                    .realServer(RealServer.of("127.0.0.1", server2))
                    .build();
            checker.start(CheckedService.builder(web)                          // the checker starts the service
                    .servers(s -> s.withChecks(HealthCheck.httpGet("/health").withSettings(settings))
                            .withPassive(true))                                // failed connects count as failures
                    .build()).join();
            System.out.println("balancing " + web.id() + " over the healthy servers; press Enter to stop");
            System.in.read();
            checker.health().forEach(System.out::println);                     // state, weights, last results
        }
    }
}
// end::health[]
