/**
 * Micrometer metrics for JVS: {@link io.jvs.micrometer.LoadBalancerMetrics} binds the services, real servers and
 * connection table of any {@link io.jvs.api.LoadBalancer} to a {@code MeterRegistry}. A separate module, so that
 * {@code lb-core} does not make its users depend on Micrometer.
 */
module io.jvs.micrometer {
    requires transitive io.jvs.api;
    requires transitive micrometer.core;

    exports io.jvs.micrometer;
}
