package io.jvs.core.internal;

import io.jvs.api.Protocol;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What the {@link ConnectionTable} keeps of every entry: its key, its place in a hash chain and a timer-wheel slot,
 * its expiry, and its flags, which hold the IPVS state (TCP's state machine runs here) and flags. A
 * {@link ConnectionEntry} adds what the entry means: its real server, template, sockets and counts.
 *
 * <p>Addresses are primitives: two {@code long}s per address (an IPv4 address in the low word). The state, the
 * INACTIVE, TEMPLATE, ASSURED and NOOUTPUT flags of IPVS, and whether the entry has expired, share one {@code int}
 * changed by compare-and-set, so a state change on the connection's thread and an expiry on the timer thread each
 * move the server's counters exactly once. The expiry time is written with an opaque store on every packet.
 */
abstract class TableEntry {

    static final int STATE_MASK = 0xF;
    static final int INACTIVE = 1 << 4;
    static final int NOOUTPUT = 1 << 5;
    static final int TEMPLATE = 1 << 6;
    static final int ASSURED = 1 << 7;
    static final int DEAD = 1 << 8;
    static final int INVALID = 1 << 9;
    static final int ONE_PACKET = 1 << 10;
    static final int V6 = 1 << 11;
    /** The entry holds a place under its service's connection limit ({@link Admission}). */
    static final int PLACE = 1 << 12;
    /** The data path's sockets of the connection closed ({@code Connection.onClosed}): its key may be reused. */
    static final int CLOSED = 1 << 13;

    /** IP protocol numbers; 0 (IP) is the protocol of firewall-mark templates. */
    static final int IP = 0;
    static final int TCP = 6;
    static final int UDP = 17;

    private static final VarHandle FLAGS;
    private static final VarHandle EXPIRES;
    private static final VarHandle IN_PKTS;
    private static final VarHandle SYNC_END;
    private static final VarHandle OWNER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            FLAGS = l.findVarHandle(TableEntry.class, "flags", int.class);
            EXPIRES = l.findVarHandle(TableEntry.class, "expiresAt", long.class);
            IN_PKTS = l.findVarHandle(TableEntry.class, "inPkts", int.class);
            SYNC_END = l.findVarHandle(TableEntry.class, "syncEnd", long.class);
            OWNER = l.findVarHandle(TableEntry.class, "owner", String.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long caHi;
    final long caLo;
    final long vaHi;
    final long vaLo;
    /** Client port &lt;&lt; 16 | virtual port. */
    final int ports;
    final byte protocol;
    final int hash;
    private volatile int flags;
    /** Nanoseconds of the ticker; opaque writes on packets, read by the timer. */
    private long expiresAt;
    /** Chain of the hash bucket: written under the stripe lock, read without. */
    volatile ConnectionEntry next;
    /** Chain of the timer-wheel slot: stripe lock only. */
    ConnectionEntry timerNext;
    ConnectionEntry timerPrev;
    /** The tick of the slot the entry is in; -1 when in no slot. Written under the stripe lock. */
    volatile int slotTick = -1;
    /** Connection sync ({@link SyncRules}): inbound packets counted (IPVS {@code in_pkts}). */
    @SuppressWarnings("unused") // through IN_PKTS
    private int inPkts;
    /** The director that sent this entry through connection sync, or null for this director's own. */
    private volatile String owner;
    /** Connection sync: the state last published (IPVS {@code old_state}). */
    int syncedState;
    /** Connection sync: the expiry last published, with the retries in its low 2 bits (IPVS {@code sync_endtime}). */
    @SuppressWarnings("unused") // through SYNC_END
    private long syncEnd;

    TableEntry(ConnectionTable table, int protocol, int flags, long caHi, long caLo, int cport, long vaHi, long vaLo,
            int vport) {
        this.protocol = (byte) protocol;
        this.flags = flags;
        this.caHi = caHi;
        this.caLo = caLo;
        this.vaHi = vaHi;
        this.vaLo = vaLo;
        this.ports = cport << 16 | vport;
        this.hash = table.hash(protocol, caHi, caLo, cport, vaHi, vaLo, vport);
    }

    /** The table the entry is in. */
    abstract ConnectionTable table();

    /** After a compare-and-set moved the state or the INACTIVE flag from {@code before} to {@code after}. */
    abstract void stateChanged(int before, int after);

    boolean matches(int protocol, boolean template, long caHi, long caLo, int cport, long vaHi, long vaLo,
            int vport) {
        int f = flags;
        return this.caLo == caLo && ports == (cport << 16 | vport) && this.vaLo == vaLo && this.caHi == caHi
                && this.vaHi == vaHi && this.protocol == protocol && ((f & TEMPLATE) != 0) == template
                && (f & (DEAD | INVALID)) == 0;
    }

    // ---- connection sync

    /** The director that sent this entry, or null for this director's own. */
    String owner() {
        return owner;
    }

    void owner(String director) {
        owner = director;
    }

    /**
     * A local packet met this entry: it is this director's own from now on. Whether this call made it so (it was
     * another director's, and no other thread adopted it first).
     */
    boolean adopt() {
        String o = owner;
        return o != null && OWNER.compareAndSet(this, o, (String) null);
    }

    /** Counts one inbound packet; returns the count (IPVS {@code atomic_add_return(1, &cp->in_pkts)}). */
    int countInPacket() {
        return (int) IN_PKTS.getAndAdd(this, 1) + 1;
    }

    /** Sets the packet count (a synced entry starts at the threshold, as in IPVS). */
    void inPackets(int n) {
        IN_PKTS.setOpaque(this, n);
    }

    long syncEnd() {
        return (long) SYNC_END.getVolatile(this);
    }

    boolean casSyncEnd(long expected, long next) {
        return SYNC_END.compareAndSet(this, expected, next);
    }

    /**
     * Replaces the bits of {@code mask} with {@code bits} (compare-and-set); returns the flags before, or -1 if the
     * entry has expired.
     */
    int replaceFlags(int mask, int bits) {
        int f;
        int nf;
        do {
            f = flags;
            if ((f & DEAD) != 0) {
                return -1;
            }
            nf = (f & ~mask) | (bits & mask);
        } while (nf != f && !FLAGS.compareAndSet(this, f, nf));
        return f;
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

    /** Sets the expiry with a volatile store; the timer, which holds the entry, re-slots it itself. */
    void setExpiresAtVolatile(long at) {
        EXPIRES.setVolatile(this, at);
    }

    /**
     * Re-arms the timer (a packet): an opaque store, and one comparison with the slot; the entry moves to an
     * earlier slot under the stripe lock only if the expiry became earlier than its slot (a shorter timeout after
     * {@code --set}).
     */
    void expireIn(long now, long nanos) {
        long at = now + nanos;
        EXPIRES.setOpaque(this, at);
        ConnectionTable t = table();
        if (t.beforeSlot(at, slotTick)) {
            t.expiryShortened((ConnectionEntry) this);
        }
    }

    /**
     * Re-arms the timer after a state change, which may shorten the expiry: a volatile store, so that either this
     * thread sees a slot the timer is publishing at the same time or the timer sees this expiry.
     */
    void rearm(long now, long nanos) {
        long at = now + nanos;
        EXPIRES.setVolatile(this, at);
        ConnectionTable t = table();
        if (t.beforeSlot(at, slotTick)) {
            t.expiryShortened((ConnectionEntry) this);
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

    void setFlag(int flag) {
        int f;
        do {
            f = flags;
            if ((f & flag) != 0) {
                return;
            }
        } while (!FLAGS.compareAndSet(this, f, f | flag));
    }

    /** Sets {@code flag} unless the entry has expired; whether the flag is set now. */
    boolean setFlagIfLive(int flag) {
        int f;
        do {
            f = flags;
            if ((f & DEAD) != 0) {
                return false;
            }
            if ((f & flag) != 0) {
                return true;
            }
        } while (!FLAGS.compareAndSet(this, f, f | flag));
        return true;
    }

    /** Clears {@code flag}; whether this call cleared it (it was set). */
    boolean clearFlag(int flag) {
        int f;
        do {
            f = flags;
            if ((f & flag) == 0) {
                return false;
            }
        } while (!FLAGS.compareAndSet(this, f, f & ~flag));
        return true;
    }

    /**
     * Runs one TCP segment through the state machine (IPVS {@code set_tcp_state}) and re-arms the timer with the
     * new state's timeout. {@code direction} is INPUT or OUTPUT; NOOUTPUT entries use INPUT-ONLY for client
     * segments until the first reply clears the flag.
     *
     * @return the new state
     */
    int segment(int direction, int event) {
        ConnectionTable t = table();
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
            stateChanged(f, nf);
        }
        return next;
    }

    /**
     * A TCP data segment (an ACK) in {@code direction}: the state machine, with no atomic operation unless the state
     * changes; else only the timer is re-armed.
     */
    void ack(int direction) {
        ConnectionTable t = table();
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

    /** Sets the TCP state directly (when the data path ends a connection without a FIN or reset; tests). */
    void forceState(int state) {
        ConnectionTable t = table();
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
            stateChanged(f, nf);
        }
    }

    // ---- the key and state as the sync daemon sends them (StateSync.Entry, implemented by ConnectionEntry)

    public boolean isV6() {
        return (flags & V6) != 0;
    }

    public int ipProtocol() {
        return protocol & 0xFF;
    }

    public int syncState() {
        int f = flags();
        return (f & TEMPLATE) != 0 ? ((f & ASSURED) != 0 ? 1 : 0) : protocol == TCP ? f & STATE_MASK : 0;
    }

    public long clientHigh() {
        return caHi;
    }

    public long clientLow() {
        return caLo;
    }

    public long virtualHigh() {
        return vaHi;
    }

    public long virtualLow() {
        return vaLo;
    }

    // ---- the key as a scheduler reads it (ConnectionKey, implemented by ConnectionEntry)

    public Protocol protocol() {
        return protocol == TCP ? Protocol.TCP : protocol == UDP ? Protocol.UDP : null;
    }

    public int clientAddressFold() {
        return fold(caHi, caLo);
    }

    public int clientPort() {
        return ports >>> 16;
    }

    public int virtualAddressFold() {
        return fold(vaHi, vaLo);
    }

    public int virtualPort() {
        return ports & 0xFFFF;
    }

    private int fold(long hi, long lo) {
        return AddressWords.fold(isV6(), hi, lo);
    }
}
