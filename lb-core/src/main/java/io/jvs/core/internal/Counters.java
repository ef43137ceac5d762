package io.jvs.core.internal;

import io.jvs.api.Rates;
import io.jvs.api.Stats;
import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic counters of a service or real server: connections, packets and bytes in each direction. Adds are
 * striped ({@link LongAdder}), so event loops on different cores do not contend on one cache line; reads sum
 * on demand. Zeroing stores the current values as the zero point, as IPVS does, so it never races an add.
 *
 * <p>Rates come from IPVS's estimator ({@code ip_vs_est.c}), run every 2 seconds by {@link #estimate()}: per
 * counter, {@code delta = current - last}; the sample is {@code delta << 9} for connections and packets (the
 * per-second rate scaled by 2^10) and {@code delta << 4} for bytes (scaled by 2^5); the average moves a quarter
 * of the way to the sample, {@code avg += (sample - avg) >> 2}. Reported rates round the scaled average:
 * {@code (avg + 0x1FF) >> 10} and {@code (avg + 0xF) >> 5}.
 */
public final class Counters {

    private final LongAdder connections = new LongAdder();
    private final LongAdder inPackets = new LongAdder();
    private final LongAdder outPackets = new LongAdder();
    private final LongAdder inBytes = new LongAdder();
    private final LongAdder outBytes = new LongAdder();
    private volatile Stats zeroPoint = Stats.ZERO;
    // Estimator state: written only by the estimator thread (and by zero(), under the table lock).
    private final long[] last = new long[5];
    private final long[] avg = new long[5];
    private volatile Rates rates = Rates.ZERO;

    /** One connection scheduled. */
    public void connection() {
        connections.increment();
    }

    /** One packet (read) of {@code bytes} from the client. */
    public void inbound(int bytes) {
        inPackets.increment();
        inBytes.add(bytes);
    }

    /** One packet (read) of {@code bytes} from the real server. */
    public void outbound(int bytes) {
        outPackets.increment();
        outBytes.add(bytes);
    }

    /** The counters since the last {@link #zero()}. */
    public Stats snapshot() {
        Stats z = zeroPoint;
        return new Stats(connections.sum() - z.connections(), inPackets.sum() - z.inPackets(),
                outPackets.sum() - z.outPackets(), inBytes.sum() - z.inBytes(), outBytes.sum() - z.outBytes());
    }

    /** Makes the current values the zero point and restarts the estimator from them with all rates 0. */
    public synchronized void zero() {
        Stats now = new Stats(connections.sum(), inPackets.sum(), outPackets.sum(), inBytes.sum(), outBytes.sum());
        zeroPoint = now;
        long[] v = values(now);
        System.arraycopy(v, 0, last, 0, 5);
        java.util.Arrays.fill(avg, 0);
        rates = Rates.ZERO;
    }

    /** One 2-second step of the rate estimator. */
    public synchronized void estimate() {
        long[] v = values(new Stats(connections.sum(), inPackets.sum(), outPackets.sum(), inBytes.sum(),
                outBytes.sum()));
        for (int i = 0; i < 5; i++) {
            long delta = v[i] - last[i];
            last[i] = v[i];
            long sample = i < 3 ? delta << 9 : delta << 4;
            avg[i] += (sample - avg[i]) >> 2;
        }
        rates = new Rates((avg[0] + 0x1FF) >> 10, (avg[1] + 0x1FF) >> 10, (avg[2] + 0x1FF) >> 10,
                (avg[3] + 0xF) >> 5, (avg[4] + 0xF) >> 5);
    }

    /** The rates at the last estimator step. */
    public Rates rates() {
        return rates;
    }

    private static long[] values(Stats s) {
        return new long[] {s.connections(), s.inPackets(), s.outPackets(), s.inBytes(), s.outBytes()};
    }
}
