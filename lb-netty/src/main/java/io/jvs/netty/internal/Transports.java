package io.jvs.netty.internal;

import io.jvs.netty.Transport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.UnixChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * The Netty classes and socket options of one transport, chosen once when the load balancer is built.
 *
 * <p>What each transport can do on Linux: SO_REUSEPORT (one listener per event loop) on all three where the JDK
 * offers it for NIO; IP_TRANSPARENT (NAT forwarding) on epoll and io_uring; IP_BIND_ADDRESS_NO_PORT (a source
 * port per 4-tuple instead of per source address) on epoll only.
 */
public final class Transports {

    private final Transport transport;
    private final IoHandlerFactory ioHandlerFactory;
    private final ChannelFactory<? extends ServerChannel> serverChannels;
    private final ChannelFactory<? extends SocketChannel> socketChannels;
    private final boolean reusePort;

    private Transports(Transport transport, IoHandlerFactory ioHandlerFactory,
            ChannelFactory<? extends ServerChannel> serverChannels, ChannelFactory<? extends SocketChannel> socketChannels,
            boolean reusePort) {
        this.transport = transport;
        this.ioHandlerFactory = ioHandlerFactory;
        this.serverChannels = serverChannels;
        this.socketChannels = socketChannels;
        this.reusePort = reusePort;
    }

    /**
     * The classes for {@code requested}; {@link Transport#AUTO} becomes epoll where available, else NIO.
     *
     * @throws IllegalStateException naming the cause if an explicitly requested native transport is unavailable
     */
    public static Transports of(Transport requested) {
        switch (requested) {
            case AUTO:
                if (Epoll.isAvailable()) {
                    return epoll();
                }
                warnNoEpoll();
                return nio();
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
                return new Transports(Transport.IO_URING, IoUringIoHandler.newFactory(), IoUringServerSocketChannel::new,
                        IoUringSocketChannel::new, true);
            case NIO:
                return nio();
            default:
                throw new AssertionError(requested);
        }
    }

    /**
     * On Linux, a fall-back to NIO is a loss an operator must hear of (no IP_FREEBIND, no NAT, slower): said loudly,
     * with the cause and, on the module path, the module to add.
     */
    private static void warnNoEpoll() {
        if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return;
        }
        Module m = Transports.class.getModule();
        boolean modular = m.isNamed() && m.getLayer() != null
                && m.getLayer().findModule("io.netty.transport.epoll.linux.x86_64").isEmpty();
        System.getLogger("io.jvs.netty.NettyLoadBalancer").log(System.Logger.Level.WARNING,
                "the epoll transport is unavailable on this Linux host, so JVS runs on NIO (no IP_FREEBIND, no NAT "
                        + "forwarding, more system calls per connection): " + Epoll.unavailabilityCause()
                        + (modular ? "; on the module path add --add-modules io.netty.transport.epoll.linux.x86_64"
                                : "; is netty-transport-native-epoll (classifier linux-"
                                        + System.getProperty("os.arch") + ") on the class path?"));
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
        return new Transports(Transport.EPOLL, EpollIoHandler.newFactory(), EpollServerSocketChannel::new,
                EpollSocketChannel::new, true);
    }

    private static Transports nio() {
        return new Transports(Transport.NIO, NioIoHandler.newFactory(), NioServerSocketChannel::new,
                NioSocketChannel::new, nioReusePort());
    }

    /** Whether the JDK offers SO_REUSEPORT for server sockets here (Linux and the BSDs do, Windows does not). */
    private static boolean nioReusePort() {
        try (ServerSocketChannel ch = ServerSocketChannel.open()) {
            return ch.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public Transport transport() {
        return transport;
    }

    public IoHandlerFactory ioHandlerFactory() {
        return ioHandlerFactory;
    }

    /** A new, unregistered listening channel. */
    public ServerChannel newServerChannel() {
        return serverChannels.newChannel();
    }

    /**
     * A new, unregistered client channel.
     *
     * @throws io.netty.channel.ChannelException if no socket can be created (for example, out of file descriptors)
     */
    public SocketChannel newSocketChannel() {
        return socketChannels.newChannel();
    }

    /**
     * Sends a FIN on {@code ch} ({@code shutdown(SHUT_WR)}), whose outbound buffer must be empty. On epoll this calls
     * the socket directly: Netty's {@code shutdownOutput()} creates an exception with a stack trace every time (the
     * cause it would give writes still pending), which cost about 3 % of the CPU of a proxied short connection. The
     * channel still sees its output as shut down ({@code isOutputShutdown()} reads the socket's state).
     */
    public ChannelFuture shutdownOutput(DuplexChannel ch) {
        if (transport == Transport.EPOLL && ch instanceof UnixChannel
                && ((UnixChannel) ch).fd() instanceof io.netty.channel.unix.Socket) {
            try {
                ((io.netty.channel.unix.Socket) ((UnixChannel) ch).fd()).shutdown(false, true);
                return ch.newSucceededFuture();
            } catch (IOException | java.nio.channels.NotYetConnectedException e) {
                // ENOTCONN (an unchecked exception in Netty): the peer reset the socket meanwhile, for example while
                // a FIN from the other side was being forwarded; the relay's reset handling ends the connection.
                return ch.newFailedFuture(e);
            }
        }
        return ch.shutdownOutput();
    }

    /**
     * A new, unregistered client channel for a connection to {@code remote}: of the IPv4 family for an IPv4
     * address where the transport lets us choose (epoll, NIO), which spares the {@code IPV6_V6ONLY} system call a
     * dual-stack socket costs per connection; otherwise as {@link #newSocketChannel()}.
     *
     * @throws io.netty.channel.ChannelException if no socket can be created (for example, out of file descriptors)
     */
    public SocketChannel newSocketChannel(InetSocketAddress remote) {
        if (remote.getAddress() instanceof Inet4Address) {
            if (transport == Transport.EPOLL) {
                return new EpollSocketChannel(SocketProtocolFamily.INET);
            }
            if (transport == Transport.NIO) {
                return new NioSocketChannel(SelectorProvider.provider(), SocketProtocolFamily.INET);
            }
        }
        return socketChannels.newChannel();
    }

    /**
     * A new, unregistered UDP channel of the address family of {@code address} (a listener bound to it, or a
     * socket connected to it).
     *
     * @throws io.netty.channel.ChannelException if no socket can be created (for example, out of file descriptors)
     */
    public DatagramChannel newDatagramChannel(InetAddress address) {
        SocketProtocolFamily family = address instanceof Inet4Address ? SocketProtocolFamily.INET
                : SocketProtocolFamily.INET6;
        switch (transport) {
            case EPOLL:
                return new EpollDatagramChannel(family);
            case IO_URING:
                return new IoUringDatagramChannel(family);
            default:
                return new NioDatagramChannel(family);
        }
    }

    /**
     * The option that makes a UDP socket read many datagrams per system call ({@code recvmmsg} on epoll, linked
     * receives on io_uring), each into a slot of this many bytes; null where the transport reads one at a time
     * (NIO).
     */
    public ChannelOption<Integer> maxDatagramPayloadOption() {
        switch (transport) {
            case EPOLL:
                return EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE;
            case IO_URING:
                return IoUringChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE;
            default:
                return null;
        }
    }

    /** Whether listeners can share a port (SO_REUSEPORT), so that each event loop accepts on its own socket. */
    public boolean reusePort() {
        return reusePort;
    }

    /** Sets SO_REUSEPORT on an unbound listening channel (TCP or UDP). */
    public void setReusePort(Channel ch) {
        if (transport == Transport.NIO) {
            ch.config().setOption(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        } else {
            ch.config().setOption(UnixChannelOption.SO_REUSEPORT, true);
        }
    }

    /** Whether client sockets can bind a foreign address (IP_TRANSPARENT), which NAT forwarding needs. */
    public boolean transparent() {
        return transport != Transport.NIO;
    }

    /**
     * Sets IP_TRANSPARENT on an unbound client channel (TCP or UDP).
     *
     * @throws io.netty.channel.ChannelException if the process lacks CAP_NET_ADMIN
     */
    public void setTransparent(Channel ch) {
        if (transport == Transport.EPOLL) {
            ch.config().setOption(EpollChannelOption.IP_TRANSPARENT, true);
        } else if (transport == Transport.IO_URING) {
            ch.config().setOption(IoUringChannelOption.IP_TRANSPARENT, true);
        } else {
            throw new UnsupportedOperationException("IP_TRANSPARENT on " + transport);
        }
    }

    /**
     * Sets IP_BIND_ADDRESS_NO_PORT on an unbound client channel where the transport has it (epoll), so that a
     * bind to a source address with port 0 defers the port choice to connect(), which may then reuse a port
     * towards different destinations.
     */
    public void setBindAddressNoPort(SocketChannel ch) {
        if (transport == Transport.EPOLL) {
            ch.config().setOption(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
    }

    @Override
    public String toString() {
        return transport.name().toLowerCase(java.util.Locale.ROOT);
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
