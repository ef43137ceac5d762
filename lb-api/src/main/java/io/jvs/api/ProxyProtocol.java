package io.jvs.api;

/**
 * Whether a connection to a real server starts with a PROXY protocol header, so that a server behind a full-NAT
 * director still learns the client's address (HAProxy {@code send-proxy} / {@code send-proxy-v2}).
 *
 * <p>The header carries the client's address and port and the virtual address and port it reached (or, when the
 * virtual service accepts PROXY protocol from an upstream balancer, the addresses that balancer reported). The
 * real server must expect it: a server that does not will read the header as data.
 *
 * @see RealServer#withProxyProtocol(ProxyProtocol)
 * @since 0.1
 */
public enum ProxyProtocol {
    /** No header: the connection carries the client's bytes only. The default. */
    NONE,
    /** Version 1, the human-readable line {@code PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n}. */
    V1,
    /** Version 2, the binary header (16 bytes plus 12 for IPv4 or 36 for IPv6 addresses). */
    V2
}
