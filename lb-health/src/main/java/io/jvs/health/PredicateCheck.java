package io.jvs.health;

import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A check in Java: a probe calls the predicate with the real server's address and succeeds when it returns
 * {@code true}. It runs on the checker's command pool, never on an event loop, so it may block; when it runs
 * past the settings' timeout its thread is interrupted and the probe fails. A predicate that throws fails the
 * probe.
 *
 * <p>Two predicate checks are equal when they have the same name and the same predicate instance.
 *
 * @since 0.1
 */
public final class PredicateCheck implements HealthCheck {

    private final CheckSettings settings;
    private final String name;
    private final Predicate<InetSocketAddress> predicate;

    private PredicateCheck(CheckSettings settings, String name, Predicate<InetSocketAddress> predicate) {
        this.settings = settings;
        this.name = name;
        this.predicate = predicate;
    }

    /**
     * A predicate check with default settings.
     *
     * @throws IllegalArgumentException if the name is empty
     */
    public static PredicateCheck of(String name, Predicate<InetSocketAddress> predicate) {
        Checks.checkNotNull(name, "name");
        Checks.checkArgument(!name.isBlank(), "name", '"' + name + '"', "a description");
        return new PredicateCheck(CheckSettings.defaults(), name, Checks.checkNotNull(predicate, "predicate"));
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** What the predicate checks. */
    public String name() {
        return name;
    }

    /** The predicate. */
    public Predicate<InetSocketAddress> predicate() {
        return predicate;
    }

    @Override
    public PredicateCheck withSettings(CheckSettings settings) {
        return new PredicateCheck(Checks.checkNotNull(settings, "settings"), name, predicate);
    }

    @Override
    public String kind() {
        return "PREDICATE";
    }

    @Override
    public String describe(InetSocketAddress server) {
        return kind() + " " + name;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PredicateCheck)) {
            return false;
        }
        PredicateCheck that = (PredicateCheck) o;
        return settings.equals(that.settings) && name.equals(that.name) && predicate == that.predicate;
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, name, System.identityHashCode(predicate));
    }

    @Override
    public String toString() {
        return "PREDICATE[" + name + " " + settings + "]";
    }
}
