package io.jvs.core.internal;

import io.jvs.api.Ticker;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * A service's log on the data path: at most one line a second, in IPVS's form
 * ({@code wlc: TCP 10.0.0.1:80 - no destination available}). Callers build the line only when {@link #due()} says
 * so, so a flood of refusals costs no allocation:
 *
 * <pre>{@code if (log.due()) log.write(Level.WARNING, scheduler + ": " + id + " - no destination available");}</pre>
 */
final class ServiceLog {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");
    private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Ticker ticker;
    private volatile long last;

    ServiceLog(Ticker ticker) {
        this.ticker = ticker;
    }

    /** Whether a line may be written now (no line in the last second); if so, the second is taken. */
    boolean due() {
        long now = ticker.nanoTime();
        long l = last;
        if (l == 0 || now - l >= INTERVAL_NANOS) {
            last = now | 1;
            return true;
        }
        return false;
    }

    /** Writes a line (after {@link #due()}). */
    void write(Level level, String message) {
        LOG.log(level, message);
    }
}
