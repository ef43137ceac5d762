package io.jvs.cli;

/**
 * Runs an action on SIGINT or SIGTERM instead of letting the JVM exit at once, so a foreground command can close
 * its sockets and exit 0. Falls back to a shutdown hook where {@code sun.misc.Signal} is not available.
 */
public final class Signals {

    private Signals() {}

    /** Runs {@code action} on SIGINT or SIGTERM (once per signal). */
    public static void onTermination(Runnable action) {
        try {
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
            }
        } catch (Throwable t) { // IllegalArgumentException, or the class is missing
            Runtime.getRuntime().addShutdownHook(new Thread(action, "jvs-shutdown"));
        }
    }
}
