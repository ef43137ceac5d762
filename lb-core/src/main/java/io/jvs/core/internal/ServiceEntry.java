package io.jvs.core.internal;

import io.jvs.api.ForwardingMethod;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.Refusal;
import io.jvs.api.ServiceDefenceStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.jvs.core.RunningService;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A running virtual service (IPVS {@code struct ip_vs_service}): its settings, its real servers in IPVS order (newest
 * first), and the pipeline every data path asks about new connections and packets ({@link #open}): look-up, then
 * {@link Admission}, then {@link Placement}, then the insert into the {@link ConnectionTable}.
 *
 * <p>Changes happen on the control thread, which holds the director's lock, and are published through volatile
 * fields; {@link #open} runs on data-path threads without the director's lock, on the connection table's lock-free
 * look-ups and striped locks.
 */
public final class ServiceEntry implements RunningService {

    /** A new entry lives 3 s until its first packet sets the real timeout (IPVS). */
    private static final long INITIAL_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(3);

    private final ServiceId id;
    final ConnectionTable table;
    private final Listeners listeners;
    private final Counters stats = new Counters();
    private final ServiceLog log;
    private final Admission admission;
    private final Placement placement;
    /** The settings; its real-server list is empty (the servers are {@link #destinations}). */
    private volatile VirtualService settings;
    private volatile DestinationEntry[] destinations;
    /**
     * The real servers by address, so that a look-up of one of 100,000 is not a scan: changed by the control thread,
     * read by it and by the sync stream's receive threads ({@link SyncApplier}), so a concurrent map (reads take no
     * lock and always see every server that stays).
     */
    private final Map<InetSocketAddress, DestinationEntry> byAddress = new ConcurrentHashMap<>();
    private volatile boolean running = true;

    /**
     * @param trashed finds a deleted server of the same service id in the trash (and takes it out), to revive it
     *     with its counters, as IPVS does when a service is added again
     * @throws IllegalArgumentException if the service's scheduler is not registered
     */
    ServiceEntry(VirtualService service, Ticker ticker, Listeners listeners, ConnectionTable table,
            Function<InetSocketAddress, DestinationEntry> trashed) {
        this.id = service.id();
        this.listeners = listeners;
        this.table = table;
        this.log = new ServiceLog(ticker);
        this.settings = service.withRealServers(List.of());
        this.placement = new Placement(table, service, ticker, log);
        this.admission = new Admission(service, ticker, table.memory, log);
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
            byAddress.put(d.address(), d);
        }
        this.destinations = list;
        placement.update(list);
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

    Admission admission() {
        return admission;
    }

    /** The placement step: tells a server of this service from another's ({@link Placement#owns}). */
    Placement placement() {
        return placement;
    }

    // ---- the pipeline

    @Override
    public Outcome open(FlowRequest r) {
        r.connection(null);
        ConnectionTable t = table;
        int proto = r.protocol();
        boolean tcp = proto == ConnectionEntry.TCP;
        int event = tcp ? TcpStates.event(r.tcpFlags()) : TcpStates.NO_EVENT;
        boolean syn = event == TcpStates.SYN;
        int h = t.hash(proto, r.clientHigh(), r.clientLow(), r.clientPort(), r.virtualHigh(), r.virtualLow(), r.virtualPort());
        // 1. look-up
        ConnectionEntry found = t.find(h, proto, false, r.clientHigh(), r.clientLow(), r.clientPort(), r.virtualHigh(),
                r.virtualLow(), r.virtualPort());
        boolean alongside = false;
        if (found != null && syn && found.attached() != null) {
            // A live socket connection holds this key, and a new one claims it: two upstream connections whose PROXY
            // headers name one client, or a client port the kernel reused while the old relay still closes. Both
            // live; the new one gets an entry of its own beside the old (a look-up finds the newest).
            found = null;
            alongside = true;
        }
        if (found != null) {
            if (!replaces(found, tcp, syn)) {
                if (!found.dest().isAvailable()) {
                    return admission.count(Outcome.SERVER_DELETED); // dropped until it expires, as in IPVS
                }
                // (a place is taken, and given back, in the admission the entry was admitted in)
                if (syn && found.finished()) { // a new connection on a finished entry: admitted again
                    Outcome o = found.admission().admitAgain(found, r.isV6(), r.clientHigh(), r.clientLow());
                    if (o != Outcome.ADMITTED) {
                        return o;
                    }
                    found.reused();
                } // (any other SYN is sent again for the entry's connection: not a new connection)
                if (found.adopt()) { // a synced entry meets its first local packet: this director's own now
                    found.admission().adopt(found, r.isV6(), r.clientHigh(), r.clientLow());
                }
                found.inbound(event, r.packetBytes());
                r.connection(found);
                return Outcome.FOUND;
            }
            t.expireNow(found);
        }
        if (!running) {
            return admission.count(Outcome.SERVICE_STOPPED);
        }
        if (tcp && !syn) {
            return admission.count(Outcome.NOT_SYN);
        }
        int flags = ConnectionEntry.INACTIVE | (r.isV6() ? ConnectionEntry.V6 : 0);
        if (!tcp && placement.isOnePacket()) {
            return onePacket(r, flags);
        }
        // 2. admission, under one snapshot of its rules until the entry holds what it acquired
        Admission.Rules rules = admission.rules();
        Outcome o = admission.admitNew(rules, r.isV6(), r.clientHigh(), r.clientLow(), true, tcp);
        if (o != Outcome.ADMITTED) {
            return o;
        }
        // 3. placement, on this thread's key: a refused flow allocates nothing
        FlowKey k = FlowKey.of(r);
        o = placement.place(k, true);
        Semaphore flows = r.flowLimit();
        if (o == Outcome.PLACED && flows != null && !flows.tryAcquire()) {
            o = Outcome.FLOW_LIMIT; // the data path's own limit: the last check
            if (k.template != null) {
                k.template.unlink();
            }
        }
        if (o != Outcome.PLACED) {
            k.clear();
            admission.giveBack(rules, r.isV6(), r.clientHigh(), r.clientLow());
            return admission.count(o);
        }
        ConnectionEntry c = new ConnectionEntry(table, id, admission, proto, flags, r.clientHigh(), r.clientLow(),
                r.clientPort(), r.virtualHigh(), r.virtualLow(), r.virtualPort());
        c.place(k.dest, k.dport, k.template);
        k.clear();
        admission.hold(rules, c);
        ForwardingMethod method = c.dest().server().forwardingMethod();
        if (method == ForwardingMethod.DR || method == ForwardingMethod.TUN) {
            c.markNoOutput(); // replies bypass the director
        }
        // 4. insert
        return insert(r, c, h, event, alongside);
    }

    /** @param alongside whether a live entry with the same key stays beside the new one */
    private Outcome insert(FlowRequest r, ConnectionEntry c, int h, int event, boolean alongside) {
        ConnectionTable t = table;
        DestinationEntry d = c.dest();
        ConnectionEntry raced;
        boolean full = false;
        synchronized (t.lock(h)) {
            raced = alongside ? null : t.find(h, r.protocol(), false, r.clientHigh(), r.clientLow(), r.clientPort(),
                    r.virtualHigh(), r.virtualLow(), r.virtualPort());
            if (raced == null) {
                if (t.reserve(h)) {
                    c.expireIn(t.now(), INITIAL_TIMEOUT_NANOS);
                    t.insertLocked(c);
                    d.bindInactive();
                } else {
                    full = true;
                }
            }
        }
        if (raced != null || full) {
            ConnectionEntry template = c.control();
            if (template != null) {
                template.unlink();
            }
            c.releaseHolds();
            if (r.flowLimit() != null) {
                r.flowLimit().release(); // no new flow after all
            }
            if (full) {
                if (log.due()) {
                    log.write(Level.WARNING, settings.schedulerName() + ": " + id + " - connection table full ("
                            + t.capacity() + " entries): new flow refused");
                }
                return admission.count(Outcome.TABLE_FULL);
            }
            raced.inbound(event, r.packetBytes()); // another thread placed the same flow first: that one goes on
            r.connection(raced);
            return Outcome.FOUND;
        }
        stats.connection();
        d.stats().connection();
        c.started();
        if (r.packetBytes() >= 0) {
            c.countStats(r.packetBytes());
        }
        c.synced(); // SYN_RECV, or a new UDP flow: the sync rules decide
        r.connection(c);
        return Outcome.PLACED;
    }

    /**
     * One-packet scheduling: a connection for one datagram, never in the table, counted as scheduled. Placed on this
     * thread's key first: a refused datagram allocates nothing, a placed one its connection.
     */
    private Outcome onePacket(FlowRequest r, int flags) {
        Outcome o = admission.admitNew(admission.rules(), r.isV6(), r.clientHigh(), r.clientLow(), false, false);
        if (o != Outcome.ADMITTED) {
            return o;
        }
        FlowKey k = FlowKey.of(r);
        o = placement.place(k, false);
        Semaphore flows = r.flowLimit();
        if (o == Outcome.PLACED && flows != null && !flows.tryAcquire()) {
            o = Outcome.FLOW_LIMIT; // the data path's own limit: the last check
        }
        if (o != Outcome.PLACED) {
            k.clear();
            return admission.count(o);
        }
        ConnectionEntry c = new ConnectionEntry(table, id, admission, r.protocol(), flags | ConnectionEntry.ONE_PACKET, r.clientHigh(),
                r.clientLow(), r.clientPort(), r.virtualHigh(), r.virtualLow(), r.virtualPort());
        c.place(k.dest, k.dport, null);
        k.clear();
        stats.connection();
        c.dest().stats().connection();
        if (r.packetBytes() >= 0) {
            c.countStats(r.packetBytes());
        }
        c.synced(); // never published itself; its template is
        r.connection(c);
        return Outcome.PLACED;
    }

    /**
     * Whether a new flow with the key of an existing entry replaces it (IPVS {@code ip_vs_in}): with
     * {@code expire_nodest_conn}, when its server was deleted, or (for a TCP SYN) quiesced; with
     * {@code conn_reuse_mode} 1, for a TCP SYN, when it is not controlled by a template and is in TIME_WAIT or
     * CLOSE. (An entry with sockets attached is never replaced: the new connection gets an entry beside it.)
     */
    private boolean replaces(ConnectionEntry found, boolean tcp, boolean syn) {
        DestinationEntry d = found.dest();
        if (table.expireNodestConn && !d.isAvailable()) {
            return true;
        }
        if (!tcp || !syn) {
            return false;
        }
        if (table.expireNodestConn && d.weight() == 0) {
            return true;
        }
        int s = found.state();
        return found.control() == null && (s == TcpStates.TIME_WAIT || s == TcpStates.CLOSE);
    }

    @Override
    public Outcome lookup(FlowRequest r) {
        r.connection(null);
        ConnectionTable t = table;
        int h = t.hash(r.protocol(), r.clientHigh(), r.clientLow(), r.clientPort(), r.virtualHigh(), r.virtualLow(), r.virtualPort());
        ConnectionEntry found = t.find(h, r.protocol(), false, r.clientHigh(), r.clientLow(), r.clientPort(), r.virtualHigh(),
                r.virtualLow(), r.virtualPort());
        if (found == null) {
            return Outcome.NO_ENTRY;
        }
        if (r.packetBytes() >= 0) {
            found.countStats(r.packetBytes()); // a relayed ICMP error counts in InPkts (IPVS ip_vs_in_icmp)
        }
        r.connection(found);
        return Outcome.FOUND;
    }

    @Override
    public Outcome admitPeer(InetSocketAddress peer) {
        return admission.admitPeer(peer);
    }

    @Override
    public void refused(Refusal reason) {
        admission.count(reason);
    }

    @Override
    public boolean atConnectionLimit() {
        return admission.atLimit();
    }

    /**
     * Picks another server for {@code c}, whose server {@code failed} did not accept it; null when the service is no
     * longer running or every usable server was tried ({@link Placement#reschedule}).
     */
    DestinationEntry reschedule(ConnectionEntry c, DestinationEntry failed, List<DestinationEntry> tried) {
        return running ? placement.reschedule(c, failed, tried, destinations) : null;
    }

    /** A server did not accept a connection: tell the listeners. */
    void connectFailed(DestinationEntry d) {
        listeners.connectFailed(id, d.address());
    }

    void countersChanged(DestinationEntry d) {
        placement.countersChanged(d);
    }

    // ---- defences

    /** The service's defences and their counters. */
    ServiceDefenceStatus defenceStatus() {
        return admission.status();
    }

    /** Zeroes the defences' counters (with the traffic counters, ipvsadm {@code -Z}). */
    void zeroDefences() {
        admission.zero();
    }

    /** The connections open from {@code client}'s source in the per-source table; for tests. */
    int openFromSource(InetAddress client) {
        return admission.openFromSource(client);
    }

    // ---- control thread only (the director's lock is held)

    /** The real servers in IPVS order (newest first). */
    DestinationEntry[] destinations() {
        return destinations;
    }

    /** The real server with {@code address}, or null: the control thread, and the sync stream's threads. */
    DestinationEntry find(InetSocketAddress address) {
        return byAddress.get(address);
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
        byAddress.put(next[0].address(), next[0]);
        System.arraycopy(old, 0, next, 1, old.length);
        destinations = next;
        placement.update(next);
    }

    /**
     * Makes the real servers {@code wanted} (ipvsadm {@code -E} with a whole list, a configuration reload): servers no
     * longer wanted are deleted, changed ones edited, new ones added at the head in order (revived from the trash by
     * {@code trashed} when they were there), as one change each would, but with one new list and one scheduler
     * update, so a service of 100,000 servers is not rebuilt 100,000 times.
     *
     * @return the deleted servers, already trashed
     */
    List<DestinationEntry> replaceDestinations(List<RealServer> wanted,
            Function<InetSocketAddress, DestinationEntry> trashed) {
        Map<InetSocketAddress, RealServer> byWanted = new HashMap<>();
        for (RealServer rs : wanted) {
            byWanted.put(rs.address(), rs);
        }
        DestinationEntry[] old = destinations;
        List<DestinationEntry> kept = new ArrayList<>(old.length);
        List<DestinationEntry> deleted = new ArrayList<>();
        for (DestinationEntry d : old) {
            RealServer next = byWanted.get(d.address());
            if (next == null) {
                d.trash();
                byAddress.remove(d.address());
                deleted.add(d);
            } else {
                if (!next.equals(d.server())) {
                    d.edit(next);
                }
                kept.add(d);
            }
        }
        List<DestinationEntry> added = new ArrayList<>();
        for (RealServer rs : wanted) {
            if (!byAddress.containsKey(rs.address())) {
                DestinationEntry d = trashed.apply(rs.address());
                if (d != null) {
                    d.revive(this, rs);
                } else {
                    d = new DestinationEntry(this, rs);
                }
                byAddress.put(d.address(), d);
                added.add(d);
            }
        }
        if (deleted.isEmpty() && added.isEmpty() && kept.size() == old.length) {
            placement.update(old); // edits only (weights): the scheduler sees them
            return deleted;
        }
        DestinationEntry[] next = new DestinationEntry[added.size() + kept.size()];
        for (int i = 0; i < added.size(); i++) {
            next[added.size() - 1 - i] = added.get(i); // the last added is the newest: first
        }
        for (int i = 0; i < kept.size(); i++) {
            next[added.size() + i] = kept.get(i);
        }
        destinations = next;
        placement.update(next);
        return deleted;
    }

    void editDestination(DestinationEntry d, RealServer server) {
        d.edit(server);
        placement.update(destinations);
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
        byAddress.remove(d.address());
        destinations = next;
        placement.update(next);
    }

    /**
     * Replaces the settings (ipvsadm {@code -E}); a new scheduler is bound if the algorithm or its flags changed.
     *
     * @throws IllegalArgumentException if the new scheduler is not registered (nothing changed then)
     */
    void setSettings(VirtualService service) {
        VirtualService old = settings;
        placement.setSettings(old, service, destinations); // first: it may refuse an unknown scheduler
        settings = service.withRealServers(List.of());
        admission.setSettings(service);
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
