/**
 * Micrometer {@code MeterBinder}s for JVS: {@link io.jvs.micrometer.LoadBalancerMetrics} for any
 * {@link io.jvs.api.LoadBalancer}, {@link io.jvs.micrometer.HealthMetrics} for a {@code HealthChecker}.
 */
package io.jvs.micrometer;
