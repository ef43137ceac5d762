/**
 * Micrometer metrics for JVS: {@link io.jvs.micrometer.LoadBalancerMetrics} binds the services, real servers and
 * connection table of any {@link io.jvs.api.LoadBalancer} to a {@code MeterRegistry}, and
 * {@link io.jvs.micrometer.HealthMetrics} the health of the servers a {@code HealthChecker} checks, and
 * {@link io.jvs.micrometer.ClusterMetrics} a cluster member and its connection-sync stream. A separate
 * module, so that neither {@code lb-core} nor {@code lb-health} makes its users depend on Micrometer; lb-health and
 * lb-cluster are optional here.
 */
module io.jvs.micrometer {
    requires transitive io.jvs.api;
    requires transitive micrometer.core;
    requires static io.jvs.health;
    requires static io.jvs.cluster;

    exports io.jvs.micrometer;
}
