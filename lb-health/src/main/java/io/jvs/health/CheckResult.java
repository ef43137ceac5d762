package io.jvs.health;

import io.jvs.api.ServiceId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * The outcome of one probe of a real server.
 *
 * @param service the checked service ({@link CheckedService#id()})
 * @param server the real server probed
 * @param check what was probed, as {@link HealthCheck#describe} puts it
 * @param healthy whether the probe succeeded
 * @param message what was seen: for example {@code connected}, {@code HTTP 200}, {@code exit 3},
 *     {@code connection refused}, {@code timed out after 50 ms}
 * @param latency how long the probe took
 * @param time when it finished
 * @since 0.1
 */
public record CheckResult(ServiceId service, InetSocketAddress server, String check, boolean healthy, String message,
        Duration latency, Instant time) {}
