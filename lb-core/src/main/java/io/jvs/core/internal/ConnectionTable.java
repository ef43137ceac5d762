package io.jvs.core.internal;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ConnectionTableStatus;
import io.jvs.api.Ticker;
import io.jvs.api.Timeouts;
import io.jvs.core.Connection.Closer;
import io.jvs.core.StateSync;
import io.jvs.core.SyncPolicy;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The connection table (IPVS {@code ip_vs_conn_tab}): every connection and persistence template of a director,
 * hashed by its lookup key, each with an expiry.
 *
 * <h2>Layout</h2>
 *
 * A fixed array of buckets (the maximum number of entries rounded up to a power of two), each the head of a
 * chain linked through {@link ConnectionEntry#next}. The key is the kernel's: protocol, client address and port,
 * virtual address and port, plus the template flag. Addresses are stored as two {@code long}s (IPv4 in the low
 * word), so an entry holds no objects but its links; the hash is seeded at random per table.
 *
 * <h2>Threads</h2>
 *
 * Lookups take no lock: they read the bucket and follow the chain through volatile links, and skip entries that
 * are already expired. Changes (insert, unlink) and expiry hold the lock of the entry's stripe; buckets are split
 * into up to 64 stripes by hash, so event loops creating connections rarely meet on one lock. A removed entry
 * keeps its {@code next} link, so a reader that stands on it when it is unlinked still reaches the rest of the
 * chain (the garbage collector does what RCU does in the kernel).
 *
 * <h2>Expiry</h2>
 *
 * Each stripe has a hashed timer wheel of {@value #WHEEL_SLOTS} slots of {@value #TICK_MILLIS} ms, doubly linked
 * through {@link ConnectionEntry#timerNext} and {@code timerPrev}. An entry is put in the slot of its expiry when
 * created. A packet that moves its expiry later only stores the new time (no lock, nothing allocated); when the
 * timer reaches the slot it either expires the entry or moves it to the slot of its new expiry. A state change that
 * moves the expiry earlier (ESTABLISHED 900 s to CLOSE 10 s) moves the entry to its new slot at once, under the
 * stripe lock. So every operation is O(1) per entry, and entries further ahead than one turn of the wheel are
 * looked at once per turn. {@link #runTimers()} advances all wheels to the ticker's current time: the director's
 * timer thread calls it every tick; tests call it after moving a fake ticker.
 */
public final class ConnectionTable {

    private static final Logger LOG = System.getLogger("io.jvs.core.Director");

    static final int TICK_MILLIS = 100;
    static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    static final int WHEEL_SLOTS = 1024;
    static final int WHEEL_MASK = WHEEL_SLOTS - 1;
    private static final int MAX_STRIPES = 64;
    /** A template that expires while it still controls connections lives 60 s more (IPVS). */
    static final long CONTROL_REARM_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Index of the UDP timeout in {@link #timeoutNanos}. */
    static final int UDP_TIMEOUT = TcpStates.COUNT;

    private static final VarHandle BUCKETS = MethodHandles.arrayElementVarHandle(ConnectionEntry[].class);

    private final Ticker ticker;
    private final long origin;
    private final ConnectionEntry[] buckets;
    private final int bucketMask;
    final Stripe[] stripes;
    private final int stripeMask;
    private final int seed;
    final int capacity;
    final AtomicInteger size = new AtomicInteger();
    private final AtomicInteger templates = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    /** The last tick {@link #runTimers()} processed (guarded by this table's monitor). */
    long processedTick;
    /** Making room early: the memory defence's drops and a full table's reclaim. */
    private final EarlyExpiry early = new EarlyExpiry(this);
    final byte[][] tcpTable;
    /** Timeout per TCP state, then UDP; replaced whole by {@link #setTimeouts}. */
    volatile long[] timeoutNanos;
    final boolean expireNodestConn;
    final boolean expireQuiescentTemplate;
    /** The memory defence: refuses new flows while memory is short. */
    final MemoryDefence memory;
    /** The connection-sync rules, or null when nothing is published ({@code StateSync.NONE}). */
    final SyncRules sync;

    /** One lock with its timer wheel. */
    static final class Stripe {
        final ConnectionEntry[] wheel = new ConnectionEntry[WHEEL_SLOTS];
        /** The last tick whose slot was processed. */
        long processedTick;
        /** Closers collected while the lock is held, called after it is released. */
        final List<Closer> closers = new ArrayList<>();
    }

    /**
     * @param capacity the maximum number of entries (connections and templates)
     * @param secureTcp whether the {@code secure_tcp} state table is used
     */
    public ConnectionTable(Ticker ticker, int capacity, boolean secureTcp, boolean expireNodestConn,
            boolean expireQuiescentTemplate, MemoryDefence memory) {
        this(ticker, capacity, secureTcp, expireNodestConn, expireQuiescentTemplate, memory, StateSync.NONE,
                SyncPolicy.DEFAULT);
    }

    /**
     * A table whose entries are published to {@code sync} by {@code policy}'s rules (nothing is published, and no
     * rule runs, with {@link StateSync#NONE}).
     */
    public ConnectionTable(Ticker ticker, int capacity, boolean secureTcp, boolean expireNodestConn,
            boolean expireQuiescentTemplate, MemoryDefence memory, StateSync sync, SyncPolicy policy) {
        this.sync = sync == StateSync.NONE ? null : new SyncRules(sync, policy, ticker);
        this.ticker = ticker;
        this.origin = ticker.nanoTime();
        this.capacity = capacity;
        int n = capacity <= 256 ? 256 : Math.min(1 << 27, Integer.highestOneBit(capacity - 1) << 1);
        this.buckets = new ConnectionEntry[n];
        this.bucketMask = n - 1;
        int s = Math.min(MAX_STRIPES, n);
        this.stripes = new Stripe[s];
        for (int i = 0; i < s; i++) {
            stripes[i] = new Stripe();
        }
        this.stripeMask = s - 1;
        this.seed = ThreadLocalRandom.current().nextInt() | 1;
        this.tcpTable = secureTcp ? TcpStates.SECURE : TcpStates.NORMAL;
        this.expireNodestConn = expireNodestConn;
        this.expireQuiescentTemplate = expireQuiescentTemplate;
        this.memory = memory;
        this.timeoutNanos = timeouts(Timeouts.DEFAULT);
    }

    private static long[] timeouts(Timeouts t) {
        long[] a = new long[TcpStates.COUNT + 1];
        for (int i = 0; i < TcpStates.COUNT; i++) {
            a[i] = TimeUnit.SECONDS.toNanos(TcpStates.DEFAULT_TIMEOUT_SECONDS[i]);
        }
        a[TcpStates.ESTABLISHED] = t.tcp().toNanos();
        a[TcpStates.FIN_WAIT] = t.tcpFin().toNanos();
        a[UDP_TIMEOUT] = t.udp().toNanos();
        return a;
    }

    /** Applies {@code --set}: entries take the new values at their next packet. */
    public void setTimeouts(Timeouts t) {
        timeoutNanos = timeouts(t);
    }

    long now() {
        return ticker.nanoTime();
    }

    /** The number of hash buckets: what {@code ipvsadm -L} shows as {@code size=}. */
    public int buckets() {
        return buckets.length;
    }

    /** The maximum number of entries. */
    public int capacity() {
        return capacity;
    }

    /** Entries in the table, connections and templates. */
    public int size() {
        return size.get();
    }

    /** Persistence templates in the table. */
    public int templates() {
        return templates.get();
    }

    /** New connections and templates refused because the table was full. */
    public long refused() {
        return refused.sum();
    }

    /** The fill, capacity and refusals, as the API reports them. */
    public ConnectionTableStatus status() {
        return new ConnectionTableStatus(size(), templates(), capacity(), buckets(), refused(), reclaimed());
    }

    // ---- hashing and lookup (any thread, no lock)

    int hash(int protocol, long caHi, long caLo, int cport, long vaHi, long vaLo, int vport) {
        long h = seed;
        h = mix(h ^ caLo);
        h = mix(h ^ caHi);
        h = mix(h ^ vaLo);
        h = mix(h ^ vaHi ^ ((long) protocol << 32 | (long) cport << 16 | vport));
        return (int) (h ^ h >>> 32);
    }

    private static long mix(long x) {
        x *= 0x9E3779B97F4A7C15L;
        return x ^ x >>> 29;
    }

    /** The lock that guards changes to the chain of {@code hash} and the expiry of its entries. */
    Object lock(int hash) {
        return stripes[hash & stripeMask];
    }

    /**
     * The live entry with this key, or null. Templates are found only with {@code template} true, connections only
     * with it false; expired entries and invalidated templates are never found.
     */
    ConnectionEntry find(int hash, int protocol, boolean template, long caHi, long caLo, int cport, long vaHi,
            long vaLo, int vport) {
        ConnectionEntry e = (ConnectionEntry) BUCKETS.getAcquire(buckets, hash & bucketMask);
        for (; e != null; e = e.next) {
            if (e.hash == hash && e.matches(protocol, template, caHi, caLo, cport, vaHi, vaLo, vport)) {
                return e;
            }
        }
        return null;
    }

    // ---- changes (the stripe lock of the entry's hash is held)

    /**
     * Reserves room for one entry whose hash is {@code hash} (the lock of its stripe is held). When the table is full,
     * closed TCP connections (TIME_WAIT and CLOSE: entries that only remember a connection that ended) yield to the
     * new one: a few of the stripe's, those due first, are expired to make room. A full socket data path would
     * otherwise refuse new clients for two minutes after each busy minute (the timer also makes room ahead,
     * {@link #runTimers}). False (counted as refused) when there is still no room: the table is full of live
     * connections, half-closed ones and templates.
     */
    boolean reserve(int hash) {
        if (tryReserve()) {
            return true;
        }
        if (early.reclaimLocked(stripes[hash & stripeMask]) > 0 && tryReserve()) {
            return true;
        }
        refused.increment();
        return false;
    }

    private boolean tryReserve() {
        int n;
        do {
            n = size.get();
            if (n >= capacity) {
                return false;
            }
        } while (!size.compareAndSet(n, n + 1));
        return true;
    }

    /** Entries of ended connections expired early to make room for new ones ({@link #reserve}). */
    public long reclaimed() {
        return early.reclaimed();
    }

    /** Gives back a reservation that was not used. */
    void release() {
        size.decrementAndGet();
    }

    /** Links a new entry (room reserved, lock held) into its chain and its wheel slot. */
    void insertLocked(ConnectionEntry e) {
        int i = e.hash & bucketMask;
        e.next = (ConnectionEntry) BUCKETS.getAcquire(buckets, i);
        BUCKETS.setRelease(buckets, i, e);
        if (e.isTemplate()) {
            templates.incrementAndGet();
        }
        slot(stripes[e.hash & stripeMask], e);
    }

    private void unlinkLocked(ConnectionEntry e) {
        int i = e.hash & bucketMask;
        ConnectionEntry head = (ConnectionEntry) BUCKETS.getAcquire(buckets, i);
        if (head == e) {
            BUCKETS.setRelease(buckets, i, e.next);
            return;
        }
        for (ConnectionEntry p = head; p != null; p = p.next) {
            if (p.next == e) {
                p.next = e.next; // e keeps its link: a reader standing on it goes on
                return;
            }
        }
    }

    /**
     * Puts {@code e} in the slot of its expiry (lock held). After publishing the slot it reads the expiry again: an
     * owner thread that made the expiry earlier meanwhile either sees the new slot (and moves the entry itself,
     * see {@link #expiryShortened}) or its new expiry is seen here.
     */
    private void slot(Stripe s, ConnectionEntry e) {
        long t = Math.max(ceilTick(e.expiresAt()), s.processedTick + 1);
        for (;;) {
            int i = (int) t & WHEEL_MASK;
            ConnectionEntry head = s.wheel[i];
            e.timerPrev = null;
            e.timerNext = head;
            if (head != null) {
                head.timerPrev = e;
            }
            s.wheel[i] = e;
            e.slotTick = (int) t;
            long again = Math.max(ceilTick(e.expiresAtVolatile()), s.processedTick + 1);
            if (again >= t) {
                return;
            }
            unslot(s, e);
            t = again;
        }
    }

    /** Takes {@code e} out of its slot (lock held). */
    private static void unslot(Stripe s, ConnectionEntry e) {
        ConnectionEntry prev = e.timerPrev;
        ConnectionEntry next = e.timerNext;
        if (prev != null) {
            prev.timerNext = next;
        } else {
            s.wheel[e.slotTick & WHEEL_MASK] = next;
        }
        if (next != null) {
            next.timerPrev = prev;
        }
        e.timerPrev = null;
        e.timerNext = null;
        e.slotTick = -1;
    }

    long ceilTick(long nanos) {
        return Math.floorDiv(nanos - origin + TICK_NANOS - 1, TICK_NANOS);
    }

    /**
     * Whether an expiry at {@code at} is earlier than the tick of {@code slotTick}: then the entry must move to an
     * earlier slot. One comparison, on every packet.
     */
    boolean beforeSlot(long at, int slotTick) {
        return slotTick > 0 && at - origin <= (slotTick - 1) * TICK_NANOS;
    }

    /** The owner made {@code e}'s expiry earlier than its slot: moves it to the right slot. */
    void expiryShortened(ConnectionEntry e) {
        Stripe s = stripes[e.hash & stripeMask];
        synchronized (s) {
            int t = e.slotTick;
            if (!e.isDead() && t > 0 && beforeSlot(e.expiresAtVolatile(), t)) {
                unslot(s, e);
                slot(s, e);
            }
        }
    }

    /**
     * Expires {@code e} now if it is still in the table (lock not held): IPVS {@code ip_vs_conn_expire_now}.
     * Its sockets, if any, are reset.
     *
     * @return whether this call expired it
     */
    boolean expireNow(ConnectionEntry e) {
        Stripe s = stripes[e.hash & stripeMask];
        boolean done;
        synchronized (s) {
            done = !e.isDead() && expireLocked(s, e, now(), true);
        }
        closeCollected(s);
        return done;
    }

    /**
     * Ends an entry whose time is up (lock held). A template that still controls connections is kept 60 s more
     * and false returned, as in IPVS; with {@code force} it goes anyway.
     */
    boolean expireLocked(Stripe s, ConnectionEntry e, long now, boolean force) {
        if (!force && e.isTemplate() && e.controlled() > 0) {
            e.rearmControlling(now);
            return false;
        }
        unlinkLocked(e);
        if (e.slotTick > 0) {
            unslot(s, e);
        }
        int f = e.markDead();
        size.decrementAndGet();
        if (e.isTemplate()) {
            templates.decrementAndGet();
        }
        e.released(f);
        Closer c = e.detach();
        if (c != null) {
            s.closers.add(c);
        }
        return true;
    }

    void closeCollected(Stripe s) {
        List<Closer> list;
        synchronized (s) {
            if (s.closers.isEmpty()) {
                return;
            }
            list = new ArrayList<>(s.closers);
            s.closers.clear();
        }
        for (Closer c : list) {
            try {
                c.close(true);
            } catch (RuntimeException | LinkageError ex) {
                LOG.log(Level.WARNING, "closing an expired connection failed", ex);
            }
        }
    }

    // ---- timer

    /**
     * Advances every timer wheel to now, expiring the entries whose time is up. The wheels move one tick at a time
     * together, so entries expire in time order (a connection before the template it kept alive) even when the
     * ticker jumped.
     */
    public synchronized void runTimers() {
        long now = now();
        long tick = ceilTick(now); // the slot holding entries due up to now (its later ones wait one more tick)
        long from = processedTick + 1;
        if (tick - from >= WHEEL_SLOTS) {
            from = tick - WHEEL_SLOTS + 1; // a long pause: one full turn visits every entry
        }
        for (long t = from; t <= tick; t++) {
            for (Stripe s : stripes) {
                synchronized (s) {
                    process(s, t, now);
                }
                if (!s.closers.isEmpty()) {
                    closeCollected(s);
                }
            }
        }
        if (tick > processedTick) {
            processedTick = tick;
        }
        early.reclaimNearlyFull();
    }

    /** Processes one slot of a wheel (lock held): expires what is due, moves the rest to their slots. */
    private void process(Stripe s, long t, long now) {
        int i = (int) t & WHEEL_MASK;
        ConnectionEntry e = s.wheel[i];
        s.wheel[i] = null;
        s.processedTick = t;
        while (e != null) {
            ConnectionEntry next = e.timerNext;
            e.timerNext = null;
            e.timerPrev = null;
            e.slotTick = -1; // in hand: neither in a slot nor movable by its owner until the lock is released
            if (!e.isDead() && (e.expiresAt() - now > 0 || !expireLocked(s, e, now, false))) {
                slot(s, e);
            }
            e = next;
        }
    }

    /** IPVS {@code drop_entry} for a short memory ({@link EarlyExpiry#dropIdle}). */
    public int dropIdle(int budget) {
        return early.dropIdle(budget);
    }

    /**
     * Expires every entry that {@code which} selects, resetting its sockets: the kernel's sweep after a real
     * server is deleted with {@code expire_nodest_conn} on. Controlling templates go too.
     *
     * @return the number of entries expired
     */
    int expireAll(Predicate<ConnectionEntry> which) {
        int[] n = new int[1];
        long now = now();
        forEachLocked((s, e) -> {
            if (which.test(e) && expireLocked(s, e, now, true)) {
                n[0]++;
            }
        });
        return n[0];
    }

    /** Runs {@code action} on every live entry, holding the lock of its stripe; closes what it collects after. */
    private void forEachLocked(java.util.function.BiConsumer<Stripe, ConnectionEntry> action) {
        for (int k = 0; k < stripes.length; k++) {
            Stripe s = stripes[k];
            synchronized (s) {
                for (int i = k; i < buckets.length; i += stripes.length) {
                    for (ConnectionEntry e = buckets[i]; e != null; e = e.next) {
                        if (!e.isDead()) {
                            action.accept(s, e);
                        }
                    }
                }
            }
            closeCollected(s);
        }
    }

    /** Gives {@code action} every live entry, in hash order, without locks (a weakly consistent walk). */
    void forEachLive(java.util.function.Consumer<ConnectionEntry> action) {
        for (int i = 0; i < buckets.length; i++) {
            for (ConnectionEntry e = (ConnectionEntry) BUCKETS.getAcquire(buckets, i); e != null; e = e.next) {
                if (!e.isDead()) {
                    action.accept(e);
                }
            }
        }
    }

    /** Every live entry except one-packet ones, as {@code ipvsadm -L -c} lists them, in hash order. */
    public List<ConnectionStatus> list() {
        List<ConnectionStatus> out = new ArrayList<>(Math.min(size.get(), 1 << 20));
        long now = now();
        for (int i = 0; i < buckets.length; i++) {
            for (ConnectionEntry e = (ConnectionEntry) BUCKETS.getAcquire(buckets, i); e != null; e = e.next) {
                if (!e.isDead()) {
                    out.add(status(e, now));
                }
            }
        }
        return out;
    }

    /** {@code e} as {@code ipvsadm -L -c} lists it. */
    private static ConnectionStatus status(ConnectionEntry e, long now) {
        int f = e.flags();
        boolean template = (f & TableEntry.TEMPLATE) != 0;
        boolean invalid = (f & TableEntry.INVALID) != 0;
        String state = template ? ((f & TableEntry.ASSURED) != 0 ? "ASSURED" : "NONE")
                : e.protocol == TableEntry.UDP ? "UDP" : TcpStates.name(f & TableEntry.STATE_MASK);
        Duration left = Duration.ofNanos(Math.max(0, e.expiresAt() - now));
        InetSocketAddress client = new InetSocketAddress(AddressWords.address(e.isV6(), e.caHi, e.caLo),
                e.clientPort());
        InetSocketAddress virtual = new InetSocketAddress(AddressWords.address(e.isV6(), e.vaHi, e.vaLo),
                invalid ? 0xFFFF : e.virtualPort());
        InetSocketAddress destination = new InetSocketAddress(e.dest().address().getAddress(),
                invalid ? 0xFFFF : e.destinationPort());
        return new ConnectionStatus(e.service(), e.protocol(), left, state, client, virtual, destination, template);
    }
}
