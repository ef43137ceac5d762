package io.jvs.packet.internal.frame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A flyweight parser for one Ethernet frame: {@link #parse} validates the headers in place and fills primitive
 * fields (offsets, addresses, ports, flags); nothing is allocated and nothing is thrown for bad input, which is
 * reported as a negative result instead. One instance per worker thread, reused for every frame.
 *
 * <p>Offsets ({@link #l3()}, {@link #l4()}) are absolute offsets in {@link #segment()}. For an ICMP error
 * ({@link #isIcmpError()}) the flow fields describe the connection the quoted packet belongs to, as IPVS's
 * {@code ip_vs_in_icmp} finds it: the quoted header is the server's reply (VIP to client), so client and virtual
 * address are swapped back.
 */
public final class PacketView {

    /** Ethernet header length. */
    public static final int ETH_HEADER = 14;
    /** EtherType IPv4. */
    public static final int ETH_P_IP = 0x0800;
    /** EtherType ARP. */
    public static final int ETH_P_ARP = 0x0806;
    /** EtherType IPv6. */
    public static final int ETH_P_IPV6 = 0x86dd;
    /** IP protocol ICMP. */
    public static final int ICMP = 1;
    /** IP protocol TCP. */
    public static final int TCP = 6;
    /** IP protocol UDP. */
    public static final int UDP = 17;
    /** IP protocol ICMPv6. */
    public static final int ICMPV6 = 58;

    /** Result: an IPv4 packet with a complete TCP, UDP or ICMP header. */
    public static final int IPV4 = 1;
    /** Result: an ARP packet for IPv4 over Ethernet. */
    public static final int ARP = 2;
    /** Result: an IPv6 packet with a complete TCP, UDP or ICMPv6 header and no extension headers. */
    public static final int IPV6 = 3;
    /** Result: a well-formed frame of a kind the director does not handle (other EtherType or IP protocol). */
    public static final int OTHER = 0;
    /** Result: the frame ends before a header or the length a header claims. */
    public static final int TRUNCATED = -1;
    /** Result: a header field is impossible (version, header length, total length, ARP sizes). */
    public static final int MALFORMED = -2;
    /** Result: the IPv4 header checksum is wrong. */
    public static final int BAD_CHECKSUM = -3;
    /** Result: an IPv4 fragment (no ports to look up). */
    public static final int FRAGMENT = -4;

    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private MemorySegment segment;
    private long base;
    private int length;
    private int etherType;
    private long l3;
    private long l4;
    private int ipHeaderLength;
    private int ipLength;
    private int protocol;
    private int ttl;
    private int tos;
    private boolean dontFragment;
    private int src;
    private int dst;
    private long srcHi;
    private long srcLo;
    private long dstHi;
    private long dstLo;
    private int srcPort;
    private int dstPort;
    private int tcpFlags;
    private int icmpType;
    private int icmpCode;
    private boolean icmpError;
    private int flowProtocol;
    private int flowClient;
    private int flowClientPort;
    private int flowVirtual;
    private int flowVirtualPort;
    private long flowClientHi;
    private long flowClientLo;
    private long flowVirtualHi;
    private long flowVirtualLo;

    /**
     * Parses the frame of {@code length} bytes at {@code base} of {@code segment}.
     *
     * @return {@link #IPV4}, {@link #IPV6}, {@link #ARP} or {@link #OTHER}, or a negative reason to drop it
     */
    public int parse(MemorySegment segment, long base, int length) {
        this.segment = segment;
        this.base = base;
        this.length = length;
        this.icmpError = false;
        this.tcpFlags = 0;
        this.srcPort = 0;
        this.dstPort = 0;
        if (length < ETH_HEADER || base < 0 || base + length > segment.byteSize()) {
            return TRUNCATED;
        }
        etherType = Bytes.u16(segment, base + 12);
        l3 = base + ETH_HEADER;
        return switch (etherType) {
            case ETH_P_IP -> parseIpv4();
            case ETH_P_ARP -> parseArp();
            case ETH_P_IPV6 -> parseIpv6();
            default -> OTHER;
        };
    }

    private int parseArp() {
        if (length < ETH_HEADER + 28) {
            return TRUNCATED;
        }
        if (Bytes.u16(segment, l3) != 1 || Bytes.u16(segment, l3 + 2) != ETH_P_IP || Bytes.u8(segment, l3 + 4) != 6
                || Bytes.u8(segment, l3 + 5) != 4) {
            return MALFORMED;
        }
        int op = Bytes.u16(segment, l3 + 6);
        if (op != 1 && op != 2) {
            return MALFORMED;
        }
        return ARP;
    }

    private int parseIpv4() {
        int avail = length - ETH_HEADER;
        if (avail < 20) {
            return TRUNCATED;
        }
        int vihl = Bytes.u8(segment, l3);
        if (vihl >>> 4 != 4) {
            return MALFORMED;
        }
        ipHeaderLength = (vihl & 15) * 4;
        if (ipHeaderLength < 20) {
            return MALFORMED;
        }
        if (ipHeaderLength > avail) {
            return TRUNCATED;
        }
        ipLength = Bytes.u16(segment, l3 + 2);
        if (ipLength < ipHeaderLength) {
            return MALFORMED;
        }
        if (ipLength > avail) {
            return TRUNCATED;
        }
        if (!Checksums.ipv4HeaderValid(segment, l3, ipHeaderLength)) {
            return BAD_CHECKSUM;
        }
        tos = Bytes.u8(segment, l3 + 1);
        int frag = Bytes.u16(segment, l3 + 6);
        dontFragment = (frag & 0x4000) != 0;
        ttl = Bytes.u8(segment, l3 + 8);
        protocol = Bytes.u8(segment, l3 + 9);
        src = Bytes.u32(segment, l3 + 12);
        dst = Bytes.u32(segment, l3 + 16);
        if ((frag & 0x3fff) != 0) {
            return FRAGMENT;
        }
        l4 = l3 + ipHeaderLength;
        int r = parseL4(ipLength - ipHeaderLength, false);
        if (r != IPV4) {
            return r;
        }
        flowProtocol = protocol;
        flowClient = src;
        flowClientPort = srcPort;
        flowVirtual = dst;
        flowVirtualPort = dstPort;
        if (protocol == ICMP) {
            return parseIcmpError();
        }
        return IPV4;
    }

    private int parseL4(int l4Length, boolean v6) {
        switch (protocol) {
            case TCP -> {
                if (l4Length < 20) {
                    return TRUNCATED;
                }
                int dataOffset = (Bytes.u8(segment, l4 + 12) >>> 4) * 4;
                if (dataOffset < 20) {
                    return MALFORMED;
                }
                if (dataOffset > l4Length) {
                    return TRUNCATED;
                }
                srcPort = Bytes.u16(segment, l4);
                dstPort = Bytes.u16(segment, l4 + 2);
                tcpFlags = Bytes.u8(segment, l4 + 13);
            }
            case UDP -> {
                if (l4Length < 8) {
                    return TRUNCATED;
                }
                int udpLength = Bytes.u16(segment, l4 + 4);
                if (udpLength < 8) {
                    return MALFORMED;
                }
                if (udpLength > l4Length) {
                    return TRUNCATED;
                }
                srcPort = Bytes.u16(segment, l4);
                dstPort = Bytes.u16(segment, l4 + 2);
            }
            case ICMP, ICMPV6 -> {
                if ((protocol == ICMPV6) != v6) {
                    return OTHER;
                }
                if (v6 && !Checksums.l4Valid6(segment, l4, l4Length, srcHi, srcLo, dstHi, dstLo, ICMPV6)) {
                    return BAD_CHECKSUM;
                }
                if (l4Length < 8) {
                    return TRUNCATED;
                }
                icmpType = Bytes.u8(segment, l4);
                icmpCode = Bytes.u8(segment, l4 + 1);
            }
            default -> {
                return OTHER;
            }
        }
        return v6 ? IPV6 : IPV4;
    }

    /** ICMP destination unreachable (3), time exceeded (11), parameter problem (12): find the quoted flow. */
    private int parseIcmpError() {
        if (icmpType != 3 && icmpType != 11 && icmpType != 12) {
            return IPV4;
        }
        long inner = l4 + 8;
        int avail = (int) (l3 + ipLength - inner);
        if (avail < 20) {
            return TRUNCATED;
        }
        int vihl = Bytes.u8(segment, inner);
        int innerHeader = (vihl & 15) * 4;
        if (vihl >>> 4 != 4 || innerHeader < 20) {
            return MALFORMED;
        }
        if (avail < innerHeader + 8) {
            return TRUNCATED;
        }
        int innerProtocol = Bytes.u8(segment, inner + 9);
        if (innerProtocol != TCP && innerProtocol != UDP) {
            return IPV4; // an error about ICMP or another protocol: no connection to relay it to
        }
        if ((Bytes.u16(segment, inner + 6) & 0x1fff) != 0) {
            return IPV4; // a quoted non-first fragment has no ports
        }
        long innerL4 = inner + innerHeader;
        icmpError = true;
        flowProtocol = innerProtocol;
        // The quoted packet went from the VIP (server reply) to the client.
        flowVirtual = Bytes.u32(segment, inner + 12);
        flowClient = Bytes.u32(segment, inner + 16);
        flowVirtualPort = Bytes.u16(segment, innerL4);
        flowClientPort = Bytes.u16(segment, innerL4 + 2);
        return IPV4;
    }

    private int parseIpv6() {
        int avail = length - ETH_HEADER;
        if (avail < 40) {
            return TRUNCATED;
        }
        if (Bytes.u8(segment, l3) >>> 4 != 6) {
            return MALFORMED;
        }
        int payload = Bytes.u16(segment, l3 + 4);
        ipHeaderLength = 40;
        ipLength = payload + 40;
        if (ipLength > avail) {
            return TRUNCATED;
        }
        tos = (Bytes.u16(segment, l3) >>> 4) & 0xff;
        dontFragment = true;
        protocol = Bytes.u8(segment, l3 + 6);
        ttl = Bytes.u8(segment, l3 + 7);
        srcHi = segment.get(U64, l3 + 8);
        srcLo = segment.get(U64, l3 + 16);
        dstHi = segment.get(U64, l3 + 24);
        dstLo = segment.get(U64, l3 + 32);
        l4 = l3 + 40;
        src = 0;
        dst = 0;
        int r = parseL4(payload, true);
        if (r != IPV6) {
            return r;
        }
        flowProtocol = protocol;
        flowClientHi = srcHi;
        flowClientLo = srcLo;
        flowClientPort = srcPort;
        flowVirtualHi = dstHi;
        flowVirtualLo = dstLo;
        flowVirtualPort = dstPort;
        return protocol == ICMPV6 ? parseIcmp6Error() : IPV6;
    }

    /** ICMPv6 destination unreachable (1), packet too big (2), time exceeded (3), parameter problem (4). */
    private int parseIcmp6Error() {
        if (icmpType < 1 || icmpType > 4) {
            return IPV6;
        }
        long inner = l4 + 8;
        int avail = (int) (l3 + ipLength - inner);
        if (avail < 48) {
            return TRUNCATED;
        }
        if (Bytes.u8(segment, inner) >>> 4 != 6) {
            return MALFORMED;
        }
        int innerProtocol = Bytes.u8(segment, inner + 6);
        if (innerProtocol != TCP && innerProtocol != UDP) {
            return IPV6;
        }
        icmpError = true;
        flowProtocol = innerProtocol;
        flowVirtualHi = segment.get(U64, inner + 8);
        flowVirtualLo = segment.get(U64, inner + 16);
        flowClientHi = segment.get(U64, inner + 24);
        flowClientLo = segment.get(U64, inner + 32);
        flowVirtualPort = Bytes.u16(segment, inner + 40);
        flowClientPort = Bytes.u16(segment, inner + 42);
        return IPV6;
    }

    /** The segment of the last parsed frame. */
    public MemorySegment segment() {
        return segment;
    }

    /** Offset of the frame (its Ethernet header) in {@link #segment()}. */
    public long base() {
        return base;
    }

    /** Bytes of the frame as received (may include Ethernet padding after the IP packet). */
    public int length() {
        return length;
    }

    /** The EtherType. */
    public int etherType() {
        return etherType;
    }

    /** The frame's destination MAC. */
    public long dstMac() {
        return Bytes.mac(segment, base);
    }

    /** The frame's source MAC. */
    public long srcMac() {
        return Bytes.mac(segment, base + 6);
    }

    /** Offset of the IP (or ARP) header. */
    public long l3() {
        return l3;
    }

    /** Offset of the TCP, UDP or ICMP header. */
    public long l4() {
        return l4;
    }

    /** IP header bytes (IPv4 with options; 40 for IPv6). */
    public int ipHeaderLength() {
        return ipHeaderLength;
    }

    /** IP packet bytes: IPv4 total length, or IPv6 payload length + 40. */
    public int ipLength() {
        return ipLength;
    }

    /** Bytes of the L4 header and payload. */
    public int l4Length() {
        return ipLength - ipHeaderLength;
    }

    /** The IP protocol (IPv6: next header). */
    public int protocol() {
        return protocol;
    }

    /** TTL or hop limit. */
    public int ttl() {
        return ttl;
    }

    /** The TOS byte (IPv6: traffic class). */
    public int tos() {
        return tos;
    }

    /** True when IPv4 DF is set (always true for IPv6, which routers never fragment). */
    public boolean dontFragment() {
        return dontFragment;
    }

    /** IPv4 source address. */
    public int src() {
        return src;
    }

    /** IPv4 destination address. */
    public int dst() {
        return dst;
    }

    /** IPv6 source, high 64 bits. */
    public long srcHi() {
        return srcHi;
    }

    /** IPv6 source, low 64 bits. */
    public long srcLo() {
        return srcLo;
    }

    /** IPv6 destination, high 64 bits. */
    public long dstHi() {
        return dstHi;
    }

    /** IPv6 destination, low 64 bits. */
    public long dstLo() {
        return dstLo;
    }

    /** TCP or UDP source port (0 for ICMP). */
    public int srcPort() {
        return srcPort;
    }

    /** TCP or UDP destination port (0 for ICMP). */
    public int dstPort() {
        return dstPort;
    }

    /** The TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10); 0 for other protocols. */
    public int tcpFlags() {
        return tcpFlags;
    }

    /** ICMP type (for ICMP packets). */
    public int icmpType() {
        return icmpType;
    }

    /** ICMP code (for ICMP packets). */
    public int icmpCode() {
        return icmpCode;
    }

    /** True for an ICMP error quoting a TCP or UDP packet: the flow fields name that packet's connection. */
    public boolean isIcmpError() {
        return icmpError;
    }

    /** The flow's protocol (the quoted one for an ICMP error). */
    public int flowProtocol() {
        return flowProtocol;
    }

    /** The flow's client address (IPv4). */
    public int flowClient() {
        return flowClient;
    }

    /** The flow's client port. */
    public int flowClientPort() {
        return flowClientPort;
    }

    /** The flow's virtual address (IPv4). */
    public int flowVirtual() {
        return flowVirtual;
    }

    /** The flow's virtual port. */
    public int flowVirtualPort() {
        return flowVirtualPort;
    }

    /** The flow's IPv6 client address, high 64 bits. */
    public long flowClientHi() {
        return flowClientHi;
    }

    /** The flow's IPv6 client address, low 64 bits. */
    public long flowClientLo() {
        return flowClientLo;
    }

    /** The flow's IPv6 virtual address, high 64 bits. */
    public long flowVirtualHi() {
        return flowVirtualHi;
    }

    /** The flow's IPv6 virtual address, low 64 bits. */
    public long flowVirtualLo() {
        return flowVirtualLo;
    }

    /** True for IPv6 frames (after a result of {@link #IPV6}). */
    public boolean isIpv6() {
        return etherType == ETH_P_IPV6;
    }

    // ---- ARP (valid after a result of ARP)

    /** ARP operation: 1 request, 2 reply. */
    public int arpOperation() {
        return Bytes.u16(segment, l3 + 6);
    }

    /** ARP sender hardware address. */
    public long arpSenderMac() {
        return Bytes.mac(segment, l3 + 8);
    }

    /** ARP sender protocol address. */
    public int arpSenderIp() {
        return Bytes.u32(segment, l3 + 14);
    }

    /** ARP target hardware address. */
    public long arpTargetMac() {
        return Bytes.mac(segment, l3 + 18);
    }

    /** ARP target protocol address. */
    public int arpTargetIp() {
        return Bytes.u32(segment, l3 + 24);
    }
}
