package io.jvs.netty.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The source addresses of full-NAT connections to real servers, used in turn (one per connection, of the real
 * server's address family). Thread-safe.
 */
final class SourceAddresses {

    private final InetAddress[] v4;
    private final InetAddress[] v6;
    private final AtomicInteger cursor = new AtomicInteger();

    SourceAddresses(List<InetAddress> addresses) {
        this.v4 = addresses.stream().filter(a -> a instanceof Inet4Address).toArray(InetAddress[]::new);
        this.v6 = addresses.stream().filter(a -> !(a instanceof Inet4Address)).toArray(InetAddress[]::new);
    }

    /** How many addresses there are for connections to {@code remote}. */
    int count(InetSocketAddress remote) {
        return family(remote).length;
    }

    /** The next source address for a connection to {@code remote}, or null to let the kernel choose. */
    InetAddress next(InetSocketAddress remote) {
        InetAddress[] list = family(remote);
        if (list.length == 0) {
            return null;
        }
        return list[(cursor.getAndIncrement() & Integer.MAX_VALUE) % list.length];
    }

    private InetAddress[] family(InetSocketAddress remote) {
        return remote.getAddress() instanceof Inet4Address ? v4 : v6;
    }
}
