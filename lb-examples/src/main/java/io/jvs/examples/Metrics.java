package io.jvs.examples;

// tag::metrics[]
import com.sun.net.httpserver.HttpServer;
import io.jvs.api.RealServer;
import io.jvs.api.VirtualService;
import io.jvs.micrometer.LoadBalancerMetrics;
import io.jvs.netty.NettyLoadBalancer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A TCP virtual service on 127.0.0.1:8080 in front of one real server (port 9001), with its connections, traffic,
 * rates, weights and defences as Prometheus metrics on http://127.0.0.1:9100/metrics.
 */
public final class Metrics {

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;     // java Metrics [PORT SERVER METRICS_PORT]
        int server = args.length > 1 ? Integer.parseInt(args[1]) : 9001;
        int metricsPort = args.length > 2 ? Integer.parseInt(args[2]) : 9100;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build();
             LoadBalancerMetrics metrics = new LoadBalancerMetrics(lb)) {     // lb-micrometer: a MeterBinder
            lb.start(VirtualService.tcp("127.0.0.1", port)
                    .realServer(RealServer.of("127.0.0.1", server)).build()).join();
            metrics.bindTo(registry);                                          // meters follow services as they change
            HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", metricsPort), 0);
            http.createContext("/metrics", exchange -> {                       // what Prometheus scrapes
                byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            http.start();
            System.out.println("metrics at http://127.0.0.1:" + metricsPort + "/metrics; press Enter to stop");
            System.in.read();
            http.stop(0);
        }
    }
}
// end::metrics[]
