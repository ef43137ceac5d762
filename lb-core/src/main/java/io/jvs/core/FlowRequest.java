package io.jvs.core;

import io.jvs.api.Protocol;
import io.jvs.api.internal.Checks;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Semaphore;

/**
 * What a data path asks the director about: a new client connection, or one packet or datagram, given by its key
 * (protocol, client address and port, virtual address and port), and what the director answered
 * ({@link #connection()}). See {@link RunningService#open}.
 *
 * <p>Mutable and not thread-safe: a data path keeps one per thread and sets it again for each question, so asking
 * allocates nothing. Addresses are held as two {@code long}s (an IPv4 address in the low word), the connection
 * table's own layout.
 *
 * @since 0.1
 */
public final class FlowRequest {

    /** TCP header flag FIN. */
    public static final int FIN = 0x01;
    /** TCP header flag SYN. */
    public static final int SYN = 0x02;
    /** TCP header flag RST. */
    public static final int RST = 0x04;
    /** TCP header flag ACK. */
    public static final int ACK = 0x10;

    private int protocol;
    private boolean v6;
    private boolean virtualV6;
    private long clientHi;
    private long clientLo;
    private int clientPort;
    private long virtualHi;
    private long virtualLo;
    private int virtualPort;
    private int tcpFlags;
    private int packetBytes;
    private Connection connection;
    private Semaphore flowLimit;
    /** The virtual address {@link #set} was last given (an immutable object), and its words. */
    private InetSocketAddress lastVirtual;
    private boolean lastVirtualV6;
    private long lastVirtualHi;
    private long lastVirtualLo;

    /** An empty request; set it before use. */
    public FlowRequest() {}

    /**
     * A new connection or datagram as a socket data path sees it: the TCP client's SYN (its accepted connection) or
     * one UDP datagram. No packet is counted ({@link #packetBytes} is off: socket data paths count their reads
     * through {@link Connection#countInbound}).
     *
     * <p>The client's family decides {@link #isV6()}: an IPv4 client of a dual-stack IPv6 listener keeps its IPv4
     * address, as the socket reports it.
     *
     * <p>Set again with the same {@code virtual} object (a listener's own endpoint), the virtual address is not read
     * again; an IPv6 client's address is read as a copy of its 16 bytes, so a data path that asks about every datagram
     * of a flow keeps a request per flow, set once, and asks with it again without setting it.
     *
     * @throws IllegalArgumentException if the protocol is neither TCP nor UDP
     */
    public FlowRequest set(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
        Checks.checkArgument(protocol == Protocol.TCP || protocol == Protocol.UDP, "protocol", protocol, "TCP or UDP");
        InetAddress ca = client.getAddress();
        this.protocol = protocol.number();
        this.v6 = !(ca instanceof Inet4Address);
        if (ca instanceof Inet4Address) {
            clientHi = 0;
            clientLo = ca.hashCode() & 0xFFFFFFFFL; // Inet4Address.hashCode() is the address, without a copy
        } else {
            byte[] b = ca.getAddress();
            clientHi = word(b, 0);
            clientLo = word(b, 8);
        }
        if (virtual != lastVirtual) { // a listener asks with its own endpoint: its words are read once
            InetAddress va = virtual.getAddress();
            lastVirtualV6 = !(va instanceof Inet4Address);
            if (va instanceof Inet4Address) {
                lastVirtualHi = 0;
                lastVirtualLo = va.hashCode() & 0xFFFFFFFFL;
            } else {
                byte[] b = va.getAddress(); // a copy
                lastVirtualHi = word(b, 0);
                lastVirtualLo = word(b, 8);
            }
            lastVirtual = virtual;
        }
        this.virtualV6 = lastVirtualV6;
        this.virtualHi = lastVirtualHi;
        this.virtualLo = lastVirtualLo;
        clientPort = client.getPort();
        virtualPort = virtual.getPort();
        tcpFlags = SYN;
        packetBytes = -1;
        connection = null;
        flowLimit = null;
        return this;
    }

    /**
     * An IPv4 packet as a packet data path reads it; its TCP flags are SYN until {@link #tcpFlags} says otherwise,
     * and it counts no bytes until {@link #packetBytes} says how many.
     *
     * @param ipProtocol the IP protocol number (6 TCP, 17 UDP)
     * @param clientAddress the source address, as the 32 bits of the header
     * @param virtualAddress the destination address, as the 32 bits of the header
     */
    public FlowRequest setV4(int ipProtocol, int clientAddress, int clientPort, int virtualAddress,
            int virtualPort) {
        this.protocol = ipProtocol;
        this.v6 = false;
        this.virtualV6 = false;
        this.clientHi = 0;
        this.clientLo = clientAddress & 0xFFFFFFFFL;
        this.clientPort = clientPort & 0xFFFF;
        this.virtualHi = 0;
        this.virtualLo = virtualAddress & 0xFFFFFFFFL;
        this.virtualPort = virtualPort & 0xFFFF;
        this.tcpFlags = SYN;
        this.packetBytes = -1;
        this.connection = null;
        this.flowLimit = null;
        return this;
    }

    /**
     * An IPv6 packet as a packet data path reads it, each address as two big-endian 64-bit words; as
     * {@link #setV4}.
     */
    public FlowRequest setV6(int ipProtocol, long clientHi, long clientLo, int clientPort, long virtualHi,
            long virtualLo, int virtualPort) {
        this.protocol = ipProtocol;
        this.v6 = true;
        this.virtualV6 = true;
        this.clientHi = clientHi;
        this.clientLo = clientLo;
        this.clientPort = clientPort & 0xFFFF;
        this.virtualHi = virtualHi;
        this.virtualLo = virtualLo;
        this.virtualPort = virtualPort & 0xFFFF;
        this.tcpFlags = SYN;
        this.packetBytes = -1;
        this.connection = null;
        this.flowLimit = null;
        return this;
    }

    /**
     * The TCP segment's flags ({@link #FIN}, {@link #SYN}, {@link #RST}, {@link #ACK}, as in the header): the
     * entry's state runs on them (RST first, then SYN, FIN, ACK, as IPVS reads a segment), and only a SYN may create
     * an entry. Ignored for UDP.
     */
    public FlowRequest tcpFlags(int flags) {
        this.tcpFlags = flags;
        return this;
    }

    /**
     * Counts this packet, of {@code bytes} bytes, in the service's and the real server's InPkts and InBytes when the
     * director finds or places its connection (a packet data path: one call per packet). Negative: count nothing.
     */
    public FlowRequest packetBytes(int bytes) {
        this.packetBytes = bytes;
        return this;
    }

    /**
     * The data path's own limit on the flows it keeps (the Netty data path's {@code maxUdpFlows}), one permit a flow:
     * a new flow takes a permit ({@link Semaphore#tryAcquire()}) as admission's last check, after the access lists,
     * the memory defence, the source limits, the service's limit and placement, so a client refused for another
     * reason is counted under that reason; with none left it is refused with {@link Outcome#FLOW_LIMIT} (counted). A
     * permit the director took is the data path's to {@linkplain Semaphore#release() give back} when the flow ends;
     * the director gives it back itself only when the table refuses the flow after all. A flow found in the table
     * takes none. Null (the default, and after every {@code set}) for no limit.
     */
    public FlowRequest flowLimit(Semaphore flows) {
        this.flowLimit = flows;
        return this;
    }

    /** The data path's flow limit a new flow takes a permit of, or null ({@link #flowLimit(Semaphore)}). */
    public Semaphore flowLimit() {
        return flowLimit;
    }

    /** The connection the director found or placed, after an admitted {@link RunningService#open}; else null. */
    public Connection connection() {
        return connection;
    }

    /**
     * Records the director's answer: the connection found or placed, or null. The director calls it; a data path has
     * no reason to.
     */
    public void connection(Connection connection) {
        this.connection = connection;
    }

    /** The client address's high word (0 for IPv4; the first 8 bytes of an IPv6 address). */
    public long clientHigh() {
        return clientHi;
    }

    /** The client address's low word (the IPv4 address; the last 8 bytes of an IPv6 address). */
    public long clientLow() {
        return clientLo;
    }

    /** The virtual address's high word, as {@link #clientHigh()}. */
    public long virtualHigh() {
        return virtualHi;
    }

    /** The virtual address's low word, as {@link #clientLow()}. */
    public long virtualLow() {
        return virtualLo;
    }

    /** The packet's length to count, or a negative number to count none. */
    public int packetBytes() {
        return packetBytes;
    }

    /** The IP protocol number. */
    public int protocol() {
        return protocol;
    }

    /** Whether the addresses are IPv6. */
    public boolean isV6() {
        return v6;
    }

    /** The client's port. */
    public int clientPort() {
        return clientPort;
    }

    /** The virtual port. */
    public int virtualPort() {
        return virtualPort;
    }

    /** The TCP flags. */
    public int tcpFlags() {
        return tcpFlags;
    }

    /** The client's address and port, as a new object: for logs, tools and tests, not for the packet path. */
    public InetSocketAddress client() {
        return new InetSocketAddress(address(v6, clientHi, clientLo), clientPort);
    }

    /** The virtual address and port, as a new object: for logs, tools and tests, not for the packet path. */
    public InetSocketAddress virtual() {
        return new InetSocketAddress(address(virtualV6, virtualHi, virtualLo), virtualPort);
    }

    private static InetAddress address(boolean six, long hi, long lo) {
        byte[] b;
        if (six) {
            b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
        } else {
            b = new byte[] {(byte) (lo >>> 24), (byte) (lo >>> 16), (byte) (lo >>> 8), (byte) lo};
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static long word(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    /** For logs: protocol and key. */
    @Override
    public String toString() {
        return "FlowRequest[proto " + protocol + (v6 ? " v6 " : " ") + Long.toHexString(clientHi) + ":"
                + Long.toHexString(clientLo) + "." + clientPort + " -> " + Long.toHexString(virtualHi) + ":"
                + Long.toHexString(virtualLo) + "." + virtualPort + " flags " + tcpFlags + "]";
    }
}
