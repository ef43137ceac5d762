package io.jvs.core.internal;

import io.jvs.api.Destination;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * A real server of a running service (IPVS {@code struct ip_vs_dest}): its current settings, its live
 * connection counters and its statistics. Settings change only on the control thread; counters change on
 * data-path threads with atomic adds.
 *
 * <p>The OVERLOAD flag follows IPVS: set when a connection is bound and active + inactive reaches the upper
 * threshold; cleared when a connection leaves and the sum falls below the lower threshold (or below three
 * quarters of the upper one when the lower is 0), and when an edit removes or raises the upper threshold.
 */
public final class DestinationEntry implements Destination {

    private static final int AVAILABLE = 1;
    private static final int OVERLOAD = 2;

    private static final VarHandle ACTIVE;
    private static final VarHandle INACTIVE;
    private static final VarHandle PERSISTENT;
    private static final VarHandle FLAGS;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ACTIVE = l.findVarHandle(DestinationEntry.class, "active", int.class);
            INACTIVE = l.findVarHandle(DestinationEntry.class, "inactive", int.class);
            PERSISTENT = l.findVarHandle(DestinationEntry.class, "persistent", int.class);
            FLAGS = l.findVarHandle(DestinationEntry.class, "flags", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile ServiceEntry service;
    private final InetSocketAddress address;
    /** The address as the connection table's two words, for the sync stream (read without allocating). */
    final long addressHigh;
    final long addressLow;
    private final Counters stats = new Counters();
    private final LongAdder connectFailures = new LongAdder();
    private volatile RealServer server;
    private volatile int weight;
    private volatile int lastWeight;
    private volatile int active;
    private volatile int inactive;
    private volatile int persistent;
    private volatile int flags = AVAILABLE;
    /** Trash bookkeeping (control thread): when the server was found unreferenced in the trash, or 0. */
    long idleSinceNanos;

    DestinationEntry(ServiceEntry service, RealServer server) {
        this.service = service;
        this.address = server.address();
        this.server = server;
        this.weight = server.weight();
        this.lastWeight = server.weight();
        this.addressHigh = AddressWords.high(address.getAddress());
        this.addressLow = AddressWords.low(address.getAddress());
    }

    /** The service this server belongs to. */
    public ServiceEntry serviceEntry() {
        return service;
    }

    @Override
    public RealServer server() {
        return server;
    }

    @Override
    public InetSocketAddress address() {
        return address;
    }

    @Override
    public int weight() {
        return weight;
    }

    @Override
    public int lastWeight() {
        return lastWeight;
    }

    @Override
    public int activeConnections() {
        return active;
    }

    @Override
    public int inactiveConnections() {
        return inactive;
    }

    @Override
    public int persistentConnections() {
        return persistent;
    }

    @Override
    public boolean isOverloaded() {
        return (flags & OVERLOAD) != 0;
    }

    @Override
    public boolean isAvailable() {
        return (flags & AVAILABLE) != 0;
    }

    /** Counts a connection the server did not accept (refused, unreachable, timed out). */
    void connectFailed() {
        connectFailures.increment();
        service.connectFailed(this);
    }

    /** Connections the server did not accept since it was added; input for passive health checks. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /** Whether a scheduler may pick the server for a new connection: available, weight &gt; 0, not overloaded. */
    boolean isUsable() {
        return flags == AVAILABLE && weight > 0;
    }

    /** The server's statistics. */
    public Counters stats() {
        return stats;
    }

    /** Replaces the settings (ipvsadm {@code -e}); control thread only. */
    void edit(RealServer next) {
        RealServer prev = server;
        server = next;
        weight = next.weight();
        if (next.weight() != 0) {
            lastWeight = next.weight();
        }
        if (next.upperThreshold() == 0 || next.upperThreshold() > prev.upperThreshold()) {
            clearFlag(OVERLOAD);
        }
    }

    /** Unlinks the server from its service (ipvsadm {@code -d}) into the trash; control thread only. */
    void trash() {
        clearFlag(AVAILABLE);
        idleSinceNanos = 0;
    }

    /**
     * Brings a trashed server back (ipvsadm {@code -a} of the same address while it is in the trash): it keeps
     * its connections and counters; its statistics are zeroed only if it comes back into another service object,
     * as in IPVS. Control thread only.
     */
    void revive(ServiceEntry into, RealServer next) {
        if (into != service) {
            stats.zero();
            service = into;
        }
        edit(next);
        setFlag(AVAILABLE);
    }

    /** Whether no connection or template refers to the server any more. */
    boolean isUnreferenced() {
        return active == 0 && inactive == 0 && persistent == 0;
    }

    /** A new connection was bound to this server: it starts inactive, as in IPVS; the upper threshold is checked. */
    void bindInactive() {
        bind(false);
    }

    /** A connection was bound to this server (active after a reschedule); the upper threshold is checked. */
    void bind(boolean isActive) {
        (isActive ? ACTIVE : INACTIVE).getAndAdd(this, 1);
        checkOverload();
        service.countersChanged(this);
    }

    /** A connection moved between the active and inactive sets. */
    void move(boolean toActive) {
        if (toActive) {
            INACTIVE.getAndAdd(this, -1);
            ACTIVE.getAndAdd(this, 1);
        } else {
            ACTIVE.getAndAdd(this, -1);
            INACTIVE.getAndAdd(this, 1);
        }
        service.countersChanged(this);
    }

    /** A connection left the table from the active or inactive set; OVERLOAD is re-evaluated. */
    void unbind(boolean wasActive) {
        (wasActive ? ACTIVE : INACTIVE).getAndAdd(this, -1);
        releaseOverload();
        service.countersChanged(this);
    }

    /** A persistence template now points at this server (PersistConn + 1); the upper threshold is checked. */
    void bindTemplate() {
        PERSISTENT.getAndAdd(this, 1);
        checkOverload();
        service.countersChanged(this);
    }

    /** A persistence template pointing at this server expired. */
    void unbindTemplate() {
        PERSISTENT.getAndAdd(this, -1);
        releaseOverload();
        service.countersChanged(this);
    }

    private void checkOverload() {
        int upper = server.upperThreshold();
        if (upper != 0 && active + inactive >= upper) {
            setFlag(OVERLOAD);
        }
    }

    private void releaseOverload() {
        if (!isOverloaded()) {
            return;
        }
        RealServer s = server;
        int upper = s.upperThreshold();
        int lower = s.lowerThreshold();
        long conns = (long) active + inactive;
        if ((lower != 0 && conns < lower) || (lower == 0 && upper != 0 && 4 * conns < 3L * upper)
                || (lower == 0 && upper == 0)) {
            clearFlag(OVERLOAD);
        }
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

    private void clearFlag(int flag) {
        int f;
        do {
            f = flags;
            if ((f & flag) == 0) {
                return;
            }
        } while (!FLAGS.compareAndSet(this, f, f & ~flag));
    }

    /** A snapshot for listings. */
    public RealServerStatus status() {
        return new RealServerStatus(server, active, inactive, persistent, isOverloaded(), stats.snapshot(),
                stats.rates());
    }

    @Override
    public String toString() {
        return server + " active " + active + " inactive " + inactive;
    }
}
