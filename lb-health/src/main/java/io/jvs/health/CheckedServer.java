package io.jvs.health;

import io.jvs.api.RealServer;
import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A real server and how its health is watched: its checks, and what happens when it fails and recovers. An
 * immutable value; the {@code with*} methods return modified copies.
 *
 * <p>The server is up while every one of its checks is up; a server without checks is always up. When it goes
 * down it is removed from its services, or, with {@link #inhibitOnFailure() inhibit on failure}, kept at
 * weight 0 (keepalived's {@code inhibit_on_failure}). Either way its established connections continue. When it
 * comes back its weight is restored, at once or ramped up over the {@link #slowStart() slow-start} period.
 *
 * <pre>{@code
 * CheckedServer web1 = CheckedServer.of(RealServer.of("10.0.0.11", 80).withWeight(3))
 *         .withChecks(HealthCheck.httpGet("/health"))
 *         .withInhibitOnFailure(true)
 *         .withSlowStart(Duration.ofSeconds(30))
 *         .withPassive(true);
 * }</pre>
 *
 * @since 0.1
 */
public final class CheckedServer {

    private static final Duration MAX_SLOW_START = Duration.ofDays(1);

    private final RealServer server;
    private final List<HealthCheck> checks;
    private final boolean inhibitOnFailure;
    private final Duration slowStart;
    private final boolean passive;

    private CheckedServer(RealServer server, List<HealthCheck> checks, boolean inhibitOnFailure, Duration slowStart,
            boolean passive) {
        for (HealthCheck c : checks) {
            ConnectOptions o = connectOptions(c);
            if (o != null && o.port() == 0 && server.address().getPort() == 0) {
                throw new IllegalArgumentException("connectOptions.port: 0 (expected: 1-65535 for the " + c.kind()
                        + " of " + Addresses.toString(server.address()) + ", a real server without a port)");
            }
        }
        this.server = server;
        this.checks = checks;
        this.inhibitOnFailure = inhibitOnFailure;
        this.slowStart = slowStart;
        this.passive = passive;
    }

    /** The connect options of a network check, or {@code null} for commands and predicates. */
    static ConnectOptions connectOptions(HealthCheck c) {
        if (c instanceof TcpCheck) {
            return ((TcpCheck) c).connectOptions();
        }
        if (c instanceof HttpGetCheck) {
            return ((HttpGetCheck) c).connectOptions();
        }
        if (c instanceof SmtpCheck) {
            return ((SmtpCheck) c).connectOptions();
        }
        return c instanceof UdpCheck ? ((UdpCheck) c).connectOptions() : null;
    }

    /** The real server with no checks (always up), removed on failure, no slow start, no passive checks. */
    public static CheckedServer of(RealServer server) {
        return new CheckedServer(Checks.checkNotNull(server, "server"), List.of(), false, Duration.ZERO, false);
    }

    /** The real server, with its configured weight. */
    public RealServer server() {
        return server;
    }

    /** The real server's address and port. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** Its checks; the server is up while all of them are. */
    public List<HealthCheck> checks() {
        return checks;
    }

    /** Whether a failed server is kept at weight 0 rather than removed (keepalived {@code inhibit_on_failure}). */
    public boolean inhibitOnFailure() {
        return inhibitOnFailure;
    }

    /**
     * Over how long a recovered server's weight ramps up from 1 to its full weight, in up to ten steps
     * (HAProxy's {@code slowstart}); {@link Duration#ZERO} restores the full weight at once.
     */
    public Duration slowStart() {
        return slowStart;
    }

    /**
     * Whether connections the data path fails to open to this server count as failed check results (each
     * {@link io.jvs.api.LoadBalancerListener#connectFailed} report counts once toward every check's fall).
     */
    public boolean passive() {
        return passive;
    }

    /**
     * A copy with another real server definition (weight, thresholds, forwarding method).
     *
     * @throws IllegalArgumentException if a check needs a port the server does not have
     */
    public CheckedServer withServer(RealServer server) {
        return new CheckedServer(Checks.checkNotNull(server, "server"), checks, inhibitOnFailure, slowStart, passive);
    }

    /**
     * A copy with these checks instead of the current ones.
     *
     * @throws IllegalArgumentException if a network check of a server without a port has no connect port
     */
    public CheckedServer withChecks(HealthCheck... checks) {
        return withChecks(Arrays.asList(Checks.checkNotNull(checks, "checks")));
    }

    /**
     * A copy with these checks instead of the current ones.
     *
     * @throws IllegalArgumentException if a network check of a server without a port has no connect port
     */
    public CheckedServer withChecks(List<? extends HealthCheck> checks) {
        Checks.checkNotNull(checks, "checks");
        checks.forEach(c -> Checks.checkNotNull(c, "check"));
        return new CheckedServer(server, List.copyOf(checks), inhibitOnFailure, slowStart, passive);
    }

    /** A copy that keeps a failed server at weight 0, or removes it. */
    public CheckedServer withInhibitOnFailure(boolean inhibit) {
        return new CheckedServer(server, checks, inhibit, slowStart, passive);
    }

    /**
     * A copy with another slow-start period.
     *
     * @throws IllegalArgumentException unless it is 0 to 1 day
     */
    public CheckedServer withSlowStart(Duration slowStart) {
        CheckSettings.checkDuration(slowStart, Duration.ZERO, MAX_SLOW_START, "slowStart");
        return new CheckedServer(server, checks, inhibitOnFailure, slowStart, passive);
    }

    /** A copy that counts the data path's connect failures toward fall, or not. */
    public CheckedServer withPassive(boolean passive) {
        return new CheckedServer(server, checks, inhibitOnFailure, slowStart, passive);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CheckedServer)) {
            return false;
        }
        CheckedServer that = (CheckedServer) o;
        return inhibitOnFailure == that.inhibitOnFailure && passive == that.passive && server.equals(that.server)
                && checks.equals(that.checks) && slowStart.equals(that.slowStart);
    }

    @Override
    public int hashCode() {
        return Objects.hash(server, checks, inhibitOnFailure, slowStart, passive);
    }

    /** For example {@code 10.0.0.11:80 FullNat weight 3 [HTTP_GET[...]] inhibit slowStart=PT30S passive}. */
    @Override
    public String toString() {
        return server + " " + checks + (inhibitOnFailure ? " inhibit" : "")
                + (slowStart.isZero() ? "" : " slowStart=" + slowStart) + (passive ? " passive" : "");
    }
}
