package io.jvs.examples;

// tag::keepalived[]
import io.jvs.health.HealthChecker;
import io.jvs.keepalived.KeepalivedConfig;
import io.jvs.netty.NettyLoadBalancer;
import java.nio.file.Path;

/** Serves the virtual servers of a keepalived.conf, with their health checks, until Enter is pressed. */
public final class KeepalivedService {

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args.length > 0 ? args[0] : "/etc/keepalived/keepalived.conf");
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build();
             HealthChecker checker = HealthChecker.create(lb)) {
            KeepalivedConfig config = KeepalivedConfig.parser()
                    .forwardingMethods(lb.supportedForwardingMethods())  // refuse at load what lb cannot do
                    .parse(file);
            config.warnings().forEach(System.out::println);              // keepalived.conf:3: vrrp_instance ...
            checker.apply(config.services()).join();                     // starts the services and their checks
            System.out.println("serving " + config.services().size() + " virtual servers; press Enter to stop");
            System.in.read();
            checker.health().forEach(System.out::println);
        }
    }
}
// end::keepalived[]
