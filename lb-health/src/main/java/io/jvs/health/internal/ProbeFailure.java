package io.jvs.health.internal;

import java.time.Duration;
import java.util.concurrent.CompletionException;

/** A probe that failed in a way the probe itself noticed; its message is the reason, and it has no stack trace. */
final class ProbeFailure extends Exception {
    private static final long serialVersionUID = 1L;

    ProbeFailure(String message) {
        super(message, null, false, false);
    }

    /** Why a probe failed: its own reason, or a short description of the exception. */
    static String reason(Throwable t, Duration timeout) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        return cause instanceof ProbeFailure ? cause.getMessage() : Phrases.cause(cause, timeout);
    }
}
