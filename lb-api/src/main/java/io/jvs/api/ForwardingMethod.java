package io.jvs.api;

/**
 * How the director forwards a connection to a real server (ipvsadm {@code -g}, {@code -i}, {@code -m}).
 *
 * <p>A data path supports a subset of these ({@link LoadBalancer#supportedForwardingMethods()}); asking a
 * data path for another method fails with an error that names the supported ones. The socket data path of
 * {@code lb-netty} supports {@link #FULLNAT} and {@link #NAT}; {@link #DR} and {@link #TUN} rewrite packets
 * below the socket layer and need a packet data path.
 *
 * @since 0.1
 */
public enum ForwardingMethod {
    /**
     * Full NAT: the director opens its own connection to the real server, so both addresses are rewritten
     * and the real server sees the director's address (PROXY protocol can carry the client's). The default.
     */
    FULLNAT("FullNat"),
    /**
     * NAT, "masquerading" (ipvsadm {@code -m}): the real server sees the client's own address and must route
     * its replies back through the director.
     */
    NAT("Masq"),
    /** Direct routing (ipvsadm {@code -g}): the frame is sent to the real server's MAC; replies bypass the director. */
    DR("Route"),
    /** IP-in-IP tunnelling (ipvsadm {@code -i}): replies bypass the director. */
    TUN("Tunnel");

    private final String listingName;

    ForwardingMethod(String listingName) {
        this.listingName = listingName;
    }

    /** The name {@code ipvsadm -L} prints in its Forward column: {@code FullNat}, {@code Masq}, {@code Route}, {@code Tunnel}. */
    public String listingName() {
        return listingName;
    }
}
