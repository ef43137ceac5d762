package io.jvs.api;

/**
 * Whether a GUE tunnel's outer UDP header carries a checksum (ipvsadm 1.31 {@code --tun-nocsum},
 * {@code --tun-csum}). IPIP has no checksum of its own: its servers keep {@link #NONE}. ipvsadm's third mode,
 * remote checksum offload ({@code --tun-remcsum}), is not offered.
 *
 * @since 0.1
 */
public enum TunnelChecksum {
    /** No outer UDP checksum (0), the default: {@code --tun-nocsum}, listed as {@code -c}. */
    NONE("-c"),
    /** A full outer UDP checksum: {@code --tun-csum}, listed as {@code +c}. */
    CHECKSUM("+c");

    private final String listingName;

    TunnelChecksum(String listingName) {
        this.listingName = listingName;
    }

    /** The mark {@code ipvsadm -L --tun-info} prints in the TunnelInfo column ({@code gue:<port>:<mark>}). */
    public String listingName() {
        return listingName;
    }
}
