package io.jvs.health;

import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * keepalived's {@code MISC_CHECK}: a probe runs a command (directly, not through a shell) and succeeds when it
 * exits with status 0. A command that runs past its timeout is killed (its child processes first) and counts
 * as a failure. Its output is discarded.
 *
 * <p>With {@link #dynamicWeight() dynamic weight} (keepalived's {@code misc_dynamic}) an exit status of 2-255
 * also counts as success and sets the real server's weight to the status minus 2, as keepalived does: status
 * 10 gives weight 8, and status 0 brings back the configured weight. Exactly, the check adds
 * {@code status - 2 - configured weight} to the server's configured weight, so several dynamic checks add up
 * as they do in keepalived. Status 1, or any other status without dynamic weight, is a failure.
 *
 * @since 0.1
 */
public final class CommandCheck implements HealthCheck {

    private final CheckSettings settings;
    private final List<String> command;
    private final Duration timeout;
    private final boolean dynamicWeight;

    private CommandCheck(CheckSettings settings, List<String> command, Duration timeout, boolean dynamicWeight) {
        this.settings = settings;
        this.command = command;
        this.timeout = timeout;
        this.dynamicWeight = dynamicWeight;
    }

    /**
     * A check that runs {@code command}: the program and its arguments.
     *
     * @throws IllegalArgumentException if the list is empty or the program name is empty
     */
    public static CommandCheck of(List<String> command) {
        Checks.checkNotNull(command, "command");
        List<String> copy = List.copyOf(command);
        Checks.checkArgument(!copy.isEmpty() && !copy.get(0).isEmpty(), "command", copy, "a program and its arguments");
        return new CommandCheck(CheckSettings.defaults(), copy, null, false);
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** The program and its arguments. */
    public List<String> command() {
        return command;
    }

    /** How long the command may run before it is killed (keepalived {@code misc_timeout}); by default one interval. */
    public Duration timeout() {
        return timeout == null ? settings.interval() : timeout;
    }

    /** Whether an exit status of 2-255 sets the weight (keepalived {@code misc_dynamic}). */
    public boolean dynamicWeight() {
        return dynamicWeight;
    }

    @Override
    public CommandCheck withSettings(CheckSettings settings) {
        return new CommandCheck(Checks.checkNotNull(settings, "settings"), command, timeout, dynamicWeight);
    }

    /**
     * A copy with another timeout.
     *
     * @throws IllegalArgumentException unless it is 1 ms to 1 day
     */
    public CommandCheck withTimeout(Duration timeout) {
        CheckSettings.checkDuration(timeout, Duration.ofMillis(1), Duration.ofDays(1), "timeout");
        return new CommandCheck(settings, command, timeout, dynamicWeight);
    }

    /** A copy with dynamic weight on or off. */
    public CommandCheck withDynamicWeight(boolean dynamicWeight) {
        return new CommandCheck(settings, command, timeout, dynamicWeight);
    }

    @Override
    public String kind() {
        return "MISC_CHECK";
    }

    @Override
    public String describe(InetSocketAddress server) {
        return kind() + " " + commandLine();
    }

    /** The command as a shell would read it, arguments with spaces or quotes in single quotes. */
    public String commandLine() {
        StringBuilder sb = new StringBuilder();
        for (String arg : command) {
            sb.append(sb.length() == 0 ? "" : " ");
            boolean plain = !arg.isEmpty() && arg.chars().allMatch(c -> c > ' ' && c != '\'' && c != '"' && c != '\\');
            sb.append(plain ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CommandCheck)) {
            return false;
        }
        CommandCheck that = (CommandCheck) o;
        return dynamicWeight == that.dynamicWeight && settings.equals(that.settings) && command.equals(that.command)
                && timeout().equals(that.timeout());
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, command, timeout(), dynamicWeight);
    }

    @Override
    public String toString() {
        return "MISC_CHECK[" + commandLine() + " timeout=" + timeout() + (dynamicWeight ? " dynamic" : "") + " "
                + settings + "]";
    }
}
