/**
 * JVS public API: {@link io.jvs.api.VirtualService} and {@link io.jvs.api.RealServer} describe what to
 * balance, {@link io.jvs.api.Scheduler} is how servers are picked, and {@link io.jvs.api.LoadBalancer} is the
 * running director.
 *
 * <p>Values are immutable and thread-safe. Methods reject {@code null} arguments with
 * {@link java.lang.NullPointerException} naming the parameter, and out-of-range values with
 * {@link java.lang.IllegalArgumentException} in the form {@code weight: 70000 (expected: 0-65535)}.
 *
 * <p>The words are those of Linux Virtual Server: a virtual service (VS) at a virtual IP (VIP) spreads
 * connections from clients (CIP) over real servers (RS, at RIP:port).
 */
package io.jvs.api;
