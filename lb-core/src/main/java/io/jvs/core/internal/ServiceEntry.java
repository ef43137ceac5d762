package io.jvs.core.internal;

import io.jvs.api.Destination;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.SourceLimit;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.Connection;
import io.jvs.core.ServiceBinding;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * A running virtual service (IPVS {@code struct ip_vs_service}): its settings, its scheduler and its real
 * servers in IPVS order, newest first. Changes happen on the control thread, which holds the director's lock,
 * and are published through volatile fields; {@link #open} runs on data-path threads without the director's
 * lock, using the {@link ConnectionTable}'s lock-free lookups and striped locks.
 *
 * <p>{@link #open} follows IPVS's packet path for the first packet of a flow ({@code ip_vs_in}): an existing entry
 * with the flow's key is used (or, for a TCP SYN, expired and replaced as {@code conn_reuse_mode} and
 * {@code expire_nodest_conn} say); otherwise the service schedules, through its persistence template first if it
 * is persistent ({@code ip_vs_sched_persist}), and a new entry is created.
 */
public final class ServiceEntry implements ServiceBinding {

    private static final Logger LOG = System.getLogger(ServiceEntry.class.getName());
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A new entry lives 3 s until its first packet sets the real timeout (IPVS). */
    private static final long INITIAL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int FTP_PORT = 21;

    private final ServiceId id;
    private final Ticker ticker;
    final ConnectionTable table;
    private final Listeners listeners;
    private final Counters stats = new Counters();
    private final LongAdder denied = new LongAdder();
    private final LongAdder sourceConnectionsRefused = new LongAdder();
    private final LongAdder sourceRateRefused = new LongAdder();
    private final LongAdder sourceTableFull = new LongAdder();
    private final LongAdder clientDataTimeouts = new LongAdder();
    /** The service port (0 for port-0 services and firewall-mark groups). */
    private final int servicePort;
    /** The settings; its real-server list is empty (the servers are {@link #destinations}). */
    private volatile VirtualService settings;
    /** What {@link #open} needs of the settings, as primitives. */
    private volatile Mode mode;
    private volatile Scheduler scheduler;
    private volatile DestinationEntry[] destinations;
    private volatile boolean running = true;
    private volatile long lastLogNanos;

    /** Persistence, one-packet and admission settings, read on every new flow. */
    private static final class Mode {
        final boolean persistent;
        final int seconds;
        final long maskHi;
        final long maskLo;
        final boolean onePacket;
        final AccessList access;
        /** The per-source table, or null without a source limit. */
        final SourceTable sources;
        final int sourceMaxOpen;
        /** Nanoseconds per token of a source's bucket, 0 without a rate. */
        final long sourceInterval;
        final long sourceTolerance;

        /** @param previous the mode before an edit, whose source table is kept when it fits */
        Mode(VirtualService s, Mode previous) {
            access = AccessList.of(s);
            SourceLimit limit = s.sourceLimit();
            if (!limit.isLimited()) {
                sources = null;
            } else if (previous != null && previous.sources != null && previous.sources.fits(limit)) {
                sources = previous.sources;
            } else {
                sources = new SourceTable(limit);
            }
            sourceMaxOpen = limit.maxConnections();
            sourceInterval = limit.ratePerSecond() == 0 ? 0 : Math.max(1, 1_000_000_000L / limit.ratePerSecond());
            sourceTolerance = limit.ratePerSecond() == 0 ? 0 : (limit.burst() - 1) * sourceInterval;
            persistent = s.isPersistent();
            seconds = (int) s.persistence().getSeconds();
            onePacket = s.isOnePacket();
            if (s.id().family() == StandardProtocolFamily.INET) {
                maskHi = -1L;
                maskLo = ConnectionEntry.low(s.persistenceNetmask());
            } else {
                int p = s.persistencePrefixLength();
                maskHi = ConnectionEntry.maskHi(p);
                maskLo = ConnectionEntry.maskLo(p);
            }
        }
    }

    /**
     * @param trashed finds a deleted server of the same service id in the trash (and takes it out), to revive it
     *     with its counters, as IPVS does when a service is added again
     */
    ServiceEntry(VirtualService service, Ticker ticker, Listeners listeners, ConnectionTable table,
            Function<InetSocketAddress, DestinationEntry> trashed) {
        this.id = service.id();
        this.ticker = ticker;
        this.listeners = listeners;
        this.table = table;
        this.servicePort = service.id().isFwmark() ? 0 : service.id().address().getPort();
        this.settings = service.withRealServers(List.of());
        this.mode = new Mode(service, null);
        List<RealServer> servers = service.realServers();
        DestinationEntry[] list = new DestinationEntry[servers.size()];
        for (int i = 0; i < list.length; i++) {
            RealServer rs = servers.get(i);
            DestinationEntry d = trashed.apply(rs.address());
            if (d != null) {
                d.revive(this, rs);
            } else {
                d = new DestinationEntry(this, rs);
            }
            list[list.length - 1 - i] = d; // newest first
        }
        this.destinations = list;
        this.scheduler = newScheduler(service);
        this.scheduler.update(asList(list));
    }

    private Scheduler newScheduler(VirtualService service) {
        Set<SchedulerFlag> flags = service.schedulerFlags();
        Scheduler.Context context = new Scheduler.Context() {
            @Override
            public ServiceId service() {
                return id;
            }

            @Override
            public Set<SchedulerFlag> flags() {
                return flags;
            }

            @Override
            public Ticker ticker() {
                return ticker;
            }

            @Override
            public RandomGenerator random() {
                return ThreadLocalRandom.current();
            }
        };
        return service.scheduler().create(context);
    }

    private static List<Destination> asList(DestinationEntry[] list) {
        return Collections.unmodifiableList(Arrays.asList(list.clone()));
    }

    @Override
    public ServiceId id() {
        return id;
    }

    @Override
    public VirtualService service() {
        DestinationEntry[] list = destinations;
        List<RealServer> servers = new ArrayList<>(list.length);
        for (int i = list.length - 1; i >= 0; i--) {
            servers.add(list[i].server());
        }
        return settings.withRealServers(servers);
    }

    @Override
    public VirtualService settings() {
        return settings;
    }

    /** The service's statistics. */
    public Counters stats() {
        return stats;
    }

    @Override
    public Connection open(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual) {
        InetAddress ca = client.getAddress();
        InetAddress va = virtual.getAddress();
        byte[] cb = ca instanceof Inet4Address ? null : ca.getAddress(); // IPv6: one copy of each address
        byte[] vb = va instanceof Inet4Address ? null : va.getAddress();
        long caHi = cb == null ? 0 : ConnectionEntry.word(cb, 0);
        long caLo = cb == null ? ConnectionEntry.low(ca) : ConnectionEntry.word(cb, 8);
        long vaHi = vb == null ? 0 : ConnectionEntry.word(vb, 0);
        long vaLo = vb == null ? ConnectionEntry.low(va) : ConnectionEntry.word(vb, 8);
        int cport = client.getPort();
        int vport = virtual.getPort();
        int proto = protocol.number();
        boolean v6 = !(ca instanceof Inet4Address);
        Mode m = mode;
        boolean tcp = protocol == Protocol.TCP;
        if (tcp && !m.access.admits(v6, caHi, caLo)) { // every TCP connection is new; UDP: new flows only (below)
            denied.increment();
            return null;
        }
        ConnectionTable t = table;
        int h = t.hash(proto, caHi, caLo, cport, vaHi, vaLo, vport);
        ConnectionEntry found = t.find(h, proto, false, caHi, caLo, cport, vaHi, vaLo, vport);
        if (found != null) {
            if (!replace(found, protocol)) {
                if (!found.dest().isAvailable()) {
                    return null; // server deleted: dropped
                }
                if (tcp && m.sources != null && !found.sourceCounted()) { // a new connection on an old entry
                    if (!admitSource(m, v6, caHi, caLo, true)) {
                        return null;
                    }
                    if (m.sourceMaxOpen > 0) {
                        found.countSource(m.sources);
                    }
                }
                return reuse(found, protocol);
            }
            t.expireNow(found);
        }
        if (!running) {
            return null;
        }
        if (!tcp && !m.access.admits(v6, caHi, caLo)) {
            denied.increment();
            return null;
        }
        if (t.memory.refuse()) {
            logRateLimited(Level.WARNING, settings.schedulerName() + ": " + id
                    + " - memory is short: new flow refused");
            return null;
        }
        int flags = ConnectionEntry.INACTIVE | (v6 ? ConnectionEntry.V6 : 0);
        if (m.onePacket && protocol == Protocol.UDP) {
            if (m.sources != null && !admitSource(m, v6, caHi, caLo, false)) {
                return null;
            }
            return onePacket(m, proto, flags, caHi, caLo, cport, vaHi, vaLo, vport);
        }
        SourceTable sources = m.sources;
        if (sources != null && !admitSource(m, v6, caHi, caLo, true)) {
            return null;
        }
        ConnectionEntry c = new ConnectionEntry(this, proto, flags, caHi, caLo, cport, vaHi, vaLo, vport);
        if (sources != null && m.sourceMaxOpen > 0) {
            c.countSource(sources); // uncounted through releaseSource() on every path that does not publish c
        }
        ConnectionEntry template = null;
        DestinationEntry d;
        if (m.persistent) {
            template = persist(c, m, proto, v6, caHi, caLo, vaHi, vaLo, vport, true);
            if (template == null) {
                c.releaseSource();
                return null;
            }
            d = template.dest();
        } else {
            d = select(c);
            if (d == null) {
                c.releaseSource();
                return null;
            }
        }
        c.place(d, connectionPort(d, vport, m.persistent), template);
        ForwardingMethod method = d.server().forwardingMethod();
        if (method == ForwardingMethod.DR || method == ForwardingMethod.TUN) {
            c.markNoOutput(); // replies bypass the director
        }
        ConnectionEntry raced;
        synchronized (t.lock(h)) {
            raced = t.find(h, proto, false, caHi, caLo, cport, vaHi, vaLo, vport);
            if (raced == null) {
                if (!t.reserve()) {
                    if (template != null) {
                        template.unlink();
                    }
                    c.releaseSource();
                    logRateLimited(Level.WARNING, settings.schedulerName() + ": " + id
                            + " - connection table full (" + t.capacity() + " entries): new flow refused");
                    return null;
                }
                c.expireIn(t.now(), INITIAL_TIMEOUT_NANOS);
                t.insertLocked(c);
                d.bindInactive();
            }
        }
        if (raced != null) { // another thread placed the same flow first (UDP): use that one
            if (template != null) {
                template.unlink();
            }
            c.releaseSource();
            return raced;
        }
        stats.connection();
        d.stats().connection();
        c.started();
        return c;
    }

    /**
     * Takes a token and (with a connection limit, when {@code count}) a place for a new connection of this client in
     * the per-source table, or counts why not.
     */
    private boolean admitSource(Mode m, boolean v6, long hi, long lo, boolean count) {
        int r = m.sources.acquire(v6, hi, lo, ticker.nanoTime(), m.sourceMaxOpen, m.sourceInterval,
                m.sourceTolerance, count && m.sourceMaxOpen > 0);
        switch (r) {
            case SourceTable.ADMITTED:
                return true;
            case SourceTable.TOO_MANY_CONNECTIONS:
                sourceConnectionsRefused.increment();
                return false;
            case SourceTable.RATE_EXCEEDED:
                sourceRateRefused.increment();
                return false;
            default:
                sourceTableFull.increment();
                logRateLimited(Level.WARNING, settings.schedulerName() + ": " + id + " - per-source table full ("
                        + settings.sourceLimit().maxSources() + " sources, every one with connections open): new "
                        + "source refused");
                return false;
        }
    }

    /** A client of this service was closed for sending nothing within the client data timeout. */
    void clientDataTimedOut() {
        clientDataTimeouts.increment();
    }

    /** The service's defences and their counters. */
    ServiceDefenceStatus defenceStatus() {
        VirtualService s = settings;
        Mode m = mode;
        return new ServiceDefenceStatus(id, s.allow(), s.deny(), s.sourceLimit(), s.maxConnections(),
                s.proxyProtocolSources(), s.clientDataTimeout(), m.sources == null ? 0 : m.sources.tracked(ticker.nanoTime()),
                denied.sum(), sourceConnectionsRefused.sum(), sourceRateRefused.sum(), sourceTableFull.sum(),
                clientDataTimeouts.sum());
    }

    /** Zeroes the defences' counters (with the traffic counters, ipvsadm {@code -Z}). */
    void zeroDefences() {
        denied.reset();
        sourceConnectionsRefused.reset();
        sourceRateRefused.reset();
        sourceTableFull.reset();
        clientDataTimeouts.reset();
    }

    /** The connections open from {@code client}'s source in the per-source table; for tests. */
    int openFromSource(InetAddress client) {
        SourceTable st = mode.sources;
        return st == null ? 0 : st.openFrom(!(client instanceof Inet4Address), ConnectionEntry.high(client),
                ConnectionEntry.low(client));
    }

    /**
     * Whether a new flow with the key of an existing entry replaces it (IPVS {@code ip_vs_in}): with
     * {@code expire_nodest_conn}, when its server was deleted, or (for a TCP SYN) quiesced; with
     * {@code conn_reuse_mode} 1, for a TCP SYN, when it is not controlled by a template and is in TIME_WAIT or
     * CLOSE; and, on a socket data path, when the old TCP entry still has sockets attached (the kernel has let the
     * old socket go, so they are stale).
     */
    private boolean replace(ConnectionEntry found, Protocol protocol) {
        DestinationEntry d = found.dest();
        if (table.expireNodestConn && !d.isAvailable()) {
            return true;
        }
        if (protocol != Protocol.TCP) {
            return false;
        }
        if (table.expireNodestConn && d.weight() == 0) {
            return true;
        }
        int s = found.state();
        return found.attached() != null
                || (found.control() == null && (s == TcpStates.TIME_WAIT || s == TcpStates.CLOSE));
    }

    /** An existing entry takes the new flow: for TCP, the SYN runs through its state machine. */
    private static Connection reuse(ConnectionEntry found, Protocol protocol) {
        if (protocol == Protocol.TCP) {
            found.segment(TcpStates.INPUT, TcpStates.SYN);
        }
        return found;
    }

    /** One-packet scheduling: a connection for one datagram, never in the table, counted as scheduled. */
    private Connection onePacket(Mode m, int proto, int flags, long caHi, long caLo, int cport, long vaHi,
            long vaLo, int vport) {
        ConnectionEntry c = new ConnectionEntry(this, proto, flags | ConnectionEntry.ONE_PACKET, caHi, caLo, cport,
                vaHi, vaLo, vport);
        DestinationEntry d;
        if (m.persistent) {
            ConnectionEntry template = persist(c, m, proto, (flags & ConnectionEntry.V6) != 0, caHi, caLo, vaHi,
                    vaLo, vport, false);
            d = template == null ? null : template.dest();
        } else {
            d = select(c);
        }
        if (d == null) {
            return null;
        }
        c.place(d, connectionPort(d, vport, m.persistent), null);
        stats.connection();
        d.stats().connection();
        return c;
    }

    /**
     * The real server's port for a new connection: for a persistent service the client's port unless it reached
     * the service port and the server has a port (so firewall-mark and port-0 groups keep the original port); for
     * others the server's port, or the client's when the server's is 0 (IPVS).
     */
    private int connectionPort(DestinationEntry d, int vport, boolean persistent) {
        int port = d.address().getPort();
        if (persistent) {
            return vport == servicePort && port != 0 ? port : vport;
        }
        return port != 0 ? port : vport;
    }

    /**
     * IPVS {@code ip_vs_sched_persist}: finds the client's template (client address under the netmask, virtual
     * address and port, or protocol IP and the mark for a firewall-mark group), checks it is still valid, or
     * schedules and creates a new one; then links the connection to it and restarts its timer.
     *
     * @param link whether a connection is linked (false for a one-packet datagram, which only refreshes it)
     * @return the template, or null when no server is available or the table is full
     */
    private ConnectionEntry persist(ConnectionEntry c, Mode m, int proto, boolean v6, long caHi, long caLo,
            long vaHi, long vaLo, int vport, boolean link) {
        boolean sameFamily = v6 == (id.family() == StandardProtocolFamily.INET6);
        long sHi = sameFamily ? caHi & m.maskHi : caHi;
        long sLo = sameFamily ? caLo & m.maskLo : caLo;
        int tproto;
        long tHi;
        long tLo;
        int tport;
        boolean servicePortHit = vport == servicePort && servicePort != FTP_PORT;
        if (id.isFwmark()) {
            long mark = id.fwmark() & 0xFFFFFFFFL;
            tproto = ConnectionEntry.IP;
            tHi = v6 ? mark << 32 : 0;
            tLo = v6 ? 0 : mark;
            tport = 0;
        } else {
            tproto = proto;
            tHi = vaHi;
            tLo = vaLo;
            tport = servicePortHit ? vport : 0;
        }
        ConnectionTable t = table;
        int h = t.hash(tproto, sHi, sLo, 0, tHi, tLo, tport);
        long now = t.now();
        synchronized (t.lock(h)) {
            ConnectionEntry template = t.find(h, tproto, true, sHi, sLo, 0, tHi, tLo, tport);
            if (template != null && !isValid(template.dest())) {
                template.invalidate();
                template = null;
            }
            if (template == null) {
                DestinationEntry d = select(c);
                if (d == null || !t.reserve()) {
                    return null;
                }
                template = new ConnectionEntry(this, tproto,
                        ConnectionEntry.TEMPLATE | (v6 ? ConnectionEntry.V6 : 0), sHi, sLo, 0, tHi, tLo, tport);
                template.place(d, servicePortHit ? d.address().getPort() : 0, null);
                template.setTemplateSeconds(m.seconds);
                template.refresh(now);
                t.insertLocked(template);
                d.bindTemplate();
            }
            if (link) {
                template.link(now);
            } else {
                template.refresh(now);
            }
            return template;
        }
    }

    /**
     * IPVS {@code ip_vs_check_template}: a template is dropped when its server was deleted, or is quiesced while
     * {@code expire_quiescent_template} is on. Overload is not checked: persistent clients pass thresholds.
     */
    private boolean isValid(DestinationEntry d) {
        return d.isAvailable() && !(table.expireQuiescentTemplate && d.weight() == 0);
    }

    /** Asks the scheduler; null (logged, rate-limited) when it has no server or misbehaves. */
    private DestinationEntry select(ConnectionEntry flow) {
        Scheduler s = scheduler;
        Destination picked;
        try {
            picked = s.select(flow);
        } catch (RuntimeException | LinkageError e) {
            logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id + " - scheduler failed: " + e);
            return null;
        }
        if (!(picked instanceof DestinationEntry) || ((DestinationEntry) picked).serviceEntry() != this) {
            if (picked != null) {
                logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id
                        + " - scheduler returned a server of another service: " + picked);
            } else {
                logRateLimited(Level.WARNING, settings.schedulerName() + ": " + id + " - no destination available");
            }
            return null;
        }
        return (DestinationEntry) picked;
    }

    /**
     * Picks another server for a connection whose server failed: the scheduler's pick if it is usable and untried,
     * else the first usable untried server after the failed one in list order (wrapping).
     */
    DestinationEntry reschedule(ConnectionEntry c, DestinationEntry failed, List<DestinationEntry> tried) {
        if (!running) {
            return null;
        }
        Destination picked;
        try {
            picked = scheduler.select(c);
        } catch (RuntimeException | LinkageError e) {
            picked = null;
        }
        if (picked instanceof DestinationEntry && ((DestinationEntry) picked).serviceEntry() == this
                && !tried.contains(picked)) {
            return (DestinationEntry) picked;
        }
        DestinationEntry[] list = destinations;
        int start = 0;
        for (int i = 0; i < list.length; i++) {
            if (list[i] == failed) {
                start = i + 1;
                break;
            }
        }
        for (int k = 0; k < list.length; k++) {
            DestinationEntry d = list[(start + k) % list.length];
            if (d.isUsable() && !tried.contains(d)) {
                return d;
            }
        }
        return null;
    }

    /** A server did not accept a connection: tell the listeners. */
    void connectFailed(DestinationEntry d) {
        listeners.connectFailed(id, d.address());
    }

    void countersChanged(DestinationEntry d) {
        try {
            scheduler.countersChanged(d);
        } catch (RuntimeException e) {
            logRateLimited(Level.ERROR, settings.schedulerName() + ": " + id + " - countersChanged failed: " + e);
        }
    }

    private void logRateLimited(Level level, String message) {
        long now = ticker.nanoTime();
        long last = lastLogNanos;
        if (now - last >= LOG_INTERVAL_NANOS || last == 0) {
            lastLogNanos = now;
            LOG.log(level, message);
        }
    }

    // ---- control thread only (the director's lock is held)

    /** The real servers in IPVS order (newest first). */
    DestinationEntry[] destinations() {
        return destinations;
    }

    DestinationEntry find(InetSocketAddress address) {
        for (DestinationEntry d : destinations) {
            if (d.address().equals(address)) {
                return d;
            }
        }
        return null;
    }

    /**
     * Adds a real server at the head of the list (ipvsadm {@code -a}); {@code revived}, if not null, is the same
     * server taken back from the trash with its counters.
     */
    void addDestination(RealServer server, DestinationEntry revived) {
        DestinationEntry[] old = destinations;
        DestinationEntry[] next = new DestinationEntry[old.length + 1];
        if (revived != null) {
            revived.revive(this, server);
        }
        next[0] = revived != null ? revived : new DestinationEntry(this, server);
        System.arraycopy(old, 0, next, 1, old.length);
        destinations = next;
        scheduler.update(asList(next));
    }

    void editDestination(DestinationEntry d, RealServer server) {
        d.edit(server);
        scheduler.update(asList(destinations));
    }

    void removeDestination(DestinationEntry d) {
        DestinationEntry[] old = destinations;
        DestinationEntry[] next = new DestinationEntry[old.length - 1];
        for (int i = 0, j = 0; i < old.length; i++) {
            if (old[i] != d) {
                next[j++] = old[i];
            }
        }
        d.trash();
        destinations = next;
        scheduler.update(asList(next));
    }

    /** Replaces the settings (ipvsadm {@code -E}); a new scheduler is bound if the algorithm or its flags changed. */
    void setSettings(VirtualService service) {
        VirtualService old = settings;
        settings = service.withRealServers(List.of());
        mode = new Mode(service, mode);
        if (old.scheduler() != service.scheduler() || !old.schedulerFlags().equals(service.schedulerFlags())) {
            Scheduler s = newScheduler(service);
            s.update(asList(destinations));
            scheduler = s;
        }
    }

    /**
     * Stops placing new connections (the service was deleted) and moves its real servers to the trash; their
     * connection entries stay until they expire (IPVS {@code -D}, {@code -C}).
     *
     * @return the trashed servers
     */
    DestinationEntry[] stop() {
        running = false;
        DestinationEntry[] list = destinations;
        for (DestinationEntry d : list) {
            d.trash();
        }
        return list;
    }

    ServiceStatus status() {
        DestinationEntry[] list = destinations;
        List<RealServerStatus> servers = new ArrayList<>(list.length);
        for (DestinationEntry d : list) {
            servers.add(d.status());
        }
        return new ServiceStatus(service(), servers, stats.snapshot(), stats.rates());
    }

    /** One step of the rate estimators of the service and its servers. */
    void estimate() {
        stats.estimate();
        for (DestinationEntry d : destinations) {
            d.stats().estimate();
        }
    }

    @Override
    public String toString() {
        return id + " " + settings.schedulerName() + " (" + destinations.length + " real servers)";
    }
}
