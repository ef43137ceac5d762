package io.jvs.cli;

import io.jvs.cli.daemon.DaemonCommand;
import io.jvs.cli.demo.Demo;
import io.jvs.cli.proxy.ProxyCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.logging.LogManager;

/**
 * The {@code jvs} launcher: {@code jvs demo}, {@code jvs proxy ...} and {@code jvs daemon ...}. {@code bin/jvs}
 * builds the jar on first use and runs this class.
 */
public final class Jvs {

    static final String USAGE = String.join("\n",
            "usage: jvs demo",
            "       jvs " + ProxyCommand.USAGE.substring("usage: jvs ".length()),
            "       jvs daemon [--config FILE | --rules FILE] [--admin PATH|HOST:PORT] [--admin-token-file FILE]",
            "                  [--http [HOST:]PORT] [--transport ...] [--threads N]",
            "       jvs daemon --reload [--allow-empty] [--admin PATH|HOST:PORT]",
            "       jvs COMMAND --help",
            "",
            "  demo    three real servers behind a wrr virtual service; 60 connections; the table",
            "  proxy   a foreground TCP load balancer (Ctrl-C or SIGTERM stops it)",
            "  daemon  a foreground director driven with jvsadm (ipvsadm's commands) on an admin socket, serving",
            "          a keepalived.conf with health checks (--config), a status page and metrics (--http)");

    /** Held so the level set for the demo is not garbage-collected away. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger("io.jvs");

    private Jvs() {}

    public static void main(String[] args) {
        configureLogging();
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a sub-command and returns its exit status. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "demo":
                QUIET.setLevel(java.util.logging.Level.WARNING); // the demo prints its own story
                return Demo.run(out, err);
            case "proxy":
                return ProxyCommand.run(rest, out, err);
            case "daemon":
                return DaemonCommand.run(rest, out, err);
            case "-h":
            case "--help":
            case "help":
                out.println(USAGE);
                return 0;
            default:
                err.println("jvs: unknown command '" + args[0] + "'");
                err.println(USAGE);
                return 2;
        }
    }

    /** One line per log record on stderr, unless the user configured logging. */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null) {
            return;
        }
        try (InputStream in = Jvs.class.getResourceAsStream("logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            // Keep the JDK's defaults.
        }
    }
}
