package io.jvs.api;

/**
 * The memory defence of a director, modelled on IPVS's {@code amemthresh} with {@code drop_entry} and
 * {@code drop_packet} in their automatic modes: once a second it measures the memory left (heap and direct
 * buffers), and while that is below the threshold it drops the oldest entries that hold no open connection and
 * refuses a share of new connections that grows as memory runs out (all of them with nothing left).
 *
 * @param enabled whether the defence runs
 * @param thresholdBytes the threshold: below this much memory left the defence acts (0 when disabled)
 * @param availableBytes the memory left at the last measurement (-1 when disabled or not measured yet)
 * @param underPressure whether the last measurement was below the threshold
 * @param refusing one new connection in this many is refused now (1: every one); 0 while not refusing
 * @param entriesDropped entries dropped early since the start because memory was short
 * @param connectionsRefused new connections and flows refused since the start because memory was short
 * @since 0.1
 */
public record MemoryDefenceStatus(boolean enabled, long thresholdBytes, long availableBytes, boolean underPressure,
        int refusing, long entriesDropped, long connectionsRefused) {

    /** A load balancer without a memory defence. */
    public static final MemoryDefenceStatus DISABLED = new MemoryDefenceStatus(false, 0, -1, false, 0, 0, 0);
}
