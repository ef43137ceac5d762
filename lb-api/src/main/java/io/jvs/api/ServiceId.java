package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.Objects;

/**
 * What identifies a virtual service, as ipvsadm names it on the command line: a protocol with a virtual
 * address and port ({@code -t VIP:port}, {@code -u VIP:port}), or a firewall mark with an address family
 * ({@code -f MARK}, {@code -f MARK -6}).
 *
 * @since 0.1
 */
public final class ServiceId {

    private final Protocol protocol;
    private final InetSocketAddress address;
    private final int fwmark;
    private final StandardProtocolFamily family;

    private ServiceId(Protocol protocol, InetSocketAddress address, int fwmark, StandardProtocolFamily family) {
        this.protocol = protocol;
        this.address = address;
        this.fwmark = fwmark;
        this.family = family;
    }

    /**
     * The id of a TCP or UDP service on {@code address}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static ServiceId of(Protocol protocol, InetSocketAddress address) {
        Checks.checkNotNull(protocol, "protocol");
        Checks.checkNotNull(address, "address");
        Checks.checkArgument(!address.isUnresolved(), "address", address, "a resolved address");
        InetAddress ip = address.getAddress();
        return new ServiceId(protocol, address, 0,
                ip instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    }

    /** The id of a TCP service: ipvsadm {@code -t}. */
    public static ServiceId tcp(InetSocketAddress address) {
        return of(Protocol.TCP, address);
    }

    /** The id of a UDP service: ipvsadm {@code -u}. */
    public static ServiceId udp(InetSocketAddress address) {
        return of(Protocol.UDP, address);
    }

    /**
     * The id of a firewall-mark service group: ipvsadm {@code -f MARK} ({@link StandardProtocolFamily#INET}) or
     * {@code -f MARK -6} ({@link StandardProtocolFamily#INET6}).
     *
     * @throws IllegalArgumentException if the mark is 0 or the family is neither INET nor INET6
     */
    public static ServiceId fwmark(int mark, StandardProtocolFamily family) {
        Checks.checkNotNull(family, "family");
        Checks.checkArgument(mark != 0, "fwmark", Integer.toUnsignedString(mark), "1-4294967295");
        Checks.checkArgument(family != StandardProtocolFamily.UNIX, "family", family, "INET or INET6");
        return new ServiceId(null, null, mark, family);
    }

    /** Whether this is a firewall-mark service group. */
    public boolean isFwmark() {
        return fwmark != 0;
    }

    /** The protocol, or {@code null} for a firewall-mark service. */
    public Protocol protocol() {
        return protocol;
    }

    /** The virtual address and port, or {@code null} for a firewall-mark service. */
    public InetSocketAddress address() {
        return address;
    }

    /** The firewall mark (an unsigned 32-bit value), or 0 for an address service. */
    public int fwmark() {
        return fwmark;
    }

    /** The address family, INET or INET6. */
    public StandardProtocolFamily family() {
        return family;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ServiceId)) {
            return false;
        }
        ServiceId that = (ServiceId) o;
        return fwmark == that.fwmark && protocol == that.protocol && Objects.equals(address, that.address)
                && family == that.family;
    }

    @Override
    public int hashCode() {
        return Objects.hash(protocol, address, fwmark, family);
    }

    /** {@code TCP 10.0.0.1:80}, {@code UDP [2001:db8::1]:53}, {@code FWM 1}, {@code FWM 1 IPv6}. */
    @Override
    public String toString() {
        if (isFwmark()) {
            return "FWM " + Integer.toUnsignedString(fwmark) + (family == StandardProtocolFamily.INET6 ? " IPv6" : "");
        }
        return protocol + " " + Addresses.toString(address);
    }
}
