package io.jvs.cli;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an action on SIGINT or SIGTERM instead of letting the JVM exit at once, so a foreground command can close
 * its sockets and exit 0. Falls back to a shutdown hook where {@code sun.misc.Signal} is not available.
 */
public final class Signals {

    private static final Logger LOG = System.getLogger("io.jvs.cli");

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

    /**
     * Waits for {@code stop}, then closes {@code what}; if closing takes longer than {@code deadline} (a client
     * that keeps the process busy, a stuck thread), the process exits with status 1 regardless: a command must stop
     * when it is told to.
     */
    public static void awaitThenClose(CountDownLatch stop, AutoCloseable what, Duration deadline, String command) {
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(deadline.toMillis());
            } catch (InterruptedException e) {
                return; // closed in time
            }
            LOG.log(Level.ERROR, command + ": stopping took longer than " + deadline.toSeconds() + " s; exiting now");
            System.err.flush();
            Runtime.getRuntime().halt(1);
        }, "jvs-stop-deadline");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            what.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, command + ": closing failed: " + e);
        } finally {
            watchdog.interrupt();
        }
    }
}
