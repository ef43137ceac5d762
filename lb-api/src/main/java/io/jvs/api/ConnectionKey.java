package io.jvs.api;

/**
 * The key of the connection a scheduler is asked to place: protocol, client address and port, virtual address and
 * port.
 *
 * <p>Addresses are given folded to 32 bits, the form the IPVS hashing schedulers ({@code dh}, {@code sh},
 * {@code mh}, {@code lblc}, {@code lblcr}) hash: an IPv4 address as its number, an IPv6 address as the XOR of its
 * four 32-bit words (a fold, not a hash: distinct IPv6 clients may fold alike). A data path passes an object it
 * already has (its connection entry), so asking a scheduler to pick allocates nothing.
 *
 * @since 0.1
 */
public interface ConnectionKey {

    /** The protocol of the connection. */
    Protocol protocol();

    /** The client (source) address, folded to 32 bits as described above. */
    int clientAddressFold();

    /** The client (source) port, 0-65535. */
    int clientPort();

    /** The virtual (destination) address the client connected to, folded to 32 bits as described above. */
    int virtualAddressFold();

    /** The virtual (destination) port the client connected to, 0-65535. */
    int virtualPort();
}
