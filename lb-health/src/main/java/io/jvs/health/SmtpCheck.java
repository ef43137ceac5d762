package io.jvs.health;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * keepalived's {@code SMTP_CHECK}: a probe connects, expects the server's greeting with code 220, sends
 * {@code HELO} with the {@link #heloName() HELO name}, expects 250, and sends {@code QUIT}. Any other code, a
 * closed connection or the settings' timeout (for the whole dialogue) fails the probe.
 *
 * @since 0.1
 */
public final class SmtpCheck implements HealthCheck {

    /** The name keepalived says {@code HELO} with unless {@code helo_name} is set. */
    public static final String DEFAULT_HELO_NAME = "smtpchecker.keepalived.org";

    static final SmtpCheck DEFAULT = new SmtpCheck(CheckSettings.defaults(), ConnectOptions.DEFAULT,
            DEFAULT_HELO_NAME);

    private final CheckSettings settings;
    private final ConnectOptions connectOptions;
    private final String heloName;

    private SmtpCheck(CheckSettings settings, ConnectOptions connectOptions, String heloName) {
        this.settings = settings;
        this.connectOptions = connectOptions;
        this.heloName = heloName;
    }

    /** An SMTP check with default settings, of the real server's own address and port. */
    public static SmtpCheck of() {
        return DEFAULT;
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** Where it connects. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    /** The name sent with {@code HELO} (keepalived {@code helo_name}). */
    public String heloName() {
        return heloName;
    }

    @Override
    public SmtpCheck withSettings(CheckSettings settings) {
        return new SmtpCheck(Checks.checkNotNull(settings, "settings"), connectOptions, heloName);
    }

    /** A copy that connects elsewhere. */
    public SmtpCheck withConnectOptions(ConnectOptions options) {
        return new SmtpCheck(settings, Checks.checkNotNull(options, "connectOptions"), heloName);
    }

    /**
     * A copy that says {@code HELO} with another name.
     *
     * @throws IllegalArgumentException if it is empty or contains white space or control characters
     */
    public SmtpCheck withHeloName(String heloName) {
        return new SmtpCheck(settings, connectOptions, HttpGetCheck.checkToken(heloName, "heloName", false));
    }

    @Override
    public String kind() {
        return "SMTP_CHECK";
    }

    @Override
    public String describe(InetSocketAddress server) {
        return kind() + " " + Addresses.toString(connectOptions.target(server));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SmtpCheck)) {
            return false;
        }
        SmtpCheck that = (SmtpCheck) o;
        return settings.equals(that.settings) && connectOptions.equals(that.connectOptions)
                && heloName.equals(that.heloName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, connectOptions, heloName);
    }

    @Override
    public String toString() {
        return "SMTP_CHECK[helo " + heloName
                + (connectOptions.equals(ConnectOptions.DEFAULT) ? "" : " " + connectOptions) + " " + settings + "]";
    }
}
