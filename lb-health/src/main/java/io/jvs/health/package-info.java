/**
 * Health checking for JVS, modelled on keepalived's checkers for IPVS.
 *
 * <p>Definitions are immutable values: a {@link io.jvs.health.HealthCheck} ({@link io.jvs.health.TcpCheck},
 * {@link io.jvs.health.HttpGetCheck} (HTTP and HTTPS), {@link io.jvs.health.SmtpCheck},
 * {@link io.jvs.health.UdpCheck}, {@link io.jvs.health.CommandCheck}, {@link io.jvs.health.PredicateCheck})
 * with its {@link io.jvs.health.CheckSettings}; a {@link io.jvs.health.CheckedServer} (a real server, its checks,
 * inhibit on failure, slow start, passive checks); a {@link io.jvs.health.CheckedService} (virtual services that
 * share checked servers, quorum, hysteresis, sorry server). A {@link io.jvs.health.HealthChecker} runs them on any
 * {@link io.jvs.api.LoadBalancer}, reports {@link io.jvs.health.HealthEvent}s and {@link io.jvs.health.CheckResult}s
 * to {@link io.jvs.health.HealthListener}s, and answers {@link io.jvs.health.ServiceHealth} snapshots.
 *
 * <p>Threading: definitions may be shared freely; the checker is thread-safe; listeners are called one at a time,
 * in order, on the checker's threads and never under its locks. keepalived.conf is read by the module
 * {@code io.jvs.keepalived} (artifact lb-keepalived).
 */
package io.jvs.health;
