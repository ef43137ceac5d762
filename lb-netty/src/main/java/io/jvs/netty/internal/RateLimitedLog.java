package io.jvs.netty.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Logs at most one line per interval for one kind of data-path event, so that a flood cannot flood the log. */
final class RateLimitedLog {

    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Logger logger;
    private final Level level;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
    private final AtomicLong suppressed = new AtomicLong();

    RateLimitedLog(Logger logger, Level level) {
        this.logger = logger;
        this.level = level;
    }

    /**
     * Logs the message unless a line was logged less than ten seconds ago; then it only counts, without building the
     * message (these logs sit on paths a flood drives, one call per dropped datagram or refused client).
     */
    void log(Supplier<String> message) {
        log(message, null);
    }

    /** Logs the message with the stack trace of {@code cause}, at most once per interval. */
    void log(Supplier<String> message, Throwable cause) {
        long now = System.nanoTime();
        long n = next.get();
        if ((n != Long.MIN_VALUE && now - n < 0) || !next.compareAndSet(n, now + INTERVAL_NANOS)) {
            suppressed.incrementAndGet();
            return;
        }
        long s = suppressed.getAndSet(0);
        String m = s == 0 ? message.get() : message.get() + " (" + s + " similar lines suppressed)";
        if (cause == null) {
            logger.log(level, m);
        } else {
            logger.log(level, m, cause);
        }
    }
}
