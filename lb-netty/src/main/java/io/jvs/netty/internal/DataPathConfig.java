package io.jvs.netty.internal;

import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.util.List;

/**
 * The settings of a {@link NettyDataPath}, checked by {@code NettyLoadBalancer.Builder} before they get here.
 *
 * @param transports the transport's classes and options
 * @param ioThreads the number of event loops
 * @param connectTimeoutMillis how long a connect to a real server (and a PROXY header from a client) may take
 * @param connectAttempts real servers tried per client connection
 * @param relayBuffer bytes buffered per direction of a connection before its sender is paused
 * @param sourceAddresses source addresses for full-NAT connections to real servers (empty: the kernel's choice)
 * @param drainTimeoutMillis how long {@link NettyDataPath#close()} lets connections finish
 * @param allocator the buffer allocator, or null for Netty's default
 * @param freeBind whether listeners set {@code IP_FREEBIND} (the transport must have it:
 *     {@link Transports#freeBindOption()})
 * @param maxDatagramSize the longest UDP datagram relayed, in bytes; longer ones are dropped
 * @param maxUdpFlows the most UDP flows (clients with sockets to real servers) at once, over all services
 * @param sharePorts whether listeners may join another process's SO_REUSEPORT sockets on the same address and port
 */
public record DataPathConfig(Transports transports, int ioThreads, int connectTimeoutMillis, int connectAttempts,
        int relayBuffer, List<InetAddress> sourceAddresses, long drainTimeoutMillis, ByteBufAllocator allocator,
        boolean freeBind, int maxDatagramSize, int maxUdpFlows, boolean sharePorts) {

    public DataPathConfig {
        sourceAddresses = List.copyOf(sourceAddresses);
    }
}
