package io.jvs.cli.daemon;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** SIGHUP, keepalived's reload signal; without a handler the JVM would exit on it. */
final class Hangup {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");

    private Hangup() {}

    /** Runs {@code action} on every SIGHUP, on the JVM's signal thread; returns false if it cannot be caught. */
    static boolean on(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "SIGHUP handling failed", e);
                }
            });
            return true;
        } catch (Throwable t) { // IllegalArgumentException (signal in use, e.g. -Xrs), or no sun.misc.Signal
            LOG.log(Level.WARNING, "SIGHUP cannot be caught here (" + t + "); reloads are not available");
            return false;
        }
    }
}
