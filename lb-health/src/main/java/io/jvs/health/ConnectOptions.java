package io.jvs.health;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a network check connects: by default the real server's own address and port. keepalived's
 * {@code connect_ip}, {@code connect_port} and {@code bindto}/{@code bind_port}.
 *
 * @param address the address to connect to instead of the real server's, or {@code null}
 * @param port the port to connect to instead of the real server's, 1-65535, or 0 for the real server's
 * @param bindAddress the local address (and port, 0 for any) to connect from, or {@code null} for any
 * @since 0.1
 */
public record ConnectOptions(InetAddress address, int port, InetSocketAddress bindAddress) {

    /** Connect to the real server's address and port, from any local address. */
    public static final ConnectOptions DEFAULT = new ConnectOptions(null, 0, null);

    /**
     * Checks the values.
     *
     * @throws IllegalArgumentException if the port is not 0-65535 or the bind address is unresolved
     */
    public ConnectOptions {
        Checks.checkInRange(port, 0, 65535, "port");
        Checks.checkArgument(bindAddress == null || !bindAddress.isUnresolved(), "bindAddress", bindAddress,
                "a resolved address");
    }

    /** The address a check of {@code server} connects to. */
    public InetSocketAddress target(InetSocketAddress server) {
        InetAddress a = address == null ? server.getAddress() : address;
        return new InetSocketAddress(a, port == 0 ? server.getPort() : port);
    }

    /** {@code connect to 10.0.0.9:8081 from 10.0.0.1}, or the empty string for {@link #DEFAULT}. */
    @Override
    public String toString() {
        if (equals(DEFAULT)) {
            return "";
        }
        StringBuilder sb = new StringBuilder("connect to ");
        sb.append(address == null ? "server" : Addresses.toString(address));
        sb.append(':').append(port == 0 ? "port" : Integer.toString(port));
        if (bindAddress != null) {
            sb.append(" from ").append(Addresses.toString(bindAddress));
        }
        return sb.toString();
    }
}
