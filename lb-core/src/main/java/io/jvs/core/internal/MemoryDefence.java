package io.jvs.core.internal;

import io.jvs.api.MemoryDefenceStatus;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * IPVS's memory defences ({@code update_defense_level} with {@code drop_entry} and {@code drop_packet} in their
 * automatic modes), run once a second on the director's timer: while the memory left is below the threshold
 * ({@code amemthresh}) the connection table drops its oldest entries that hold no open connection, and one new
 * flow in {@code threshold / (threshold - available)} is refused, so refusals grow from rare to all as memory runs
 * out. Leaving the threshold ends both at once.
 */
public final class MemoryDefence {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");

    private final long threshold;
    private final LongSupplier available;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final AtomicInteger countdown = new AtomicInteger();
    /** One new flow in this many is refused; 0: none. Read on every new flow. */
    private volatile int rate;
    private volatile long lastAvailable = -1;
    private boolean pressure;

    /**
     * @param threshold bytes; 0 disables the defence
     * @param available measures the memory left, in bytes; null for the default ({@link MemoryMeter})
     */
    public MemoryDefence(long threshold, LongSupplier available) {
        this.threshold = threshold;
        this.available = available != null ? available : MemoryMeter.INSTANCE;
    }

    /** The default threshold: a sixteenth of the maximum heap, at most 64 MiB. */
    public static long defaultThreshold() {
        return Math.min(64L << 20, MemoryMeter.maxHeap() / 16);
    }

    boolean enabled() {
        return threshold > 0;
    }

    /**
     * Measures, and sets the refusal rate (timer thread).
     *
     * @return whether memory is short, so that entries should be dropped
     */
    boolean update() {
        if (threshold <= 0) {
            return false;
        }
        long a;
        try {
            a = available.getAsLong();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "measuring the memory left failed: " + e);
            return false;
        }
        lastAvailable = a;
        boolean low = a < threshold;
        if (low) {
            long r = a <= 0 ? 1 : Math.max(1, threshold / (threshold - a));
            rate = (int) Math.min(Integer.MAX_VALUE, r);
        } else {
            rate = 0;
        }
        if (low != pressure) {
            pressure = low;
            LOG.log(low ? Level.WARNING : Level.INFO, low
                    ? "memory is short (" + (a >> 20) + " MiB left, threshold " + (threshold >> 20)
                            + " MiB): dropping idle entries and refusing one new connection in " + rate
                    : "memory is no longer short (" + (a >> 20) + " MiB left): new connections are accepted again");
        }
        return low;
    }

    /** Whether to refuse this new flow (packet path; counts the refusal). */
    boolean refuse() {
        int r = rate;
        if (r == 0) {
            return false;
        }
        if (countdown.decrementAndGet() > 0) {
            return false;
        }
        countdown.set(r);
        refused.increment();
        return true;
    }

    void dropped(int n) {
        dropped.add(n);
    }

    MemoryDefenceStatus status() {
        if (threshold <= 0) {
            return MemoryDefenceStatus.DISABLED;
        }
        return new MemoryDefenceStatus(true, threshold, lastAvailable, rate > 0, rate, dropped.sum(), refused.sum());
    }
}
