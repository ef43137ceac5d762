package io.jvs.core.internal;

import io.jvs.api.ConnectionKey;
import io.jvs.api.Destination;
import io.jvs.api.Scheduler;
import io.jvs.api.ServiceId;
import io.jvs.api.Ticker;
import io.jvs.api.VirtualService;
import io.jvs.core.Outcome;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.util.Collections;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The placement step of a service's pipeline: which real server a new connection goes to, as IPVS decides it. A
 * persistent service asks the client's persistence template first ({@code ip_vs_sched_persist}), and the scheduler
 * only when there is none or it is no longer valid; others ask the scheduler. Also the connection port, and the
 * rescheduling of a connection whose server failed (a JVS addition: IPVS has no retry).
 *
 * <p>Its scheduler is replaced only when the algorithm or its flags change, so that its state (the {@code rr}
 * position, the {@code mh} table) survives other edits; the persistence settings are compiled to primitives.
 */
final class Placement {

    /** ipvsadm's FTP port: a persistent service on it keeps no port in its templates (IPVS). */
    private static final int FTP_PORT = 21;

    private final ConnectionTable table;
    private final ServiceId id;
    private final Ticker ticker;
    private final ServiceLog log;
    /** The service port (0 for port-0 services and firewall-mark groups). */
    private final int servicePort;
    private volatile Scheduler scheduler;
    private volatile Persistence persistence;

    /** Persistence and one-packet settings, read on every new connection. */
    private static final class Persistence {
        final boolean persistent;
        final int seconds;
        final long maskHi;
        final long maskLo;
        final boolean onePacket;
        final String logPrefix;

        Persistence(VirtualService s) {
            persistent = s.isPersistent();
            seconds = (int) s.persistence().getSeconds();
            onePacket = s.isOnePacket();
            logPrefix = s.schedulerName() + ": " + s.id();
            if (s.id().family() == StandardProtocolFamily.INET) {
                maskHi = -1L;
                maskLo = AddressWords.low(s.persistenceNetmask());
            } else {
                int p = s.persistencePrefixLength();
                maskHi = AddressWords.maskHi(p);
                maskLo = AddressWords.maskLo(p);
            }
        }
    }

    /**
     * @throws IllegalArgumentException if the service's scheduler is not registered (its default, {@code wlc}, is
     *     resolved only now)
     */
    Placement(ConnectionTable table, VirtualService settings, Ticker ticker, ServiceLog log) {
        this.table = table;
        this.id = settings.id();
        this.ticker = ticker;
        this.log = log;
        this.servicePort = id.isFwmark() ? 0 : id.address().getPort();
        this.persistence = new Persistence(settings);
        this.scheduler = newScheduler(settings);
    }

    private Scheduler newScheduler(VirtualService s) {
        return s.scheduler().create(Scheduler.Context.of(id, s.schedulerFlags(), ticker, ThreadLocalRandom.current()));
    }

    /**
     * New settings: new persistence settings, and a new scheduler if the algorithm or its flags changed.
     *
     * @throws IllegalArgumentException if the new scheduler is not registered (nothing changed then)
     */
    void setSettings(VirtualService old, VirtualService next, DestinationEntry[] destinations) {
        Scheduler s = null;
        if (old.scheduler() != next.scheduler() || !old.schedulerFlags().equals(next.schedulerFlags())) {
            s = newScheduler(next);
            s.update(asList(destinations));
        }
        persistence = new Persistence(next);
        if (s != null) {
            scheduler = s;
        }
    }

    /** The real servers changed (control thread): the scheduler gets the new list, newest first. */
    void update(DestinationEntry[] destinations) {
        scheduler.update(asList(destinations));
    }

    private static List<Destination> asList(DestinationEntry[] list) {
        return Collections.unmodifiableList(Arrays.asList(list.clone()));
    }

    boolean isPersistent() {
        return persistence.persistent;
    }

    boolean isOnePacket() {
        return persistence.onePacket;
    }

    /**
     * Places the new flow {@code k} on a real server, answering in {@code k} its server, port and controlling
     * template: through its persistence template ({@code link}: the flow is counted in it and controlled by it; a
     * one-packet datagram only refreshes it), or with the scheduler. Allocates nothing but a new template.
     *
     * @return {@link Outcome#PLACED}, {@link Outcome#NO_DESTINATION}, or {@link Outcome#TABLE_FULL} when a new
     *     template found no room (not counted here)
     */
    Outcome place(FlowKey k, boolean link) {
        Persistence p = persistence;
        if (p.persistent) {
            return persist(k, p, link);
        }
        DestinationEntry d = select(k);
        if (d == null) {
            return Outcome.NO_DESTINATION;
        }
        k.placed(d, connectionPort(d, k.vport, false), null);
        return Outcome.PLACED;
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
     * schedules and creates a new one; then links the connection to it, restarts its timer, and places the
     * connection on the template's server.
     */
    private Outcome persist(FlowKey k, Persistence p, boolean link) {
        boolean v6 = k.v6;
        boolean sameFamily = v6 == (id.family() == StandardProtocolFamily.INET6);
        long sHi = sameFamily ? k.caHi & p.maskHi : k.caHi;
        long sLo = sameFamily ? k.caLo & p.maskLo : k.caLo;
        int vport = k.vport;
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
            tproto = k.protocol;
            tHi = k.vaHi;
            tLo = k.vaLo;
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
                DestinationEntry d = select(k);
                if (d == null) {
                    return Outcome.NO_DESTINATION;
                }
                if (!t.reserve(h)) {
                    return Outcome.TABLE_FULL;
                }
                template = new ConnectionEntry(t, id, null, tproto,
                        ConnectionEntry.TEMPLATE | (v6 ? ConnectionEntry.V6 : 0), sHi, sLo, 0, tHi, tLo, tport);
                template.place(d, servicePortHit ? d.address().getPort() : 0, null);
                template.setTemplateSeconds(p.seconds);
                template.refresh(now);
                t.insertLocked(template);
                d.bindTemplate();
            }
            template.adopt();
            if (link) {
                template.link(now);
            } else {
                template.refresh(now);
            }
            DestinationEntry d = template.dest();
            k.placed(d, connectionPort(d, vport, true), link ? template : null);
            return Outcome.PLACED;
        }
    }

    /**
     * IPVS {@code ip_vs_check_template}: a template is dropped when its server was deleted, or is quiesced while
     * {@code expire_quiescent_template} is on. Overload is not checked: persistent clients pass thresholds.
     */
    private boolean isValid(DestinationEntry d) {
        return d.isAvailable() && !(table.expireQuiescentTemplate && d.weight() == 0);
    }

    /** Whether {@code d} is a real server of the service this placement serves (a scheduler may misbehave). */
    boolean owns(Destination d) {
        return d instanceof DestinationEntry && ((DestinationEntry) d).serviceEntry().placement() == this;
    }

    /** Asks the scheduler; null (logged, rate-limited) when it has no server or misbehaves. */
    private DestinationEntry select(ConnectionKey key) {
        Destination picked;
        try {
            picked = scheduler.select(key);
        } catch (RuntimeException | LinkageError e) {
            if (log.due()) {
                log.write(Level.ERROR, persistence.logPrefix + " - scheduler failed: " + e);
            }
            return null;
        }
        if (!owns(picked)) {
            if (log.due()) {
                log.write(picked != null ? Level.ERROR : Level.WARNING, persistence.logPrefix + (picked != null
                        ? " - scheduler returned a server of another service: " + picked
                        : " - no destination available"));
            }
            return null;
        }
        return (DestinationEntry) picked;
    }

    /**
     * Moves a connection whose server {@code failed} did not accept it to another server: the scheduler's pick if it
     * is usable and untried, else the first usable untried server after the failed one in list order (wrapping). The
     * connection port follows the rule of a new connection ({@link #connectionPort}), and the connection's template,
     * if it still points at the failed server, points at the new one: a persistent client's next connection goes
     * where this one went.
     *
     * @return the new server, or null when none is left or the connection has expired
     */
    DestinationEntry reschedule(ConnectionEntry c, DestinationEntry failed, List<DestinationEntry> tried,
            DestinationEntry[] list) {
        DestinationEntry next = pickAnother(c, failed, tried, list);
        if (next == null) {
            return null;
        }
        ConnectionTable t = table;
        int port = connectionPort(next, c.virtualPort(), persistence.persistent);
        synchronized (t.lock(c.hash)) {
            if (!c.moveTo(next, port)) {
                return null;
            }
        }
        ConnectionEntry template = c.control();
        if (template != null) {
            int templatePort = template.destinationPort() != 0 ? next.address().getPort() : 0;
            synchronized (t.lock(template.hash)) {
                template.repoint(failed, next, templatePort);
            }
        }
        return next;
    }

    private DestinationEntry pickAnother(ConnectionEntry c, DestinationEntry failed, List<DestinationEntry> tried,
            DestinationEntry[] list) {
        Destination picked;
        try {
            picked = scheduler.select(c);
        } catch (RuntimeException | LinkageError e) {
            picked = null;
        }
        if (owns(picked) && !tried.contains(picked)) {
            return (DestinationEntry) picked;
        }
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

    /** A server's counters changed: the scheduler's index follows (guarded: a failing scheduler is logged). */
    void countersChanged(DestinationEntry d) {
        try {
            scheduler.countersChanged(d);
        } catch (RuntimeException e) {
            if (log.due()) {
                log.write(Level.ERROR, persistence.logPrefix + " - countersChanged failed: " + e);
            }
        }
    }
}
