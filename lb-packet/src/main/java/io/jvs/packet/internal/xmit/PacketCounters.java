package io.jvs.packet.internal.xmit;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One worker's {@link Counter}s: written only by that worker (plain increments published with opaque stores,
 * no atomics), read by anyone ({@link #get}), summed across workers by the caller.
 */
public final class PacketCounters {

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);
    private static final Counter[] ALL = Counter.values();

    private final long[] values = new long[ALL.length];

    /** Adds one to {@code c} (the owning worker only). */
    public void increment(Counter c) {
        add(c, 1);
    }

    /** Adds {@code n} to {@code c} (the owning worker only). */
    public void add(Counter c, long n) {
        int i = c.ordinal();
        SLOT.setOpaque(values, i, (long) SLOT.getOpaque(values, i) + n);
    }

    /** The current value of {@code c} (any thread). */
    public long get(Counter c) {
        return (long) SLOT.getOpaque(values, c.ordinal());
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("{");
        for (Counter c : ALL) {
            long v = get(c);
            if (v != 0) {
                sb.append(sb.length() > 1 ? ", " : "").append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(v);
            }
        }
        return sb.append('}').toString();
    }
}
