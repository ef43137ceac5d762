package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.Destination;
import io.jvs.api.Flow;
import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the {@link ConnectionTable} (IPVS {@code struct ip_vs_conn}): a connection or UDP flow, or a
 * persistence template. Before it is placed it is also the {@link Flow} its scheduler reads.
 *
 * <p>Addresses are primitives: two {@code long}s per address (an IPv4 address in the low word). The state, the
 * INACTIVE, TEMPLATE, ASSURED and NOOUTPUT flags of IPVS, and whether the entry has expired, share one {@code int}
 * changed by compare-and-set, so a state change on the connection's thread and an expiry on the timer thread
 * each move the server's counters exactly once. The expiry time is written with an opaque store on every packet.
 */
final class ConnectionEntry implements Connection, Flow {

    static final int STATE_MASK = 0xF;
    static final int INACTIVE = 1 << 4;
    static final int NOOUTPUT = 1 << 5;
    static final int TEMPLATE = 1 << 6;
    static final int ASSURED = 1 << 7;
    static final int DEAD = 1 << 8;
    static final int INVALID = 1 << 9;
    static final int ONE_PACKET = 1 << 10;
    static final int V6 = 1 << 11;

    /** IP protocol numbers; 0 (IP) is the protocol of firewall-mark templates. */
    static final int IP = 0;
    static final int TCP = 6;
    static final int UDP = 17;

    private static final VarHandle FLAGS;
    private static final VarHandle EXPIRES;
    private static final VarHandle CONTROLLED;
    private static final VarHandle SOURCES;
    private static final VarHandle CLOSER;
    /** A UDP flow idle this long may be dropped when memory is short (IPVS {@code todrop_entry}: 60 s). */
    static final long DROP_IDLE_NANOS = 60_000_000_000L;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(ConnectionEntry.class, "flags", int.class);
            EXPIRES = l.findVarHandle(ConnectionEntry.class, "expiresAt", long.class);
            CONTROLLED = l.findVarHandle(ConnectionEntry.class, "controlled", int.class);
            SOURCES = l.findVarHandle(ConnectionEntry.class, "sources", SourceTable.class);
            CLOSER = l.findVarHandle(ConnectionEntry.class, "closer", Closer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ServiceEntry service;
    final long caHi;
    final long caLo;
    final long vaHi;
    final long vaLo;
    /** Client port &lt;&lt; 16 | virtual port. */
    final int ports;
    final byte protocol;
    final int hash;
    /** The port connections go to on the real server (a template: the real server's port, or 0). */
    private char dport;
    private volatile int flags;
    /** Nanoseconds of the ticker; opaque writes on packets, read by the timer. */
    private long expiresAt;
    private volatile DestinationEntry dest;
    /** The template this connection was placed through, or null. */
    private ConnectionEntry control;
    /** Templates: connections placed through this template that are still in the table. */
    private volatile int controlled;
    /** Templates: the timeout in seconds (the service's persistence timeout, or 60 once re-armed). */
    private volatile int templateSeconds;
    private volatile Closer closer;
    /** The per-source table this connection is counted in until it ends, or null. */
    @SuppressWarnings("unused") // through SOURCES
    private volatile SourceTable sources;
    /** Servers that failed to accept this connection, when it was rescheduled. */
    private List<DestinationEntry> tried;
    /** Chain of the hash bucket: written under the stripe lock, read without. */
    volatile ConnectionEntry next;
    /** Chain of the timer-wheel slot: stripe lock only. */
    ConnectionEntry timerNext;
    ConnectionEntry timerPrev;
    /** The tick of the slot the entry is in; -1 when in no slot. Written under the stripe lock. */
    volatile int slotTick = -1;

    ConnectionEntry(ServiceEntry service, int protocol, int flags, long caHi, long caLo, int cport, long vaHi,
            long vaLo, int vport) {
        this.service = service;
        this.protocol = (byte) protocol;
        this.flags = flags;
        this.caHi = caHi;
        this.caLo = caLo;
        this.vaHi = vaHi;
        this.vaLo = vaLo;
        this.ports = cport << 16 | vport;
        this.hash = service.table.hash(protocol, caHi, caLo, cport, vaHi, vaLo, vport);
    }

    boolean matches(int protocol, boolean template, long caHi, long caLo, int cport, long vaHi, long vaLo,
            int vport) {
        int f = flags;
        return this.caLo == caLo && ports == (cport << 16 | vport) && this.vaLo == vaLo && this.caHi == caHi
                && this.vaHi == vaHi && this.protocol == protocol && ((f & TEMPLATE) != 0) == template
                && (f & (DEAD | INVALID)) == 0;
    }

    // ---- state

    int flags() {
        return flags;
    }

    int state() {
        return flags & STATE_MASK;
    }

    boolean isTemplate() {
        return (flags & TEMPLATE) != 0;
    }

    boolean isDead() {
        return (flags & DEAD) != 0;
    }

    long expiresAt() {
        return (long) EXPIRES.getOpaque(this);
    }

    long expiresAtVolatile() {
        return (long) EXPIRES.getVolatile(this);
    }

    /**
     * Re-arms the timer (a packet): an opaque store, and one comparison with the slot; the entry moves to an
     * earlier slot under the stripe lock only if the expiry became earlier than its slot (a shorter timeout after
     * {@code --set}).
     */
    void expireIn(long now, long nanos) {
        long at = now + nanos;
        EXPIRES.setOpaque(this, at);
        ConnectionTable t = service.table;
        if (t.beforeSlot(at, slotTick)) {
            t.expiryShortened(this);
        }
    }

    /**
     * Re-arms the timer after a state change, which may shorten the expiry: a volatile store, so that either this
     * thread sees a slot the timer is publishing at the same time or the timer sees this expiry.
     */
    private void rearm(long now, long nanos) {
        long at = now + nanos;
        EXPIRES.setVolatile(this, at);
        ConnectionTable t = service.table;
        if (t.beforeSlot(at, slotTick)) {
            t.expiryShortened(this);
        }
    }

    DestinationEntry dest() {
        return dest;
    }

    ConnectionEntry control() {
        return control;
    }

    /** Sets the server and the port to connect to, before the entry is published. */
    void place(DestinationEntry d, int dport, ConnectionEntry template) {
        this.dest = d;
        this.dport = (char) dport;
        this.control = template;
    }

    /** Replies will not pass the director (DR, TUN): client segments use the INPUT-ONLY table. */
    void markNoOutput() {
        setFlag(NOOUTPUT);
    }

    /**
     * The first packet of a new entry: the client's SYN for TCP (NONE to SYN_RECV, now active), or the first
     * datagram for UDP (300 s).
     */
    void started() {
        if (protocol == TCP) {
            segment(TcpStates.INPUT, TcpStates.SYN);
        } else {
            datagram(TcpStates.INPUT);
        }
    }

    /** Sets the expired flag; returns the flags before. */
    int markDead() {
        int f;
        do {
            f = flags;
        } while (!FLAGS.compareAndSet(this, f, f | DEAD));
        return f;
    }

    private void setFlag(int flag) {
        int f;
        do {
            f = flags;
            if ((f & flag) != 0) {
                return;
            }
        } while (!FLAGS.compareAndSet(this, f, f | flag));
    }

    /** The entry left the table (lock held): its server's counters and its template's count go down. */
    void released(int flagsBefore) {
        DestinationEntry d = dest;
        if ((flagsBefore & TEMPLATE) != 0) {
            d.unbindTemplate();
        } else {
            releaseSource();
            d.unbind((flagsBefore & INACTIVE) == 0);
            ConnectionEntry t = control;
            if (t != null) {
                CONTROLLED.getAndAdd(t, -1);
            }
        }
    }

    /**
     * Runs one TCP segment through the state machine (IPVS {@code set_tcp_state}) and re-arms the timer with the
     * new state's timeout. {@code direction} is INPUT or OUTPUT; NOOUTPUT entries use INPUT-ONLY for client
     * segments until the first reply clears the flag.
     *
     * @return the new state
     */
    int segment(int direction, int event) {
        ConnectionTable t = service.table;
        int f;
        int nf;
        int next;
        do {
            f = flags;
            if ((f & DEAD) != 0) {
                return f & STATE_MASK;
            }
            int dir = direction;
            nf = f;
            if ((f & NOOUTPUT) != 0) {
                if (direction == TcpStates.OUTPUT) {
                    nf &= ~NOOUTPUT;
                } else {
                    dir = TcpStates.INPUT_ONLY;
                }
            }
            next = t.tcpTable[dir * 4 + event][f & STATE_MASK];
            nf = (nf & ~STATE_MASK) | next;
            nf = TcpStates.isActive(next) ? nf & ~INACTIVE : nf | INACTIVE;
        } while (nf != f && !FLAGS.compareAndSet(this, f, nf));
        if (nf != f) {
            rearm(t.now(), t.timeoutNanos[next]);
        } else {
            expireIn(t.now(), t.timeoutNanos[next]);
        }
        if (nf != f) {
            changed(f, nf);
        }
        return next;
    }

    /** After a state change: moves the connection between the server's active and inactive counters. */
    private void changed(int before, int after) {
        if ((before & INACTIVE) != (after & INACTIVE)) {
            dest.move((after & INACTIVE) == 0);
        }
        if ((after & STATE_MASK) == TcpStates.ESTABLISHED && (before & STATE_MASK) != TcpStates.ESTABLISHED) {
            ConnectionEntry t = control;
            if (t != null) {
                t.setFlag(ASSURED);
            }
        }
    }

    /** Sets the TCP state directly (when the data path ends a connection without a FIN or reset; tests). */
    void forceState(int state) {
        ConnectionTable t = service.table;
        int f;
        int nf;
        do {
            f = flags;
            if ((f & DEAD) != 0) {
                return;
            }
            nf = (f & ~STATE_MASK) | state;
            nf = TcpStates.isActive(state) ? nf & ~INACTIVE : nf | INACTIVE;
        } while (nf != f && !FLAGS.compareAndSet(this, f, nf));
        rearm(t.now(), t.timeoutNanos[state]);
        if (nf != f) {
            changed(f, nf);
        }
    }

    /**
     * One packet of a UDP flow (either direction): 300 s more; a reply makes the template ASSURED, and shows that
     * the flow's server answers, so servers that failed before may be tried again by a later {@link #reschedule}.
     */
    private void datagram(int direction) {
        ConnectionTable t = service.table;
        expireIn(t.now(), t.timeoutNanos[ConnectionTable.UDP_TIMEOUT]);
        if (direction == TcpStates.OUTPUT) {
            ConnectionEntry c = control;
            if (c != null && (c.flags & ASSURED) == 0) {
                c.setFlag(ASSURED);
            }
            if (tried != null) {
                tried = null;
            }
        }
    }

    // ---- per-source accounting

    /** Counts this connection in {@code table} until it ends (before the entry is published, or on reuse). */
    void countSource(SourceTable table) {
        sources = table;
    }

    /** Whether the connection is counted in a per-source table now. */
    boolean sourceCounted() {
        return sources != null;
    }

    /** The connection ended (its sockets closed, or the entry left the table): uncounts it, once. */
    void releaseSource() {
        SourceTable t = (SourceTable) SOURCES.getAndSet(this, (SourceTable) null);
        if (t != null) {
            t.release((flags & V6) != 0, caHi, caLo);
        }
    }

    /**
     * Whether the memory defence may drop this entry early: it holds no open connection. A template that controls
     * no connection; a TCP connection whose sockets are closed and whose state is past the handshake and not
     * active (FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK); a UDP flow idle for 60 s or more.
     */
    boolean droppable(long now, long udpTimeoutNanos) {
        int f = flags;
        if ((f & DEAD) != 0) {
            return false;
        }
        if ((f & TEMPLATE) != 0) {
            return controlled == 0;
        }
        if (protocol == TCP) {
            int s = f & STATE_MASK;
            return closer == null && s != TcpStates.NONE && s != TcpStates.LISTEN && !TcpStates.isActive(s);
        }
        return udpTimeoutNanos - (expiresAt() - now) >= DROP_IDLE_NANOS;
    }

    // ---- templates

    int controlled() {
        return controlled;
    }

    void setTemplateSeconds(int seconds) {
        templateSeconds = seconds;
    }

    /** A new connection was placed through this template: count it and restart the template's timer. */
    void link(long now) {
        CONTROLLED.getAndAdd(this, 1);
        expireIn(now, templateSeconds * 1_000_000_000L);
    }

    /** A one-packet datagram went through this template: restart its timer. */
    void refresh(long now) {
        expireIn(now, templateSeconds * 1_000_000_000L);
    }

    /** Undoes {@link #link} for a connection that could not be created after all. */
    void unlink() {
        CONTROLLED.getAndAdd(this, -1);
    }

    /** The template expired while still controlling connections: 60 s more, and 60 s from now on (IPVS). */
    void rearmControlling(long now) {
        templateSeconds = 60;
        EXPIRES.setVolatile(this, now + ConnectionTable.CONTROL_REARM_NANOS); // the timer itself re-slots it
    }

    /** IPVS {@code ip_vs_check_template}: takes the template out of lookups; it stays until it expires. */
    void invalidate() {
        setFlag(INVALID);
    }

    // ---- Flow

    @Override
    public Protocol protocol() {
        return protocol == TCP ? Protocol.TCP : protocol == UDP ? Protocol.UDP : null;
    }

    @Override
    public int clientAddressHash() {
        return fold(caHi, caLo);
    }

    @Override
    public int clientPort() {
        return ports >>> 16;
    }

    @Override
    public int virtualAddressHash() {
        return fold(vaHi, vaLo);
    }

    @Override
    public int virtualPort() {
        return ports & 0xFFFF;
    }

    private int fold(long hi, long lo) {
        return (flags & V6) == 0 ? (int) lo : (int) (hi >>> 32) ^ (int) hi ^ (int) (lo >>> 32) ^ (int) lo;
    }

    // ---- Connection

    @Override
    public ServiceId service() {
        return service.id();
    }

    @Override
    public InetSocketAddress client() {
        return new InetSocketAddress(address(caHi, caLo), clientPort());
    }

    @Override
    public InetSocketAddress virtual() {
        return new InetSocketAddress(address(vaHi, vaLo), virtualPort());
    }

    @Override
    public Destination destination() {
        return dest;
    }

    @Override
    public InetSocketAddress destinationAddress() {
        InetSocketAddress a = dest.address();
        return a.getPort() == dport ? a : new InetSocketAddress(a.getAddress(), dport);
    }

    @Override
    public boolean reschedule() {
        DestinationEntry failed = dest;
        if (isDead() || (flags & TEMPLATE) != 0) {
            return false;
        }
        failed.connectFailed();
        if ((flags & ONE_PACKET) != 0) {
            return false; // the datagram is not sent again; the next one is scheduled on its own
        }
        if (tried == null) {
            tried = new ArrayList<>(2);
        }
        if (!tried.contains(failed)) { // a UDP flow's server may refuse every datagram: remember it once
            tried.add(failed);
        }
        // The server's service now: the one this entry was placed in, or the one it was revived into after that
        // service was deleted and added again (which is running, and has the other servers).
        DestinationEntry next = failed.serviceEntry().reschedule(this, failed, tried);
        if (next != null) {
            synchronized (service.table.lock(hash)) {
                if (isDead()) {
                    return false;
                }
                boolean active = (flags & INACTIVE) == 0;
                failed.unbind(active);
                next.bind(active);
                dest = next;
                InetSocketAddress a = next.address();
                dport = (char) (a.getPort() != 0 ? a.getPort() : virtualPort());
            }
            next.stats().connection();
            if (protocol == TCP) {
                segment(TcpStates.INPUT, TcpStates.SYN); // the retried SYN re-arms SYN_RECV
            } else {
                datagram(TcpStates.INPUT);
            }
            return true;
        }
        if (protocol == TCP) {
            segment(TcpStates.OUTPUT, TcpStates.RST); // the last server refused: CLOSE
        }
        return false;
    }

    @Override
    public boolean isOnePacket() {
        return (flags & ONE_PACKET) != 0;
    }

    @Override
    public void attach(Closer closer) {
        this.closer = closer;
    }

    @Override
    public Closer attached() {
        return closer;
    }

    /** Takes the closer away (the entry expired, or the data path released its sockets). */
    Closer detach() {
        Closer c = closer;
        closer = null;
        return c;
    }

    @Override
    public void onBackendConnected() {
        int s = state();
        // A proxy completes the client's handshake itself, so the client's data or FIN may be reported before the
        // server leg connects; the handshake is then behind the entry already.
        if (protocol == TCP && (s == TcpStates.SYN_RECV || s == TcpStates.SYNACK || s == TcpStates.NONE)) {
            segment(TcpStates.OUTPUT, TcpStates.SYN); // the server's SYN+ACK
            segment(TcpStates.INPUT, TcpStates.ACK); // the client's ACK
        }
    }

    @Override
    public void onClientFin() {
        if (protocol == TCP) {
            segment(TcpStates.INPUT, TcpStates.FIN);
            segment(TcpStates.OUTPUT, TcpStates.ACK);
        }
    }

    @Override
    public void onServerFin() {
        if (protocol == TCP) {
            segment(TcpStates.OUTPUT, TcpStates.FIN);
            segment(TcpStates.INPUT, TcpStates.ACK);
        }
    }

    @Override
    public void onReset() {
        onClientReset();
    }

    @Override
    public void onClientReset() {
        if (protocol == TCP) {
            segment(TcpStates.INPUT, TcpStates.RST);
        }
    }

    @Override
    public void onServerReset() {
        if (protocol == TCP) {
            segment(TcpStates.OUTPUT, TcpStates.RST);
        }
    }

    @Override
    public void onClientDataTimeout() {
        service.clientDataTimedOut();
    }

    @Override
    public void onClosed() {
        closer = null;
        closed();
    }

    @Override
    public void onClosed(Closer expected) {
        if (CLOSER.compareAndSet(this, expected, (Closer) null)) {
            closed();
        }
    }

    private void closed() {
        if (protocol == TCP) {
            releaseSource();
            int s = state();
            if (s == TcpStates.NONE || s == TcpStates.LISTEN || TcpStates.isActive(s)) {
                forceState(TcpStates.CLOSE);
            }
        }
    }

    @Override
    public void countInbound(int bytes) {
        DestinationEntry d = dest;
        if (d.isAvailable()) {
            d.serviceEntry().stats().inbound(bytes); // IPVS: cp->dest->svc, the running service after a revival
            d.stats().inbound(bytes);
        }
        packet(TcpStates.INPUT);
    }

    @Override
    public void countOutbound(int bytes) {
        DestinationEntry d = dest;
        if (d.isAvailable()) {
            d.serviceEntry().stats().outbound(bytes);
            d.stats().outbound(bytes);
        }
        packet(TcpStates.OUTPUT);
    }

    /** A data segment (an ACK) or datagram: state machine and timer, with no atomic operation unless the state changes. */
    private void packet(int direction) {
        if (protocol != TCP) {
            datagram(direction);
            return;
        }
        ConnectionTable t = service.table;
        int f = flags;
        int s = f & STATE_MASK;
        boolean noOutput = (f & NOOUTPUT) != 0;
        int dir = noOutput && direction == TcpStates.INPUT ? TcpStates.INPUT_ONLY : direction;
        if (t.tcpTable[dir * 4 + TcpStates.ACK][s] != s || (noOutput && direction == TcpStates.OUTPUT)) {
            segment(direction, TcpStates.ACK);
        } else {
            expireIn(t.now(), t.timeoutNanos[s]);
        }
    }

    // ---- listing

    /** The entry as {@code ipvsadm -L -c} lists it. */
    ConnectionStatus status(long now) {
        int f = flags;
        boolean template = (f & TEMPLATE) != 0;
        boolean invalid = (f & INVALID) != 0;
        String state = template ? ((f & ASSURED) != 0 ? "ASSURED" : "NONE")
                : protocol == UDP ? "UDP" : TcpStates.name(f & STATE_MASK);
        Duration left = Duration.ofNanos(Math.max(0, expiresAt() - now));
        InetSocketAddress client = new InetSocketAddress(address(caHi, caLo), clientPort());
        InetSocketAddress virtual = new InetSocketAddress(address(vaHi, vaLo), invalid ? 0xFFFF : virtualPort());
        InetSocketAddress destination = new InetSocketAddress(dest.address().getAddress(), invalid ? 0xFFFF : dport);
        return new ConnectionStatus(service.id(), protocol(), left, state, client, virtual, destination, template);
    }

    private InetAddress address(long hi, long lo) {
        try {
            if ((flags & V6) == 0) {
                int v = (int) lo;
                return InetAddress.getByAddress(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8),
                        (byte) v});
            }
            byte[] b = new byte[16];
            for (int i = 0; i < 8; i++) {
                b[i] = (byte) (hi >>> (56 - 8 * i));
                b[8 + i] = (byte) (lo >>> (56 - 8 * i));
            }
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The high word of an address: 0 for IPv4, the first 8 bytes for IPv6. */
    static long high(InetAddress a) {
        return a instanceof Inet4Address ? 0 : word(a.getAddress(), 0);
    }

    /** The low word of an address: the IPv4 address, or the last 8 bytes for IPv6. */
    static long low(InetAddress a) {
        // Inet4Address.hashCode() is the address, without copying it
        return a instanceof Inet4Address ? a.hashCode() & 0xFFFFFFFFL : word(a.getAddress(), 8);
    }

    /** The 8 bytes of {@code b} from {@code from}, big-endian. */
    static long word(byte[] b, int from) {
        long v = 0;
        for (int i = from; i < from + 8; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    /** The high word of an IPv6 prefix mask of {@code p} bits. */
    static long maskHi(int p) {
        return p >= 64 ? -1L : p <= 0 ? 0 : -1L << (64 - p);
    }

    /** The low word of an IPv6 prefix mask of {@code p} bits. */
    static long maskLo(int p) {
        return p >= 128 ? -1L : p <= 64 ? 0 : -1L << (128 - p);
    }

    /** An IPv4 prefix mask of {@code p} bits, in the low 32 bits. */
    static long maskV4(int p) {
        return p <= 0 ? 0 : (0xFFFFFFFFL << (32 - p)) & 0xFFFFFFFFL;
    }

    @Override
    public String toString() {
        String s = (protocol == IP ? "IP" : protocol()) + " " + Addresses.toString(client()) + " -> "
                + Addresses.toString(virtual());
        DestinationEntry d = dest;
        return d == null ? s : s + " -> " + Addresses.toString(d.address().getAddress(), dport);
    }
}
