package io.jvs.core.internal;

import io.jvs.api.Destination;
import io.jvs.api.ConnectionKey;
import io.jvs.api.ServiceId;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import io.jvs.core.StateSync;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the {@link ConnectionTable} (IPVS {@code struct ip_vs_conn}): a connection or UDP flow, or a
 * persistence template. Before it is placed it is also the {@link ConnectionKey} its scheduler reads. Its key,
 * links, expiry and state are its {@link TableEntry} part; this class holds what it means: its real server and port,
 * its controlling template, the sockets attached to it ({@link Closer}), what it holds under its service's limits,
 * and the {@link Connection} a data path reports to.
 */
final class ConnectionEntry extends TableEntry implements Connection, ConnectionKey, StateSync.Entry {

    private static final VarHandle CONTROLLED;
    private static final VarHandle SOURCES;
    private static final VarHandle CLOSER;
    /** A UDP flow idle this long may be dropped when memory is short (IPVS {@code todrop_entry}: 60 s). */
    static final long DROP_IDLE_NANOS = 60_000_000_000L;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CONTROLLED = l.findVarHandle(ConnectionEntry.class, "controlled", int.class);
            SOURCES = l.findVarHandle(ConnectionEntry.class, "sources", SourceTable.class);
            CLOSER = l.findVarHandle(ConnectionEntry.class, "closer", Closer.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ConnectionTable table;
    private final ServiceId serviceId;
    /** The admission of the service this connection was admitted in, where its place goes back; null for templates. */
    private final Admission admission;
    /** The port connections go to on the real server (a template: the real server's port, or 0). */
    private char dport;
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
    /**
     * @param admission the admission of the service the connection is admitted in (where a place it holds goes
     *     back); null for a template, which holds none
     */
    ConnectionEntry(ConnectionTable table, ServiceId serviceId, Admission admission, int protocol, int flags,
            long caHi, long caLo, int cport, long vaHi, long vaLo, int vport) {
        super(table, protocol, flags, caHi, caLo, cport, vaHi, vaLo, vport);
        this.table = table;
        this.serviceId = serviceId;
        this.admission = admission;
    }

    @Override
    ConnectionTable table() {
        return table;
    }

    /** The admission this connection's place and source count belong to (null for a template). */
    Admission admission() {
        return admission;
    }

    // ---- state

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

    /**
     * Moves the connection to {@code next}, connecting to {@code port} there (a reschedule; the stripe lock of this
     * entry is held): the servers' counters follow. False, and nothing changed, if the entry has expired.
     */
    boolean moveTo(DestinationEntry next, int port) {
        if (isDead()) {
            return false;
        }
        DestinationEntry failed = dest;
        boolean active = (flags() & INACTIVE) == 0;
        failed.unbind(active);
        next.bind(active);
        dest = next;
        dport = (char) port;
        return true;
    }

    /**
     * A template whose connection was rescheduled from {@code failed} to {@code next} points at {@code next} from now
     * on, with {@code port} (the stripe lock of this template is held): its PersistConn count moves. Nothing changes
     * if the template has expired or already points elsewhere (another of its connections moved it first).
     */
    void repoint(DestinationEntry failed, DestinationEntry next, int port) {
        if (!isDead() && dest == failed) {
            failed.unbindTemplate();
            next.bindTemplate();
            dest = next;
            dport = (char) port;
        }
    }

    /** Replies will not pass the director (DR, TUN): client segments use the INPUT-ONLY table. */
    void markNoOutput() {
        setFlag(NOOUTPUT);
    }

    /**
     * The first packet of a new entry: the client's SYN for TCP (NONE to SYN_RECV, now active), or the first
     * datagram for UDP (300 s). Counts nothing.
     */
    void started() {
        if (protocol == TCP) {
            segment(TcpStates.INPUT, TcpStates.SYN);
        } else {
            datagram(TcpStates.INPUT);
        }
    }

    /** An inbound packet or connection event went through: the sync rules run, if connection sync is on. */
    void synced() {
        ConnectionTable t = table;
        SyncRules r = t.sync;
        if (r != null) {
            r.input(this, t.now());
        }
    }

    /** The entry left the table (lock held): its server's counters and its template's count go down. */
    void released(int flagsBefore) {
        DestinationEntry d = dest;
        if ((flagsBefore & TEMPLATE) != 0) {
            d.unbindTemplate();
        } else {
            releaseHolds();
            d.unbind((flagsBefore & INACTIVE) == 0);
            ConnectionEntry t = control;
            if (t != null) {
                CONTROLLED.getAndAdd(t, -1);
            }
        }
    }

    /** After a state change: moves the connection between the server's active and inactive counters. */
    @Override
    void stateChanged(int before, int after) {
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

    /**
     * One packet of a UDP flow (either direction): 300 s more; a reply makes the template ASSURED, and shows that
     * the flow's server answers, so servers that failed before may be tried again by a later {@link #reschedule}.
     */
    private void datagram(int direction) {
        ConnectionTable t = table;
        expireIn(t.now(), t.timeoutNanos[ConnectionTable.UDP_TIMEOUT]);
        if (direction == TcpStates.OUTPUT) {
            ConnectionEntry c = control;
            if (c != null && (c.flags() & ASSURED) == 0) {
                c.setFlag(ASSURED);
            }
            if (tried != null) {
                tried = null;
            }
        }
    }

    // ---- per-source accounting

    /**
     * Counts this connection in {@code table} until it ends (before the entry is published, on reuse, or when it is
     * adopted). If the entry expired meanwhile, the count is given back at once.
     */
    void countSource(SourceTable table) {
        sources = table;
        if (isDead()) { // released() may have run before the write: whoever takes the table gives the count back
            SourceTable t = (SourceTable) SOURCES.getAndSet(this, (SourceTable) null);
            if (t != null) {
                t.release((flags() & V6) != 0, caHi, caLo);
            }
        }
    }

    /** Whether the connection is counted in a per-source table now. */
    boolean sourceCounted() {
        return sources != null;
    }

    /**
     * Gives this connection's place under its service's connection limit to it (before publishing, on reuse, or when
     * it is adopted); false if the entry has expired meanwhile, and the caller gives the place back.
     */
    boolean holdPlace() {
        return setFlagIfLive(PLACE);
    }

    /** Whether the connection holds a place under its service's connection limit. */
    boolean holdsPlace() {
        return (flags() & PLACE) != 0;
    }

    /**
     * The connection ended (its sockets closed, or the entry left the table), or was never published: gives back its
     * place under the connection limit and its count in the per-source table, each once.
     */
    void releaseHolds() {
        SourceTable t = (SourceTable) SOURCES.getAndSet(this, (SourceTable) null);
        if (t != null) {
            t.release((flags() & V6) != 0, caHi, caLo);
        }
        if (clearFlag(PLACE)) {
            admission.releasePlace();
        }
    }

    /**
     * Whether this entry only remembers a TCP connection that ended: no sockets, and TIME_WAIT or CLOSE (a half-closed
     * connection in FIN_WAIT or CLOSE_WAIT may still carry data on the packet path, so it is not ended).
     */
    boolean ended() {
        int f = flags();
        int s = f & STATE_MASK;
        return protocol == TCP && (f & (DEAD | TEMPLATE)) == 0 && closer == null
                && (s == TcpStates.TIME_WAIT || s == TcpStates.CLOSE);
    }

    /**
     * Whether a TCP SYN with this entry's key starts a new connection on it (the key reused) rather than being sent
     * again for the connection the entry has: the entry's sockets closed, or it is in TIME_WAIT or CLOSE. A SYN that
     * meets an entry in SYN_RECV is the client's retransmission (its SYN-ACK was lost), not a new connection.
     */
    boolean finished() {
        int f = flags();
        int s = f & STATE_MASK;
        return (f & CLOSED) != 0 || s == TcpStates.TIME_WAIT || s == TcpStates.CLOSE;
    }

    /** A new connection reuses this finished entry ({@link #finished}): its sockets are open again. */
    void reused() {
        clearFlag(CLOSED);
    }

    /**
     * Whether the memory defence may drop this entry early: it holds no open connection. A template that controls
     * no connection; a TCP connection whose sockets are closed and whose state is past the handshake and not
     * active (FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK); a UDP flow idle for 60 s or more.
     */
    boolean droppable(long now, long udpTimeoutNanos) {
        int f = flags();
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
        setExpiresAtVolatile(now + ConnectionTable.CONTROL_REARM_NANOS); // the timer itself re-slots it
    }

    /** IPVS {@code ip_vs_check_template}: takes the template out of lookups; it stays until it expires. */
    void invalidate() {
        setFlag(INVALID);
    }

    // ---- Connection

    @Override
    public ServiceId service() {
        return serviceId;
    }

    @Override
    public InetSocketAddress client() {
        return new InetSocketAddress(AddressWords.address(isV6(), caHi, caLo), clientPort());
    }

    @Override
    public InetSocketAddress virtual() {
        return new InetSocketAddress(AddressWords.address(isV6(), vaHi, vaLo), virtualPort());
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
        if (isDead() || (flags() & TEMPLATE) != 0) {
            return false;
        }
        failed.connectFailed();
        if ((flags() & ONE_PACKET) != 0) {
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
        return (flags() & ONE_PACKET) != 0;
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
            synced();
        }
    }

    @Override
    public void onClientFin() {
        if (protocol == TCP) {
            segment(TcpStates.INPUT, TcpStates.FIN);
            segment(TcpStates.OUTPUT, TcpStates.ACK);
            synced();
        }
    }

    @Override
    public void onServerFin() {
        if (protocol == TCP) {
            segment(TcpStates.OUTPUT, TcpStates.FIN);
            segment(TcpStates.INPUT, TcpStates.ACK);
            synced();
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
            synced();
        }
    }

    @Override
    public void onServerReset() {
        if (protocol == TCP) {
            segment(TcpStates.OUTPUT, TcpStates.RST);
            synced(); // the connection ends: nothing else would tell the other directors
        }
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
            setFlag(CLOSED);
            releaseHolds();
            int s = state();
            if (s == TcpStates.NONE || s == TcpStates.LISTEN || TcpStates.isActive(s)) {
                forceState(TcpStates.CLOSE);
                synced();
            }
        }
    }

    /**
     * A packet of a flow that was found or placed through the pipeline: counts it (unless {@code bytes} is negative)
     * and runs its TCP state on {@code event} ({@link TcpStates#SYN} for a socket data path's new connection on an
     * old entry), or re-arms a UDP flow whose packet is counted.
     */
    void inbound(int event, int bytes) {
        if (bytes >= 0) {
            countStats(bytes);
        }
        if (protocol == TCP) {
            if (event == TcpStates.ACK) {
                packet(TcpStates.INPUT);
            } else if (event != TcpStates.NO_EVENT) {
                segment(TcpStates.INPUT, event);
            }
        } else if (bytes >= 0) {
            datagram(TcpStates.INPUT);
        }
        synced();
    }

    /** Counts one inbound packet of {@code bytes} in the statistics only. */
    void countStats(int bytes) {
        DestinationEntry d = dest;
        if (d.isAvailable()) {
            d.serviceEntry().stats().inbound(bytes); // IPVS: cp->dest->svc, the running service after a revival
            d.stats().inbound(bytes);
        }
    }

    @Override
    public void countInbound(int bytes) {
        countStats(bytes);
        packet(TcpStates.INPUT);
        synced();
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

    /** A data segment (an ACK) or datagram: state machine and timer. */
    private void packet(int direction) {
        if (protocol != TCP) {
            datagram(direction);
        } else {
            ack(direction);
        }
    }

    // ---- StateSync.Entry: the entry as the sync daemon sends it, read without allocating

    @Override
    public int syncFlags() {
        return SyncFlags.of(flags(), dest.server().forwardingMethod());
    }

    @Override
    public long destinationHigh() {
        return dest.addressHigh;
    }

    @Override
    public long destinationLow() {
        return dest.addressLow;
    }

    @Override
    public int destinationPort() {
        return dport;
    }

    @Override
    public int fwmark() {
        ServiceId id = serviceId;
        return id.isFwmark() ? id.fwmark() : 0;
    }

    @Override
    public long timeoutSeconds() {
        int f = flags();
        if ((f & TEMPLATE) != 0) {
            return templateSeconds;
        }
        long[] t = table.timeoutNanos;
        return (protocol == TCP ? t[f & STATE_MASK] : t[ConnectionTable.UDP_TIMEOUT]) / 1_000_000_000L;
    }

    @Override
    public String toString() {
        String s = (protocol == IP ? "IP" : protocol()) + " " + Addresses.toString(client()) + " -> "
                + Addresses.toString(virtual());
        DestinationEntry d = dest;
        return d == null ? s : s + " -> " + Addresses.toString(d.address().getAddress(), dport);
    }
}
