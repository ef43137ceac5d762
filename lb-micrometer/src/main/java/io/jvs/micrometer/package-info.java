/**
 * A Micrometer {@code MeterBinder} for a JVS {@link io.jvs.api.LoadBalancer}; see {@link io.jvs.micrometer.LoadBalancerMetrics}.
 */
package io.jvs.micrometer;
