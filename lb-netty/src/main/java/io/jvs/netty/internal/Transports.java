package io.jvs.netty.internal;

import io.jvs.netty.Transport;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/** The Netty classes of one transport, chosen once when the load balancer is built. */
public final class Transports {

    private final Transport transport;
    private final IoHandlerFactory ioHandlerFactory;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends SocketChannel> socketChannel;

    private Transports(Transport transport, IoHandlerFactory ioHandlerFactory,
            Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> socketChannel) {
        this.transport = transport;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannel = serverChannel;
        this.socketChannel = socketChannel;
    }

    /**
     * The classes for {@code requested}; {@link Transport#AUTO} becomes epoll where available, else NIO.
     *
     * @throws IllegalStateException naming the cause if an explicitly requested native transport is unavailable
     */
    public static Transports of(Transport requested) {
        switch (requested) {
            case AUTO:
                return Epoll.isAvailable() ? epoll() : nio();
            case EPOLL:
                if (!Epoll.isAvailable()) {
                    throw new IllegalStateException("transport: EPOLL (unavailable: " + Epoll.unavailabilityCause() + ")");
                }
                return epoll();
            case IO_URING:
                if (!IoUring.isAvailable()) {
                    throw new IllegalStateException("transport: IO_URING (unavailable: " + IoUring.unavailabilityCause()
                            + ")");
                }
                return new Transports(Transport.IO_URING, IoUringIoHandler.newFactory(),
                        IoUringServerSocketChannel.class, IoUringSocketChannel.class);
            case NIO:
                return nio();
            default:
                throw new AssertionError(requested);
        }
    }

    /** Whether {@code transport} can run here. */
    public static boolean isAvailable(Transport transport) {
        switch (transport) {
            case EPOLL:
                return Epoll.isAvailable();
            case IO_URING:
                return IoUring.isAvailable();
            default:
                return true;
        }
    }

    private static Transports epoll() {
        return new Transports(Transport.EPOLL, EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
                EpollSocketChannel.class);
    }

    private static Transports nio() {
        return new Transports(Transport.NIO, NioIoHandler.newFactory(), NioServerSocketChannel.class,
                NioSocketChannel.class);
    }

    public Transport transport() {
        return transport;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory;
    }

    public Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return socketChannel;
    }

    /**
     * The listener option that lets a socket bind an address the host does not have (yet): {@code IP_FREEBIND}, as
     * keepalived needs before VRRP brings the virtual address up. Null where the transport cannot set it (NIO).
     */
    public ChannelOption<Boolean> freeBindOption() {
        switch (transport) {
            case EPOLL:
                return EpollChannelOption.IP_FREEBIND;
            case IO_URING:
                return IoUringChannelOption.IP_FREEBIND;
            default:
                return null;
        }
    }
}
