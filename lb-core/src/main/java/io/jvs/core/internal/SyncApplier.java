package io.jvs.core.internal;

import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import io.jvs.api.SyncRecord;
import io.jvs.core.SyncTarget;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The receive side of connection sync ({@link SyncTarget}), IPVS's {@code ip_vs_proc_conn}: binds each received
 * entry to the local service and real server, counting it there, or updates the entry with its key. Runs on the
 * stream's receive threads; takes the connection table's stripe lock for the insert only.
 */
public final class SyncApplier implements SyncTarget {

    /** The timeout of a template from a v0 message, which carries none (IPVS: 3 minutes). */
    private static final long V0_TEMPLATE_NANOS = TimeUnit.MINUTES.toNanos(3);

    private final ConnectionTable table;
    private final Function<ServiceId, ServiceEntry> services;
    private final int threshold;
    private final LongAdder[] results = new LongAdder[Result.values().length];

    SyncApplier(ConnectionTable table, Function<ServiceId, ServiceEntry> services) {
        this.table = table;
        this.services = services;
        this.threshold = table.sync == null ? io.jvs.core.SyncPolicy.DEFAULT.threshold() : table.sync.threshold();
        for (int i = 0; i < results.length; i++) {
            results[i] = new LongAdder();
        }
    }

    /** How many records ended with {@code r}. */
    public long count(Result r) {
        return results[r.ordinal()].sum();
    }

    @Override
    public Result apply(SyncRecord r, String owner) {
        Result res = applyRecord(r, owner);
        results[res.ordinal()].increment();
        return res;
    }

    private Result applyRecord(SyncRecord r, String owner) {
        ServiceEntry svc = service(r);
        DestinationEntry d = svc == null ? null : destination(svc, r.destination());
        if (d == null) {
            return Result.UNBOUND;
        }
        boolean template = r.isTemplate();
        int proto = r.protocol();
        InetAddress ca = r.client().getAddress();
        InetAddress va = r.virtual().getAddress();
        long caHi = AddressWords.high(ca);
        long caLo = AddressWords.low(ca);
        long vaHi = AddressWords.high(va);
        long vaLo = AddressWords.low(va);
        int cport = r.client().getPort();
        int vport = r.virtual().getPort();
        int dport = r.destination().getPort();
        ConnectionTable t = table;
        int h = t.hash(proto, caHi, caLo, cport, vaHi, vaLo, vport);
        boolean tcp = proto == TableEntry.TCP && !template;
        int state = r.state();
        // UDP flows always count as inactive in JVS; TCP follows the record's flag.
        boolean inactive = !template && (!tcp || (r.flags() & SyncRecord.F_INACTIVE) != 0);
        long timeout = timeoutNanos(r, tcp, template);
        int mask = TableEntry.STATE_MASK | TableEntry.INACTIVE | TableEntry.ASSURED;
        int bits = template ? (state == 1 ? TableEntry.ASSURED : 0)
                : (tcp ? state : 0) | (inactive ? TableEntry.INACTIVE : 0);
        Result result = Result.CREATED;
        ConnectionEntry old = t.find(h, proto, template, caHi, caLo, cport, vaHi, vaLo, vport);
        if (old != null && !template) {
            if (old.attached() != null) {
                return Result.LOCAL; // a live connection of this director keeps its own entry
            }
            if (old.dest() != d || old.destinationPort() != dport) {
                if ((r.flags() & SyncRecord.F_INACTIVE) != 0) {
                    return Result.STALE;
                }
                t.expireNow(old);
                old = null;
                result = Result.REPLACED;
            }
        }
        if (old != null) {
            update(old, mask, bits, timeout, owner, state);
            return Result.UPDATED;
        }
        int flags = bits | (template ? TableEntry.TEMPLATE : 0) | (r.isIpv6() ? TableEntry.V6 : 0)
                | ((r.flags() & SyncRecord.F_NOOUTPUT) != 0 ? TableEntry.NOOUTPUT : 0);
        ConnectionEntry c = new ConnectionEntry(t, svc.id(), template ? null : svc.admission(), proto, flags, caHi,
                caLo, cport, vaHi, vaLo, vport);
        c.place(d, dport, null);
        c.owner(owner);
        c.inPackets(threshold);
        c.syncedState = tcp ? state : 0;
        if (template) {
            c.setTemplateSeconds((int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toSeconds(timeout)));
        }
        ConnectionEntry raced;
        synchronized (t.lock(h)) {
            raced = t.find(h, proto, template, caHi, caLo, cport, vaHi, vaLo, vport);
            if (raced == null) {
                if (!t.reserve(h)) {
                    return Result.TABLE_FULL;
                }
                c.expireIn(t.now(), timeout);
                t.insertLocked(c);
                if (template) {
                    d.bindTemplate();
                } else {
                    d.bind(!inactive);
                }
            }
        }
        if (raced != null) {
            update(raced, mask, bits, timeout, owner, state);
            return Result.UPDATED;
        }
        return result;
    }

    /** IPVS: an existing entry takes the record's state and INACTIVE flag (counters follow) and timeout. */
    private void update(ConnectionEntry e, int mask, int bits, long timeout, String owner, int state) {
        int before = e.replaceFlags(mask, bits);
        if (before < 0) {
            return;
        }
        e.rearm(table.now(), timeout);
        int after = (before & ~mask) | (bits & mask);
        if (after != before && !e.isTemplate()) {
            e.stateChanged(before, after);
        }
        e.owner(owner);
        e.inPackets(threshold);
        e.syncedState = state;
    }

    private long timeoutNanos(SyncRecord r, boolean tcp, boolean template) {
        if (r.timeoutSeconds() > 0) {
            return TimeUnit.SECONDS.toNanos(r.timeoutSeconds());
        }
        if (template) {
            return V0_TEMPLATE_NANOS;
        }
        long[] t = table.timeoutNanos;
        return tcp ? t[Math.min(r.state(), TcpStates.COUNT - 1)] : t[ConnectionTable.UDP_TIMEOUT];
    }

    /** The local service of a record: by firewall mark, else by protocol, address and port (then port 0). */
    private ServiceEntry service(SyncRecord r) {
        InetSocketAddress v = r.virtual();
        if (r.fwmark() != 0) {
            ServiceEntry s = services.apply(ServiceId.fwmark(r.fwmark(), v.getAddress() instanceof Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET));
            if (s != null) {
                return s;
            }
        }
        Protocol p = r.protocol() == TableEntry.TCP ? Protocol.TCP : r.protocol() == TableEntry.UDP ? Protocol.UDP
                : null;
        if (p == null) {
            return null;
        }
        ServiceEntry s = services.apply(ServiceId.of(p, v));
        return s != null || v.getPort() == 0 ? s : services.apply(ServiceId.of(p, new InetSocketAddress(
                v.getAddress(), 0)));
    }

    /** IPVS {@code ip_vs_find_dest}: the real server with this address and port, else with this address and 0. */
    private static DestinationEntry destination(ServiceEntry svc, InetSocketAddress a) {
        DestinationEntry d = svc.find(a);
        return d != null || a.getPort() == 0 ? d : svc.find(new InetSocketAddress(a.getAddress(), 0));
    }

    @Override
    public void snapshot(Consumer<SyncRecord> sink) {
        long now = table.now();
        table.forEachLive(e -> {
            if (e.owner() == null && !e.isOnePacket()) {
                sink.accept(record(e, now));
            }
        });
        table.forEachLive(e -> {
            if (e.owner() != null && !e.isOnePacket()) {
                sink.accept(record(e, now));
            }
        });
    }

    /** The entry as a record whose timeout is the time it has left (at least 1 s). */
    private static SyncRecord record(ConnectionEntry e, long now) {
        SyncRecord r = e.toRecord();
        long left = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(e.expiresAt() - now + 999_999_999L));
        return new SyncRecord(r.protocol(), r.flags(), r.state(), r.client(), r.virtual(), r.destination(),
                r.fwmark(), left, null, null, null);
    }
}
