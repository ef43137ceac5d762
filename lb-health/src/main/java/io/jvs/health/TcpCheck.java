package io.jvs.health;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * keepalived's {@code TCP_CHECK}: a probe succeeds when the real server accepts a TCP connection within the
 * timeout. The connection is closed at once (with a reset, so probes leave no TIME_WAIT sockets behind).
 *
 * @since 0.1
 */
public final class TcpCheck implements HealthCheck {

    static final TcpCheck DEFAULT = new TcpCheck(CheckSettings.defaults(), ConnectOptions.DEFAULT);

    private final CheckSettings settings;
    private final ConnectOptions connectOptions;

    private TcpCheck(CheckSettings settings, ConnectOptions connectOptions) {
        this.settings = settings;
        this.connectOptions = connectOptions;
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** Where it connects. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    @Override
    public TcpCheck withSettings(CheckSettings settings) {
        return new TcpCheck(Checks.checkNotNull(settings, "settings"), connectOptions);
    }

    /** A copy that connects elsewhere. */
    public TcpCheck withConnectOptions(ConnectOptions options) {
        return new TcpCheck(settings, Checks.checkNotNull(options, "connectOptions"));
    }

    @Override
    public String kind() {
        return "TCP_CHECK";
    }

    @Override
    public String describe(InetSocketAddress server) {
        return kind() + " " + Addresses.toString(connectOptions.target(server));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TcpCheck && settings.equals(((TcpCheck) o).settings)
                && connectOptions.equals(((TcpCheck) o).connectOptions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, connectOptions);
    }

    @Override
    public String toString() {
        return "TCP_CHECK[" + (connectOptions.equals(ConnectOptions.DEFAULT) ? "" : connectOptions + " ") + settings + "]";
    }
}
