package io.jvs.packet.internal.ring;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import io.jvs.packet.internal.ffi.Libc;
import io.jvs.packet.internal.ffi.NativeException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One AF_PACKET socket bound to an interface with a TPACKET_V2 RX ring and TX ring in one mapping, as DPDK's
 * af_packet driver sets it up: {@code PACKET_LOSS}, {@code PACKET_QDISC_BYPASS} (switchable),
 * {@code PACKET_IGNORE_OUTGOING}, and optionally a fanout group ({@code HASH|DEFRAG|ROLLOVER}).
 *
 * <p>Single-threaded: one worker thread owns a port (its fd, mapping and both cursors). Receive with
 * {@link #nextRx()}/{@link #releaseRx()}, send with {@link #nextTx()}/{@link #commitTx(int)} and one
 * {@link #flushTx()} per batch, wait with {@link #poll(int)}. Nothing here allocates per frame. {@link #close()}
 * unmaps the rings, then closes the socket.
 */
public final class AfPacketPort implements TxFrames, AutoCloseable {

    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_MR_ALLMULTI = 2;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_TX_RING = 13;
    static final int PACKET_LOSS = 14;
    static final int PACKET_FANOUT = 18;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int TPACKET_V2 = 1;
    static final int ETH_P_ALL = 0x0003;
    static final int FANOUT_HASH = 0;
    static final int FANOUT_FLAG_ROLLOVER = 0x1000;
    static final int FANOUT_FLAG_DEFRAG = 0x8000;

    /** RX status: the frame belongs to user space. */
    public static final int TP_STATUS_USER = 1;
    /** RX status: the frame was truncated to the ring's frame size. */
    public static final int TP_STATUS_COPY = 2;
    /** RX status: the L4 checksum is partial (offloaded, not yet computed): complete it before forwarding. */
    public static final int TP_STATUS_CSUMNOTREADY = 8;
    /** RX status: a GSO TCP super-frame (kernel 6.3+). */
    public static final int TP_STATUS_GSO_TCP = 0x100;
    static final int TP_STATUS_AVAILABLE = 0;
    static final int TP_STATUS_SEND_REQUEST = 1;
    static final int TP_STATUS_WRONG_FORMAT = 4;

    /** {@code sockaddr_ll.sll_pkttype} values. */
    public static final int PACKET_HOST = 0;
    /** Broadcast frame. */
    public static final int PACKET_BROADCAST = 1;
    /** Multicast frame. */
    public static final int PACKET_MULTICAST = 2;
    /** A frame for another host (promiscuous or flooded). */
    public static final int PACKET_OTHERHOST = 3;
    /** A frame this host sent. */
    public static final int PACKET_OUTGOING = 4;

    /** Bytes before a V2 TX frame's data: TPACKET_ALIGN(sizeof(tpacket2_hdr)). */
    static final int TX_DATA_OFFSET = 32;
    private static final int PKTTYPE_OFFSET = 42;

    private static final VarHandle STATUS = JAVA_INT.varHandle();

    private final PortOptions options;
    private final int fd;
    private final int ifindex;
    private final long mac;
    private final int mtu;
    private final Arena arena;
    private final MemorySegment ring;
    private final long ringSize;
    private final long txBase;
    private final int frameSize;
    private final int frameCount;
    private final MemorySegment pollfd;
    private int rxIndex;
    private int txIndex;
    private int txPending;
    private long txKicks;
    private long txKickErrors;
    private boolean closed;

    private AfPacketPort(PortOptions options, int fd, int ifindex, long mac, int mtu, Arena arena, MemorySegment ring,
                         long ringSize) {
        this.options = options;
        this.fd = fd;
        this.ifindex = ifindex;
        this.mac = mac;
        this.mtu = mtu;
        this.arena = arena;
        this.ring = ring;
        this.ringSize = ringSize;
        this.txBase = ringSize / 2;
        this.frameSize = options.frameSize();
        this.frameCount = options.frameCount();
        this.pollfd = arena.allocate(8, 8);
        pollfd.set(JAVA_INT, 0, fd);
        pollfd.set(JAVA_SHORT, 4, Libc.POLLIN);
    }

    /**
     * Opens a port: socket, ring set-up, mapping, bind, fanout join.
     *
     * @throws NativeException naming the call that failed (no CAP_NET_RAW: {@code socket(...)}: Operation not
     *     permitted)
     * @throws IOException when the interface's MAC or MTU cannot be read
     */
    public static AfPacketPort open(PortOptions options) throws IOException {
        int ifindex = Libc.ifNameToIndex(options.interfaceName());
        long mac = Interfaces.mac(options.interfaceName());
        int mtu = Interfaces.mtu(options.interfaceName());
        int fd = Libc.socket(Libc.AF_PACKET, Libc.SOCK_RAW, Short.reverseBytes((short) ETH_P_ALL) & 0xffff);
        Arena arena = Arena.ofShared();
        MemorySegment ring = null;
        long ringSize = 2L * options.blockSize() * options.blockCount();
        try {
            Libc.setsockopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2, "PACKET_VERSION");
            Libc.setsockopt(fd, SOL_PACKET, PACKET_LOSS, 1, "PACKET_LOSS");
            Libc.setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, options.qdiscBypass() ? 1 : 0, "PACKET_QDISC_BYPASS");
            Libc.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
            try (Arena a = Arena.ofConfined()) {
                MemorySegment req = a.allocate(16, 4);
                req.set(JAVA_INT, 0, options.blockSize());
                req.set(JAVA_INT, 4, options.blockCount());
                req.set(JAVA_INT, 8, options.frameSize());
                req.set(JAVA_INT, 12, options.frameCount());
                Libc.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, "PACKET_RX_RING");
                Libc.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req, "PACKET_TX_RING");
            }
            MemorySegment raw = Libc.mmap(ringSize, Libc.PROT_READ_WRITE, Libc.MAP_SHARED, fd, "packet rings");
            ring = raw.reinterpret(ringSize);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment sll = a.allocate(20, 4);
                sll.set(JAVA_SHORT, 0, (short) Libc.AF_PACKET);
                sll.set(JAVA_SHORT, 2, Short.reverseBytes((short) ETH_P_ALL));
                sll.set(JAVA_INT, 4, ifindex);
                Libc.bind(fd, sll, "AF_PACKET " + options.interfaceName());
            }
            if (options.fanoutGroup() >= 0) {
                int mode = FANOUT_HASH | FANOUT_FLAG_DEFRAG | FANOUT_FLAG_ROLLOVER;
                Libc.setsockopt(fd, SOL_PACKET, PACKET_FANOUT, options.fanoutGroup() | (mode << 16),
                        "PACKET_FANOUT group " + options.fanoutGroup());
            }
            return new AfPacketPort(options, fd, ifindex, mac, mtu, arena, ring, ringSize);
        } catch (IOException | RuntimeException e) {
            if (ring != null) {
                try {
                    Libc.munmap(ring, ringSize);
                } catch (NativeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            try {
                Libc.close(fd);
            } catch (NativeException suppressed) {
                e.addSuppressed(suppressed);
            }
            arena.close();
            throw e;
        }
    }

    /**
     * Receives all multicast frames on the interface ({@code PACKET_MR_ALLMULTI}): IPv6 neighbour solicitations
     * for a VIP go to its solicited-node group, which the NIC filters out when the kernel has not joined it (mode A).
     */
    public void joinAllMulticast() throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mreq = a.allocate(16, 4);
            mreq.set(JAVA_INT, 0, ifindex);
            mreq.set(JAVA_SHORT, 4, (short) PACKET_MR_ALLMULTI);
            Libc.setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, mreq, "PACKET_ADD_MEMBERSHIP allmulti");
        }
    }

    /** The options this port was opened with. */
    public PortOptions options() {
        return options;
    }

    /** The interface index. */
    public int ifindex() {
        return ifindex;
    }

    /** The interface's MAC in the low 48 bits. */
    public long mac() {
        return mac;
    }

    /** The interface's MTU (IP bytes per frame). */
    public int mtu() {
        return mtu;
    }

    /** The mapping holding both rings; frame offsets from this class index it. */
    public MemorySegment ring() {
        return ring;
    }

    /** The socket's descriptor (for a Netty {@code EpollIoHandle} or diagnostics). */
    public int fd() {
        return fd;
    }

    // ---- RX

    /** The offset of the current RX frame's header if user space owns it, else -1. */
    public long nextRx() {
        long off = (long) rxIndex * frameSize;
        int status = (int) STATUS.getAcquire(ring, off);
        return (status & TP_STATUS_USER) != 0 ? off : -1;
    }

    /** The RX frame's status bits ({@code TP_STATUS_*}). */
    public int rxStatus(long frame) {
        return ring.get(JAVA_INT, frame);
    }

    /** The offset of the RX frame's first byte (its Ethernet header). */
    public long rxData(long frame) {
        return frame + (ring.get(JAVA_SHORT, frame + 12) & 0xffff);
    }

    /** Bytes of the frame in the ring ({@code tp_snaplen}). */
    public int rxLength(long frame) {
        return ring.get(JAVA_INT, frame + 8);
    }

    /** The frame's length on the wire ({@code tp_len}); larger than {@link #rxLength} when truncated. */
    public int rxWireLength(long frame) {
        return ring.get(JAVA_INT, frame + 4);
    }

    /** The packet type ({@code PACKET_HOST}, {@code PACKET_BROADCAST}, ...). */
    public int rxPacketType(long frame) {
        return ring.get(JAVA_BYTE, frame + PKTTYPE_OFFSET) & 0xff;
    }

    /** Hands the current RX frame back to the kernel and moves to the next. */
    public void releaseRx() {
        STATUS.setRelease(ring, (long) rxIndex * frameSize, 0);
        rxIndex = rxIndex + 1 == frameCount ? 0 : rxIndex + 1;
    }

    // ---- TX

    /** The offset of the next free TX frame's data area, or -1 when the TX ring is full. */
    @Override
    public long nextTx() {
        long off = txBase + (long) txIndex * frameSize;
        int status = (int) STATUS.getAcquire(ring, off);
        if (status == TP_STATUS_AVAILABLE || status == TP_STATUS_WRONG_FORMAT) {
            return off + TX_DATA_OFFSET;
        }
        return -1;
    }

    /** Bytes a TX frame's data area holds. */
    @Override
    public int txCapacity() {
        return frameSize - TX_DATA_OFFSET;
    }

    /** Queues the frame {@link #nextTx()} returned with {@code length} bytes; sent at the next {@link #flushTx()}. */
    @Override
    public void commitTx(int length) {
        long off = txBase + (long) txIndex * frameSize;
        ring.set(JAVA_INT, off + 4, length);
        STATUS.setRelease(ring, off, TP_STATUS_SEND_REQUEST);
        txIndex = txIndex + 1 == frameCount ? 0 : txIndex + 1;
        txPending++;
    }

    /**
     * Kicks the kernel to send every queued TX frame ({@code sendto} with no buffer and {@code MSG_DONTWAIT}).
     *
     * @return the frames queued since the last flush, or {@code -errno} when the kick failed (they stay queued)
     */
    public int flushTx() {
        if (txPending == 0) {
            return 0;
        }
        long r = Libc.sendto(fd, MemorySegment.NULL, 0, Libc.MSG_DONTWAIT, MemorySegment.NULL, 0);
        txKicks++;
        if (r < 0 && r != -Libc.EAGAIN && r != -Libc.ENOBUFS) {
            txKickErrors++;
            return (int) r;
        }
        int sent = txPending;
        txPending = 0;
        return sent;
    }

    /** TX kicks so far (one syscall each). */
    public long txKicks() {
        return txKicks;
    }

    /** TX kicks that failed with an error other than EAGAIN/ENOBUFS. */
    public long txKickErrors() {
        return txKickErrors;
    }

    /**
     * Waits up to {@code timeoutMs} for a frame to receive ({@code poll}).
     *
     * @return true when a frame is ready, false on timeout or interruption by a signal
     */
    public boolean poll(int timeoutMs) {
        pollfd.set(JAVA_SHORT, 6, (short) 0);
        int r = Libc.poll(pollfd, 1, timeoutMs);
        return r > 0;
    }

    /**
     * The kernel's counters for this socket ({@code PACKET_STATISTICS}), reset by the read: {@code [packets,
     * drops]}.
     */
    public long[] statistics() throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(8, 4);
            Libc.getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, st, "PACKET_STATISTICS");
            return new long[] {st.get(JAVA_INT, 0) & 0xffffffffL, st.get(JAVA_INT, 4) & 0xffffffffL};
        }
    }

    /** Unmaps the rings, then closes the socket; idempotent. */
    @Override
    public void close() throws NativeException {
        if (closed) {
            return;
        }
        closed = true;
        NativeException failure = null;
        try {
            Libc.munmap(ring, ringSize);
        } catch (NativeException e) {
            failure = e;
        }
        try {
            Libc.close(fd);
        } catch (NativeException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        }
        arena.close();
        if (failure != null) {
            throw failure;
        }
    }

    /** Reads a sysfs attribute of an interface. */
    static String sysfs(String interfaceName, String attribute) throws IOException {
        return Files.readString(Path.of("/sys/class/net", interfaceName, attribute)).trim();
    }
}
