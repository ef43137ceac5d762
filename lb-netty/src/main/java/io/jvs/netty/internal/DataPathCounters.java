package io.jvs.netty.internal;

import io.jvs.api.Refusal;
import io.jvs.core.Outcome;
import io.jvs.netty.DataPathStats;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The Netty data path's counters and its rate-limited logs, shared by the acceptors, relays and UDP listeners of every
 * event loop. Counters are {@link LongAdder}s (striped: loops on different cores do not meet on one cache line);
 * {@link #stats()} sums them.
 */
final class DataPathCounters {

    private static final Logger LOG = System.getLogger("io.jvs.netty.NettyLoadBalancer");
    private static final Refusal[] REFUSALS = Refusal.values();

    final AtomicInteger open = new AtomicInteger();
    final LongAdder accepted = new LongAdder();
    private final LongAdder[] refused = new LongAdder[REFUSALS.length];
    final LongAdder serviceLimitHeld = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder localAddressFailures = new LongAdder();
    final LongAdder acceptPauses = new LongAdder();
    final AtomicInteger udpFlows = new AtomicInteger();
    final LongAdder udpOversized = new LongAdder();
    final LongAdder udpDropped = new LongAdder();

    final RateLimitedLog outOfFilesLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog acceptErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog localAddressLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog proxyProtocolLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog natLog = new RateLimitedLog(LOG, Level.ERROR);
    final RateLimitedLog relayErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpErrorLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpLimitLog = new RateLimitedLog(LOG, Level.WARNING);
    final RateLimitedLog udpOversizeLog = new RateLimitedLog(LOG, Level.WARNING);

    DataPathCounters() {
        for (int i = 0; i < refused.length; i++) {
            refused[i] = new LongAdder();
        }
    }

    /** Counts {@code outcome} if it is a refusal. */
    void count(Outcome outcome) {
        Refusal r = outcome.refusal();
        if (r != null) {
            refused[r.ordinal()].increment();
        }
    }

    /** Counts a refusal. */
    void count(Refusal reason) {
        refused[reason.ordinal()].increment();
    }

    /** A datagram longer than {@code max} was dropped. */
    void udpOversized(int length, int max) {
        udpOversized.increment();
        udpOversizeLog.log(() -> "dropped a UDP datagram of " + length + " bytes or more: longer than " + max
                + " bytes (maxDatagramSize)");
    }

    DataPathStats stats() {
        Map<Refusal, Long> r = new EnumMap<>(Refusal.class);
        for (Refusal x : REFUSALS) {
            r.put(x, refused[x.ordinal()].sum());
        }
        return new DataPathStats(open.get(), accepted.sum(), r, serviceLimitHeld.sum(), connectFailures.sum(),
                localAddressFailures.sum(), acceptPauses.sum(), udpFlows.get(), udpOversized.sum(), udpDropped.sum());
    }
}
