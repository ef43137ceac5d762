package io.jvs.api;

/**
 * How a {@link ForwardingMethod#TUN} real server's packets are encapsulated (ipvsadm 1.31 {@code --tun-type}).
 *
 * @since 0.1
 */
public enum TunnelType {
    /** IP-in-IP (IP protocol 4), the default: the real server needs an {@code ipip} tunnel device. */
    IPIP("ipip"),
    /**
     * Generic UDP Encapsulation: the packet goes in UDP to the server's {@link RealServer#tunnelPort() tunnel port}
     * behind a 4-byte GUE header; the server needs a {@code fou} port of type {@code gue}.
     */
    GUE("gue");

    private final String ipvsadmName;

    TunnelType(String ipvsadmName) {
        this.ipvsadmName = ipvsadmName;
    }

    /** The name ipvsadm uses for it: {@code ipip} or {@code gue}. */
    public String ipvsadmName() {
        return ipvsadmName;
    }
}
