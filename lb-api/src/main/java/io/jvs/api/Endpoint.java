package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One address a virtual service receives traffic on: a protocol plus an IP address and port.
 *
 * @since 0.1
 */
public final class Endpoint {

    private final Protocol protocol;
    private final InetSocketAddress address;

    private Endpoint(Protocol protocol, InetSocketAddress address) {
        this.protocol = protocol;
        this.address = address;
    }

    /**
     * An endpoint on a resolved address.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static Endpoint of(Protocol protocol, InetSocketAddress address) {
        Checks.checkNotNull(protocol, "protocol");
        Checks.checkNotNull(address, "address");
        Checks.checkArgument(!address.isUnresolved(), "address", address, "a resolved address");
        return new Endpoint(protocol, address);
    }

    /** The protocol. */
    public Protocol protocol() {
        return protocol;
    }

    /** The IP address and port. */
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Endpoint)) {
            return false;
        }
        Endpoint that = (Endpoint) o;
        return protocol == that.protocol && address.equals(that.address);
    }

    @Override
    public int hashCode() {
        return Objects.hash(protocol, address);
    }

    /** {@code TCP 10.0.0.1:80}, {@code UDP [2001:db8::1]:53}. */
    @Override
    public String toString() {
        return protocol + " " + Addresses.toString(address);
    }
}
