package io.jvs.ipvsadm;

import io.jvs.api.LoadBalancer;
import io.jvs.api.internal.Checks;
import io.jvs.ipvsadm.internal.Command;
import io.jvs.ipvsadm.internal.CommandLine;
import io.jvs.ipvsadm.internal.Engine;
import io.jvs.ipvsadm.internal.Names;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The ipvsadm command language over a {@link LoadBalancer}: give it the arguments of an {@code ipvsadm} command
 * line and it parses them as ipvsadm 1.31 does, checks them with ipvsadm's rules, applies the command to the load
 * balancer and returns what ipvsadm would have printed and the status it would have exited with.
 *
 * <pre>{@code
 * Ipvsadm ipvsadm = Ipvsadm.of(lb);
 * ipvsadm.execute("-A", "-t", "10.0.0.1:80", "-s", "wrr");
 * ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:8080", "-w", "3");
 * System.out.print(ipvsadm.execute("-Ln").stdout());
 * }</pre>
 *
 * <p>Every command of ipvsadm 1.31 that applies to JVS is there: {@code -A -E -D -C -R -S -a -e -d -L -Z --set -h
 * -v}, with their options, error messages and exit statuses (2 for a bad argument, 255 for a refused operation or
 * an unusable command line, 1 for a listing error). Refusals of the load balancer print ipvsadm's kernel-error
 * messages ({@code Service already exists}, {@code No such destination}, ...). JVS adds two options:
 * {@code --fullnat}, the forwarding method of a socket data path (and the default where the data path supports it),
 * and {@code --endpoints tcp:HOST:PORT,...}, the addresses a firewall-mark service ({@code -f}) listens on. The
 * sync daemon commands ({@code --start-daemon}, {@code --stop-daemon}, {@code -L --daemon}) drive the
 * {@link SyncDaemon} given to {@link #of(LoadBalancer, SyncDaemon)}; without one they say the daemon is not supported
 * (status 2).
 *
 * <p>Thread-safe: commands run one at a time, so a {@code -R} restore is not interleaved with other commands of
 * the same {@code Ipvsadm}. Listings without {@code -n} look host and service names up, which may block.
 *
 * @since 0.1
 */
public final class Ipvsadm {

    /** How long a command waits for the data path to bind or release a service's listeners. */
    static final Duration DATA_PATH_TIMEOUT = Duration.ofSeconds(30);

    private final Engine engine;

    private Ipvsadm(LoadBalancer lb, SyncDaemon daemon, Names names) {
        this.engine = new Engine(lb, daemon, names, DATA_PATH_TIMEOUT);
    }

    /**
     * The command language over {@code lb}; host and service names are looked up with the system resolver and
     * {@code /etc/services}.
     *
     * @throws NullPointerException if {@code lb} is null
     */
    public static Ipvsadm of(LoadBalancer lb) {
        return new Ipvsadm(Checks.checkNotNull(lb, "lb"), null, Names.system());
    }

    /**
     * The command language over {@code lb}, with {@code --start-daemon}, {@code --stop-daemon} and
     * {@code -L --daemon} driving {@code daemon}.
     *
     * @throws NullPointerException if an argument is null
     * @since 0.1
     */
    public static Ipvsadm of(LoadBalancer lb, SyncDaemon daemon) {
        return new Ipvsadm(Checks.checkNotNull(lb, "lb"), Checks.checkNotNull(daemon, "daemon"), Names.system());
    }

    /** For tests: names from a fixed table instead of the system's. */
    static Ipvsadm of(LoadBalancer lb, Names names) {
        return new Ipvsadm(lb, null, names);
    }

    /** For tests: a sync daemon and names from a fixed table. */
    static Ipvsadm of(LoadBalancer lb, SyncDaemon daemon, Names names) {
        return new Ipvsadm(lb, daemon, names);
    }

    /**
     * Runs one command line, given as the words after {@code ipvsadm}; standard input is empty (so {@code -R}
     * restores nothing). No arguments lists the table, as {@code ipvsadm} alone does.
     *
     * @throws NullPointerException if an argument is null
     */
    public Result execute(String... args) {
        return execute(Arrays.asList(args), "");
    }

    /**
     * Runs one command line with {@code stdin} as its standard input, which {@code -R} reads (one command per
     * line, as {@code ipvsadm -S} writes them).
     *
     * @throws NullPointerException if an argument is null
     */
    public Result execute(List<String> args, String stdin) {
        Checks.checkNotNull(args, "args");
        Checks.checkNotNull(stdin, "stdin");
        List<String> copy = List.copyOf(args);
        Engine.Outcome o;
        synchronized (engine) {
            o = engine.run(copy, stdin);
        }
        return new Result(o.stdout, o.stderr, o.status);
    }

    /**
     * Whether the command line reads standard input (it is {@code -R}), so a client knows to send it. Only the
     * command is looked at.
     */
    public static boolean readsStdin(List<String> args) {
        return CommandLine.peek(args) == Command.RESTORE;
    }

    /** Whether the command line is one that changes the table (anything but a listing, -S, -h and -v). */
    public static boolean modifies(List<String> args) {
        Command cmd = CommandLine.peek(args);
        return cmd != null && cmd.modifies();
    }

    /**
     * What a command printed and how it ended.
     *
     * @param stdout what ipvsadm prints on standard output (listings, {@code -S}, {@code -h})
     * @param stderr what it prints on standard error: one line per error, in ipvsadm's words
     * @param status the exit status: 0 success, 1 a listing error, 2 a bad argument, 255 a refused operation or an
     *     unusable command line
     * @since 0.1
     */
    public record Result(String stdout, String stderr, int status) {

        /** Checks the values. */
        public Result {
            Checks.checkNotNull(stdout, "stdout");
            Checks.checkNotNull(stderr, "stderr");
            Checks.checkInRange(status, 0, 255, "status");
        }

        /** Whether the command succeeded (status 0). */
        public boolean ok() {
            return status == 0;
        }
    }
}
