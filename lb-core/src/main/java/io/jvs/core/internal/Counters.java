package io.jvs.core.internal;

import io.jvs.api.Stats;
import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic counters of a service or real server: connections, packets and bytes in each direction. Adds are
 * striped ({@link LongAdder}), so event loops on different cores do not contend on one cache line; reads sum
 * on demand. Zeroing stores the current values as the zero point, as IPVS does, so it never races an add.
 */
public final class Counters {

    private final LongAdder connections = new LongAdder();
    private final LongAdder inPackets = new LongAdder();
    private final LongAdder outPackets = new LongAdder();
    private final LongAdder inBytes = new LongAdder();
    private final LongAdder outBytes = new LongAdder();
    private volatile Stats zeroPoint = Stats.ZERO;

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

    /** Makes the current values the zero point. */
    public void zero() {
        zeroPoint = new Stats(connections.sum(), inPackets.sum(), outPackets.sum(), inBytes.sum(), outBytes.sum());
    }
}
