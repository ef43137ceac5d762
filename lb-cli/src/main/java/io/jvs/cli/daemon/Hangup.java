package io.jvs.cli.daemon;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/** SIGHUP, keepalived's reload signal; without a handler the JVM would exit on it. */
final class Hangup {

    private static final Logger LOG = System.getLogger("io.jvs.cli.daemon");

    /** What became of the handler. */
    enum Outcome {
        /** SIGHUP runs the action. */
        HANDLED,
        /**
         * SIGHUP was ignored when the process started ({@code nohup}, or a parent that ignores it): the JVM keeps it
         * ignored and the action never runs.
         */
        IGNORED,
        /** The JVM cannot catch SIGHUP here ({@code -Xrs}, no {@code sun.misc.Signal}). */
        UNAVAILABLE
    }

    private Hangup() {}

    /** Runs {@code action} on every SIGHUP, on the JVM's signal thread, if it can. */
    static Outcome on(Runnable action) {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.log(Level.ERROR, "SIGHUP handling failed", e);
                }
            });
            // HotSpot leaves a signal that was ignored at start ignored, and reports it as the previous handler.
            return previous == sun.misc.SignalHandler.SIG_IGN ? Outcome.IGNORED : Outcome.HANDLED;
        } catch (Throwable t) { // IllegalArgumentException (signal in use, e.g. -Xrs), or no sun.misc.Signal
            LOG.log(Level.DEBUG, "SIGHUP cannot be caught here: " + t);
            return Outcome.UNAVAILABLE;
        }
    }
}
