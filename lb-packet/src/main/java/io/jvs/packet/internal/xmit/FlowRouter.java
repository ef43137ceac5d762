package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.PacketView;

/**
 * Where a packet to a VIP goes: the connection-table look-up and, for a new flow, admission and placement. Phase 2
 * implements it on lb-core's {@code ServiceBinding} ({@code open} for TCP/UDP, {@code lookup} for ICMP errors);
 * tests implement it with fixed rules.
 *
 * <p>Called on a worker thread for every packet to a VIP; must not block and should not allocate.
 */
@FunctionalInterface
public interface FlowRouter {

    /**
     * The route for the packet's flow ({@link PacketView#flowProtocol()}, {@link PacketView#flowClient()}, ...),
     * or null to drop it (counted as {@link Counter#REFUSED}). For an ICMP error ({@link PacketView#isIcmpError()})
     * only an existing flow may be found; nothing is admitted.
     */
    Route route(PacketView packet);
}
