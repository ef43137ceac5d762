package io.jvs.packet;

/**
 * How the director keeps its own kernel from answering for a VIP that the packet data path serves.
 *
 * @since 0.1
 */
public enum VipMode {
    /**
     * Mode A: the VIP is not configured on the director. JVS answers ARP for it (and announces it with a
     * gratuitous ARP at start); the kernel, which must not forward IPv4 ({@code net.ipv4.ip_forward=0}), drops the
     * VIP's packets as not its own.
     */
    ANSWER_ARP,
    /**
     * Mode B: the VIP is configured on the director's interface, as {@code lvs_dr.sh} does. The kernel answers ARP;
     * JVS installs nftables netdev ingress rules (table {@code jvs_<interface>}) that keep the packets of the VIP's
     * virtual services from the kernel while serving (its other packets, ping or other ports, stay the kernel's, as
     * with IPVS), and removes them on stop (or on the next start after a crash).
     */
    KERNEL_HOLDS_VIP
}
