package io.jvs.packet.internal.xmit;

import io.jvs.packet.internal.frame.Arp;
import io.jvs.packet.internal.frame.Icmp;
import io.jvs.packet.internal.frame.Icmp6;
import io.jvs.packet.internal.frame.PacketView;
import io.jvs.packet.internal.ring.AfPacketPort;
import io.jvs.packet.internal.ring.TxFrames;
import java.lang.foreign.MemorySegment;
import java.util.function.LongSupplier;

/**
 * The director's work on one received frame, IPVS's DR/TUN input path: filter, parse and validate, answer ARP for
 * the VIPs (mode A), learn neighbours, route the flow ({@link FlowRouter}), check TTL and MTU (answering with ICMP
 * errors as the kernel does), and write the forwarded frame: {@link DirectRoute} or {@link Tunnel}. ICMP errors
 * quoting a flow go to that flow's server (IPVS {@code ip_vs_in_icmp}).
 *
 * <p>One instance per worker; {@link #handle} allocates nothing and never throws on bad input: every outcome is a
 * {@link Counter}.
 */
public final class PacketProcessor {

    private final long mac;
    private final int address;
    private final int mtu;
    private final VipSet vips;
    private final FlowRouter router;
    private final NeighbourCache neighbours;
    private final PacketCounters counters;
    /** The VIPs the director answers ARP and neighbour solicitations for (mode A); a subset of {@code vips}. */
    private final VipSet arpVips;
    private final LongSupplier nanoTime;
    private final long address6Hi;
    private final long address6Lo;
    private final PacketView view = new PacketView();

    /**
     * @param mac the director interface's MAC
     * @param address the director interface's IPv4 address (ARP requests, tunnel source)
     * @param mtu the interface's MTU
     * @param answerArp mode A: the VIPs are not configured on the director, which answers ARP for them itself
     */
    public PacketProcessor(long mac, int address, int mtu, VipSet vips, FlowRouter router, NeighbourCache neighbours,
                           PacketCounters counters, boolean answerArp, LongSupplier nanoTime) {
        this(mac, address, 0, 0, mtu, vips, router, neighbours, counters, answerArp, nanoTime);
    }

    /**
     * A processor that also forwards IPv6: {@code address6Hi:address6Lo} is the interface's IPv6 address, the
     * source of its neighbour solicitations (0 when it has none: IPv6 next hops are then never solicited).
     */
    public PacketProcessor(long mac, int address, long address6Hi, long address6Lo, int mtu, VipSet vips,
                           FlowRouter router, NeighbourCache neighbours, PacketCounters counters, boolean answerArp,
                           LongSupplier nanoTime) {
        this(mac, address, address6Hi, address6Lo, mtu, vips, answerArp ? vips : new VipSet(), router, neighbours,
                counters, nanoTime);
    }

    /**
     * A processor whose VIPs are in both modes: it answers ARP and neighbour solicitations for those of
     * {@code arpVips} (mode A, not configured on the director) and leaves the others' to the kernel (mode B).
     */
    public PacketProcessor(long mac, int address, long address6Hi, long address6Lo, int mtu, VipSet vips,
                           VipSet arpVips, FlowRouter router, NeighbourCache neighbours, PacketCounters counters,
                           LongSupplier nanoTime) {
        this.address6Hi = address6Hi;
        this.address6Lo = address6Lo;
        this.mac = mac;
        this.address = address;
        this.mtu = mtu;
        this.vips = vips;
        this.router = router;
        this.neighbours = neighbours;
        this.counters = counters;
        this.arpVips = arpVips;
        this.nanoTime = nanoTime;
    }

    /** The counters this processor writes. */
    public PacketCounters counters() {
        return counters;
    }

    /**
     * Handles the frame of {@code length} bytes at {@code data} of {@code s}; frames to send are written to
     * {@code tx}, whose offsets index the same segment {@code s}.
     *
     * @param status the ring's {@code TP_STATUS_*} bits for the frame
     * @param packetType {@code sll_pkttype}: {@code PACKET_HOST}, {@code PACKET_BROADCAST}, ...
     */
    public void handle(MemorySegment s, long data, int length, int status, int packetType, TxFrames tx) {
        counters.increment(Counter.RX_FRAMES);
        counters.add(Counter.RX_BYTES, length);
        if (packetType == AfPacketPort.PACKET_OUTGOING || packetType == AfPacketPort.PACKET_OTHERHOST) {
            counters.increment(Counter.NOT_OURS);
            return;
        }
        if ((status & AfPacketPort.TP_STATUS_COPY) != 0) {
            counters.increment(Counter.TRUNCATED);
            return;
        }
        int r = view.parse(s, data, length);
        switch (r) {
            case PacketView.IPV4 -> {
                if (packetType != AfPacketPort.PACKET_HOST || !vips.contains(view.dst())) {
                    counters.increment(Counter.NOT_OURS);
                } else if ((status & AfPacketPort.TP_STATUS_GSO_TCP) != 0) {
                    counters.increment(Counter.TOO_BIG);
                } else {
                    forward(s, (status & AfPacketPort.TP_STATUS_CSUMNOTREADY) != 0, tx);
                }
            }
            case PacketView.ARP -> arp(s, tx);
            case PacketView.IPV6 -> {
                int t = view.protocol() == PacketView.ICMPV6 ? view.icmpType() : 0;
                if (t == Icmp6.NEIGHBOUR_SOLICITATION || t == Icmp6.NEIGHBOUR_ADVERTISEMENT) {
                    ndp(s, t, tx);
                } else if (packetType != AfPacketPort.PACKET_HOST || !vips.contains(view.dstHi(), view.dstLo())) {
                    counters.increment(Counter.NOT_OURS);
                } else if ((status & AfPacketPort.TP_STATUS_GSO_TCP) != 0) {
                    counters.increment(Counter.TOO_BIG);
                } else {
                    forward6(s, (status & AfPacketPort.TP_STATUS_CSUMNOTREADY) != 0, tx);
                }
            }
            case PacketView.OTHER -> counters.increment(Counter.NOT_OURS);
            case PacketView.TRUNCATED -> counters.increment(Counter.TRUNCATED);
            case PacketView.BAD_CHECKSUM -> counters.increment(Counter.BAD_CHECKSUM);
            case PacketView.FRAGMENT -> counters.increment(vips.contains(view.dst()) ? Counter.FRAGMENT : Counter.NOT_OURS);
            default -> counters.increment(Counter.MALFORMED);
        }
    }

    private void forward(MemorySegment s, boolean partialChecksum, TxFrames tx) {
        int protocol = view.protocol();
        if (protocol != PacketView.TCP && protocol != PacketView.UDP && !view.isIcmpError()) {
            counters.increment(Counter.NOT_OURS); // ping and other protocols are the kernel's (IPVS passes them)
            return;
        }
        Route route = router.route(view);
        if (route == null) {
            counters.increment(Counter.REFUSED);
            return;
        }
        long nextHopMac = neighbours.lookup(route.nextHop());
        if (nextHopMac < 0) {
            counters.increment(Counter.NO_NEIGHBOUR);
            requestNeighbour(s, route.nextHop(), tx);
            return;
        }
        boolean icmpError = view.isIcmpError();
        if (view.ttl() <= 1) {
            counters.increment(Counter.TTL_EXPIRED);
            if (!icmpError) {
                sendIcmp(s, tx, Icmp.TIME_EXCEEDED, Icmp.EXC_TTL, 0);
            }
            return;
        }
        int usable = mtu - route.overhead();
        if (view.ipLength() > usable && !icmpError) {
            if (view.dontFragment()) {
                counters.increment(Counter.FRAG_NEEDED);
                sendIcmp(s, tx, Icmp.DEST_UNREACH, Icmp.FRAG_NEEDED, usable);
            } else {
                counters.increment(Counter.TOO_BIG);
            }
            return;
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        int written = route.method() == Route.DR
                ? DirectRoute.write(view, s, out, tx.txCapacity(), mac, nextHopMac, partialChecksum)
                : Tunnel.write(view, s, out, tx.txCapacity(), mac, nextHopMac, address, route, partialChecksum);
        if (written == 0) {
            counters.increment(Counter.TOO_BIG);
            return;
        }
        tx.commitTx(written);
        if (partialChecksum) {
            counters.increment(Counter.CHECKSUM_COMPLETED);
        }
        counters.increment(icmpError ? Counter.ICMP_RELAYED : Counter.FORWARDED);
    }

    private void forward6(MemorySegment s, boolean partialChecksum, TxFrames tx) {
        int protocol = view.protocol();
        boolean icmpError = view.isIcmpError();
        if (protocol != PacketView.TCP && protocol != PacketView.UDP && !icmpError) {
            counters.increment(Counter.NOT_OURS);
            return;
        }
        Route route = router.route(view);
        if (route == null || !route.isIpv6() || route.method() != Route.DR) {
            counters.increment(Counter.REFUSED); // IPv6 tunnels are not supported yet
            return;
        }
        long nextHopMac = neighbours.lookup(route.serverHi(), route.serverLo());
        if (nextHopMac < 0) {
            counters.increment(Counter.NO_NEIGHBOUR);
            solicit(s, route.serverHi(), route.serverLo(), tx);
            return;
        }
        if (view.ttl() <= 1) {
            counters.increment(Counter.TTL_EXPIRED);
            if (!icmpError) {
                sendIcmp6(s, tx, Icmp6.TIME_EXCEEDED, 0, 0);
            }
            return;
        }
        if (view.ipLength() > mtu && !icmpError) {
            counters.increment(Counter.FRAG_NEEDED);
            sendIcmp6(s, tx, Icmp6.PACKET_TOO_BIG, 0, mtu);
            return;
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        int written = DirectRoute.write6(view, s, out, tx.txCapacity(), mac, nextHopMac, partialChecksum);
        if (written == 0) {
            counters.increment(Counter.TOO_BIG);
            return;
        }
        tx.commitTx(written);
        if (partialChecksum) {
            counters.increment(Counter.CHECKSUM_COMPLETED);
        }
        counters.increment(icmpError ? Counter.ICMP_RELAYED : Counter.FORWARDED);
    }

    private void sendIcmp6(MemorySegment s, TxFrames tx, int type, int code, int info) {
        if (view.protocol() == PacketView.ICMPV6 && view.icmpType() < 128 || (view.srcHi() >>> 56) == 0xff) {
            return; // never about an ICMPv6 error, nor to a multicast source (RFC 4443 2.4)
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        int n = Icmp6.writeError(view, s, out, tx.txCapacity(), mac, view.dstHi(), view.dstLo(), type, code, info);
        if (n > 0) {
            tx.commitTx(n);
            counters.increment(Counter.ICMP_SENT);
        }
    }

    private void solicit(MemorySegment s, long hi, long lo, TxFrames tx) {
        if ((address6Hi | address6Lo) == 0 || !neighbours.shouldRequest(hi, lo, nanoTime.getAsLong())) {
            return;
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        tx.commitTx(Icmp6.writeSolicitation(s, out, mac, address6Hi, address6Lo, hi, lo));
        counters.increment(Counter.ARP_REQUESTS);
    }

    /** Neighbour discovery: learn the next hops we asked for; in mode A answer solicitations for a VIP. */
    private void ndp(MemorySegment s, int type, TxFrames tx) {
        if (view.ttl() != 255 || view.l4Length() < 24) {
            counters.increment(Counter.MALFORMED); // RFC 4861 7.1.1: hop limit 255, at least 24 bytes
            return;
        }
        long targetHi = Icmp6.targetHi(view);
        long targetLo = Icmp6.targetLo(view);
        if (type == Icmp6.NEIGHBOUR_ADVERTISEMENT) {
            long lla = Icmp6.linkAddressOption(view, Icmp6.OPTION_TARGET_LINK_ADDRESS);
            if (neighbours.isTracked(targetHi, targetLo)) {
                neighbours.learn(targetHi, targetLo, lla >= 0 ? lla : view.srcMac(), nanoTime.getAsLong());
            }
            counters.increment(Counter.NOT_OURS);
            return;
        }
        boolean fromUnspecified = (view.srcHi() | view.srcLo()) == 0; // duplicate address detection
        long sourceMac = Icmp6.linkAddressOption(view, Icmp6.OPTION_SOURCE_LINK_ADDRESS);
        if (!fromUnspecified && sourceMac >= 0 && neighbours.isTracked(view.srcHi(), view.srcLo())) {
            neighbours.learn(view.srcHi(), view.srcLo(), sourceMac, nanoTime.getAsLong());
        }
        if (!fromUnspecified && arpVips.contains(targetHi, targetLo)) {
            long out = tx.nextTx();
            if (out < 0) {
                counters.increment(Counter.TX_RING_FULL);
                return;
            }
            tx.commitTx(Icmp6.writeAdvertisement(s, out, mac, targetHi, targetLo,
                    sourceMac >= 0 ? sourceMac : view.srcMac(), view.srcHi(), view.srcLo()));
            counters.increment(Counter.ARP_REPLIES);
        } else {
            counters.increment(Counter.NOT_OURS);
        }
    }

    /** Writes an unsolicited neighbour advertisement for the IPv6 VIP (mode A); false when the ring is full. */
    public boolean announce6(MemorySegment s, long hi, long lo, TxFrames tx) {
        long out = tx.nextTx();
        if (out < 0) {
            return false;
        }
        tx.commitTx(Icmp6.writeAdvertisement(s, out, mac, hi, lo, 0, 0, 0));
        return true;
    }

    /** Writes a neighbour solicitation for an IPv6 server now; false when full or without an IPv6 address. */
    public boolean resolve6(MemorySegment s, long hi, long lo, TxFrames tx) {
        if ((address6Hi | address6Lo) == 0) {
            return false;
        }
        neighbours.shouldRequest(hi, lo, nanoTime.getAsLong());
        long out = tx.nextTx();
        if (out < 0) {
            return false;
        }
        tx.commitTx(Icmp6.writeSolicitation(s, out, mac, address6Hi, address6Lo, hi, lo));
        counters.increment(Counter.ARP_REQUESTS);
        return true;
    }

    private void sendIcmp(MemorySegment s, TxFrames tx, int type, int code, int info) {
        if (!Icmp.mayAnswer(view)) {
            return;
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        int n = Icmp.writeError(view, s, out, tx.txCapacity(), mac, view.dst(), type, code, info);
        if (n > 0) {
            tx.commitTx(n);
            counters.increment(Counter.ICMP_SENT);
        }
    }

    private void requestNeighbour(MemorySegment s, int target, TxFrames tx) {
        if (!neighbours.shouldRequest(target, nanoTime.getAsLong())) {
            return;
        }
        long out = tx.nextTx();
        if (out < 0) {
            counters.increment(Counter.TX_RING_FULL);
            return;
        }
        tx.commitTx(Arp.writeRequest(s, out, mac, address, target));
        counters.increment(Counter.ARP_REQUESTS);
    }

    private void arp(MemorySegment s, TxFrames tx) {
        int op = view.arpOperation();
        int senderIp = view.arpSenderIp();
        long senderMac = view.arpSenderMac();
        if (senderIp != 0 && senderMac != 0 && senderMac != Arp.BROADCAST
                && ((op == 2 && view.arpTargetIp() == address) || neighbours.isTracked(senderIp))) {
            neighbours.learn(senderIp, senderMac, nanoTime.getAsLong());
        }
        if (op == 1 && arpVips.contains(view.arpTargetIp()) && senderIp != view.arpTargetIp()) {
            long out = tx.nextTx();
            if (out < 0) {
                counters.increment(Counter.TX_RING_FULL);
                return;
            }
            tx.commitTx(Arp.writeReply(s, out, mac, view.arpTargetIp(), senderMac, senderIp));
            counters.increment(Counter.ARP_REPLIES);
        } else {
            counters.increment(Counter.NOT_OURS);
        }
    }

    /** Writes a gratuitous ARP for {@code vip} (mode A, at start and on take-over); false when the ring is full. */
    public boolean announce(MemorySegment s, int vip, TxFrames tx) {
        long out = tx.nextTx();
        if (out < 0) {
            return false;
        }
        tx.commitTx(Arp.writeGratuitous(s, out, mac, vip));
        return true;
    }

    /** Writes an ARP request for {@code target} now (to resolve real servers before traffic); false when full. */
    public boolean resolve(MemorySegment s, int target, TxFrames tx) {
        neighbours.shouldRequest(target, nanoTime.getAsLong());
        long out = tx.nextTx();
        if (out < 0) {
            return false;
        }
        tx.commitTx(Arp.writeRequest(s, out, mac, address, target));
        counters.increment(Counter.ARP_REQUESTS);
        return true;
    }
}
