package io.jvs.packet.internal.xmit;

/** What happened to received frames: one counter each, kept per worker ({@link PacketCounters}). */
public enum Counter {
    /** Frames received. */
    RX_FRAMES,
    /** Bytes received. */
    RX_BYTES,
    /** Frames forwarded to a real server (DR or TUN). */
    FORWARDED,
    /** ICMP errors for the VIP relayed to the flow's real server. */
    ICMP_RELAYED,
    /** Frames not for a VIP, or of a kind the director leaves to the kernel (ignored, not dropped). */
    NOT_OURS,
    /** Frames shorter than a header or the length a header claims, or cut to the ring's frame size. */
    TRUNCATED,
    /** Frames with an impossible header field. */
    MALFORMED,
    /** IPv4 headers with a wrong checksum. */
    BAD_CHECKSUM,
    /** IPv4 fragments to a VIP (fanout DEFRAG reassembles them first; the rest are dropped). */
    FRAGMENT,
    /** GSO super-frames, and packets over the MTU without DF (dropped; IPVS would fragment). */
    TOO_BIG,
    /** Packets over the MTU with DF set: answered with ICMP fragmentation needed. */
    FRAG_NEEDED,
    /** Packets whose TTL ran out: answered with ICMP time exceeded. */
    TTL_EXPIRED,
    /** Packets the flow router refused (no service, no server, not a SYN, limits). */
    REFUSED,
    /** Packets dropped because the next hop's MAC is not known yet (an ARP request goes out). */
    NO_NEIGHBOUR,
    /** Frames dropped because the TX ring was full. */
    TX_RING_FULL,
    /** TCP/UDP checksums completed because the sender left them partial (offload). */
    CHECKSUM_COMPLETED,
    /** ARP replies sent for a VIP (mode A). */
    ARP_REPLIES,
    /** ARP requests sent for next hops. */
    ARP_REQUESTS,
    /** ICMP errors sent (time exceeded, fragmentation needed). */
    ICMP_SENT
}
