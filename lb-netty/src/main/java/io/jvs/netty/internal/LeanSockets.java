package io.jvs.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/**
 * The system calls of the lean relay on raw descriptors, through Netty's public {@code io.netty.channel.unix} classes
 * ({@link FileDescriptor} for read, write and close; {@link Socket} for the rest), and the client addresses its
 * {@code accept4} reports. Stateless.
 */
final class LeanSockets {

    /** {@code SOL_IP}: the level of the IP options below, for IPv4 and IPv6 sockets alike. */
    private static final int SOL_IP = 0;
    private static final int IP_FREEBIND = 15;
    private static final int IP_TRANSPARENT = 19;
    private static final int IP_BIND_ADDRESS_NO_PORT = 24;

    /** What a relay socket waits for: input, and the peer's FIN, edge-triggered. */
    static final EpollIoOps READ = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLRDHUP).with(EpollIoOps.EPOLLET);
    /** {@link #READ} and room to write (after a write the socket did not take whole, and while connecting). */
    static final EpollIoOps READ_WRITE = READ.with(EpollIoOps.EPOLLOUT);
    /** A listening socket that accepts (level-triggered: it stays readable while its backlog is not empty). */
    static final EpollIoOps ACCEPT = EpollIoOps.EPOLLIN;
    /** A paused listening socket: errors only (submitting none would take it out of epoll). */
    static final EpollIoOps PAUSED = EpollIoOps.EPOLLERR;

    static final int IN = EpollIoOps.EPOLLIN.value();
    static final int OUT = EpollIoOps.EPOLLOUT.value();
    static final int ERR = EpollIoOps.EPOLLERR.value();
    static final int RDHUP = EpollIoOps.EPOLLRDHUP.value();
    /** {@code EPOLLHUP}, which Netty names nowhere: both directions are shut, or the socket was reset. */
    static final int HUP = 0x10;

    /** Bytes of the address buffer {@link Socket#accept(byte[])} fills: a length, then address, scope and port. */
    static final int ACCEPTED_ADDRESS_BYTES = 26;

    private LeanSockets() {}

    /** Reads into {@code buf} at {@code index}, at most {@code length} bytes: the count, -1 at the end, 0 if none. */
    static int read(FileDescriptor fd, ByteBuf buf, int index, int length) throws IOException {
        if (buf.hasMemoryAddress()) {
            return fd.readAddress(buf.memoryAddress(), index, index + length);
        }
        ByteBuffer nio = buf.internalNioBuffer(index, length);
        return fd.read(nio, nio.position(), nio.limit());
    }

    /** Writes {@code length} bytes of {@code buf} from {@code index}: the count written, 0 if the socket is full. */
    static int write(FileDescriptor fd, ByteBuf buf, int index, int length) throws IOException {
        if (buf.hasMemoryAddress()) {
            return fd.writeAddress(buf.memoryAddress(), index, index + length);
        }
        ByteBuffer nio = buf.internalNioBuffer(index, length);
        return fd.write(nio, nio.position(), nio.limit());
    }

    static void setFreeBind(Socket s) throws IOException {
        s.setIntOpt(SOL_IP, IP_FREEBIND, 1);
    }

    /** IP_TRANSPARENT: the socket may bind an address the host does not have (NAT forwarding binds the client's). */
    static void setTransparent(Socket s) throws IOException {
        s.setIntOpt(SOL_IP, IP_TRANSPARENT, 1);
    }

    /** IP_BIND_ADDRESS_NO_PORT: a bind with port 0 leaves the port to connect(), which may share it per 4-tuple. */
    static void setBindAddressNoPort(Socket s) throws IOException {
        s.setIntOpt(SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1);
    }

    /** Closes descriptor {@code fd} with {@code SO_LINGER 0}, so that its peer sees a reset. */
    static void resetAndClose(int fd) {
        Socket s = new Socket(fd);
        try {
            s.setSoLinger(0);
        } catch (IOException ignored) {
            // Gone already; closing is all that is left.
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // Nothing to do about it.
        }
    }

    /** Whether {@code address} (from {@link Socket#accept(byte[])}) is an IPv4 one, or IPv4-mapped. */
    static boolean acceptedV4(byte[] address) {
        return address[0] == 8;
    }

    /** The IPv4 address of an accepted client, as an int (big-endian). */
    static int acceptedV4Address(byte[] a) {
        return (a[1] & 0xFF) << 24 | (a[2] & 0xFF) << 16 | (a[3] & 0xFF) << 8 | (a[4] & 0xFF);
    }

    /** The port of an accepted client. */
    static int acceptedPort(byte[] a) {
        int at = a[0] == 8 ? 5 : 21;
        return (a[at + 2] & 0xFF) << 8 | (a[at + 3] & 0xFF);
    }

    /** The address and port of an accepted client. */
    static InetSocketAddress accepted(byte[] a) {
        try {
            if (a[0] == 8) {
                return new InetSocketAddress(InetAddress.getByAddress(new byte[] {a[1], a[2], a[3], a[4]}),
                        acceptedPort(a));
            }
            byte[] ip = new byte[16];
            System.arraycopy(a, 1, ip, 0, 16);
            int scope = (a[17] & 0xFF) << 24 | (a[18] & 0xFF) << 16 | (a[19] & 0xFF) << 8 | (a[20] & 0xFF);
            return new InetSocketAddress(Inet6Address.getByAddress(null, ip, scope), acceptedPort(a));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // not for a 4- or 16-byte address
        }
    }

    /** The IPv4 address {@code a} as an int (big-endian). */
    static int v4(InetAddress a) {
        return a.hashCode(); // Inet4Address.hashCode() is the address, without a copy
    }

    /** The IPv4 address {@code ip} (big-endian int) with {@code port}. */
    static InetSocketAddress v4(int ip, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16),
                    (byte) (ip >>> 8), (byte) ip}), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code a} is an IPv4 address. */
    static boolean isV4(InetAddress a) {
        return a instanceof Inet4Address;
    }
}
