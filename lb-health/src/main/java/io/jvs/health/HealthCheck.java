package io.jvs.health;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Predicate;

/**
 * A way to probe a real server: {@link TcpCheck connect over TCP}, {@link HttpGetCheck send an HTTP GET} (over
 * TLS too), {@link SmtpCheck greet an SMTP server}, {@link UdpCheck send a UDP datagram},
 * {@link CommandCheck run a command} or {@link PredicateCheck call Java code}, with the {@link CheckSettings}
 * that say when and how its results count. Checks are immutable definitions; a {@link HealthChecker} runs them.
 *
 * <pre>{@code
 * HealthCheck tcp = HealthCheck.tcp();                                        // TCP_CHECK
 * HealthCheck http = HealthCheck.httpGet("/health")                           // HTTP_GET { url { path /health } }
 *         .withSettings(CheckSettings.defaults().withInterval(Duration.ofSeconds(2)).withFall(3));
 * HealthCheck script = HealthCheck.command("/usr/local/bin/check-db", "--quick") // MISC_CHECK
 *         .withDynamicWeight(true);                                         //   misc_dynamic
 * HealthCheck app = HealthCheck.predicate("cache warm", server -> cache.isWarm(server));
 * }</pre>
 *
 * <p>Network checks run on event loops without blocking; commands and predicates run on a small pool of
 * their own, off the event loops, and are abandoned (a command killed) when they overrun their timeout.
 *
 * @since 0.1
 */
public sealed interface HealthCheck permits TcpCheck, HttpGetCheck, SmtpCheck, UdpCheck, CommandCheck,
        PredicateCheck {

    /** When the check runs and how its results count. */
    CheckSettings settings();

    /** A copy with other settings. */
    HealthCheck withSettings(CheckSettings settings);

    /**
     * The kind of check as keepalived names it: {@code TCP_CHECK}, {@code HTTP_GET}, {@code SSL_GET},
     * {@code SMTP_CHECK}, {@code UDP_CHECK}, {@code MISC_CHECK}; or {@code PREDICATE}.
     */
    String kind();

    /**
     * What the check probes for a real server, for logs and status pages: for example
     * {@code TCP_CHECK 10.0.0.2:80} or {@code HTTP_GET http://10.0.0.2:80/health}.
     */
    String describe(InetSocketAddress server);

    /** A TCP connect check with default settings: healthy when the real server accepts a connection. */
    static TcpCheck tcp() {
        return TcpCheck.DEFAULT;
    }

    /**
     * An HTTP GET check of one path with default settings: healthy when the answer's status is 200-299.
     *
     * @throws IllegalArgumentException if the path is empty or contains white space or control characters
     */
    static HttpGetCheck httpGet(String path) {
        return HttpGetCheck.of(List.of(HttpGetCheck.Url.of(path)));
    }

    /**
     * An HTTPS GET check of one path with default settings (keepalived's {@code SSL_GET}): healthy when the answer's
     * status is 200-299; the server's certificate is not verified.
     *
     * @throws IllegalArgumentException if the path is empty or contains white space or control characters
     */
    static HttpGetCheck httpsGet(String path) {
        return httpGet(path).withTls(true);
    }

    /** An SMTP check with default settings: healthy when the server greets with 220 and answers HELO with 250. */
    static SmtpCheck smtp() {
        return SmtpCheck.of();
    }

    /** A UDP check with default settings: keepalived's datagram, healthy unless ICMP says the port is unreachable. */
    static UdpCheck udp() {
        return UdpCheck.of();
    }

    /**
     * A check that runs a command (no shell) and is healthy when it exits with status 0.
     *
     * @throws IllegalArgumentException if no command is given
     */
    static CommandCheck command(String... command) {
        return CommandCheck.of(List.of(command));
    }

    /**
     * A check that calls {@code predicate} with the real server's address, off the event loops: healthy when it
     * returns {@code true}; a throw or an overrun of the timeout counts as a failure.
     *
     * @param name what the predicate checks, for logs and status pages
     */
    static PredicateCheck predicate(String name, Predicate<InetSocketAddress> predicate) {
        return PredicateCheck.of(name, predicate);
    }
}
