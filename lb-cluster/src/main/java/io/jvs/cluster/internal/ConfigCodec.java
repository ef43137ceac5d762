package io.jvs.cluster.internal;

import io.jvs.api.Cidr;
import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.ProxyProtocol;
import io.jvs.api.RealServer;
import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.SourceLimit;
import io.jvs.api.Timeouts;
import io.jvs.api.VirtualService;
import io.jvs.cluster.internal.ConfigCommand.Op;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The versioned binary form of {@link ConfigCommand}s, the entries of the configuration log: every field of a
 * {@link VirtualService} and {@link RealServer} (JVS's own options included, which {@code ipvsadm -S} cannot
 * express), big-endian.
 *
 * <pre>
 * entry   = magic 'J' (0x4A), version (1), op (1-11), nonce (i64: who proposed it, 0 for nobody), payload
 * service = id, scheduler (string), persistence s (u32), netmask (4 bytes IPv4 | prefix u8 IPv6), one-packet (u8),
 *           scheduler flags (u8 bits), max connections (i32), PROXY sources, allow, deny (each u16 count + cidrs),
 *           source limit (u8 v4 prefix, u8 v6 prefix, i32 max, i32 rate, i32 burst, i32 max sources),
 *           client data timeout ns (i64), endpoints (u16 count + (u8 protocol, address, u16 port); fwmark only),
 *           real servers (u16 count + server)
 * id      = kind (0 TCP, 1 UDP: address, u16 port | 2 fwmark: u32 mark, u8 family 4|6)
 * server  = address, u16 port, u16 weight, u8 method, i32 upper, i32 lower, u8 PROXY version
 * address = u8 family (4|6), 4 or 16 bytes
 * </pre>
 *
 * <p>Decoding checks every field with the rules of the API's own builders and fails with
 * {@code config message: <field>: <value> (expected: ...)}; a message that fails is not applied anywhere.
 */
public final class ConfigCodec {

    /** The first byte of every entry. */
    static final int MAGIC = 0x4A;
    /** The format version this codec writes and reads. */
    public static final int VERSION = 1;
    private static final String WHAT = "config message";

    private ConfigCodec() {}

    /**
     * Encodes a command.
     *
     * @throws IllegalArgumentException if the service's scheduler is not registered under its name (another
     *     member could not rebuild it)
     */
    public static byte[] encode(ConfigCommand c) {
        return encode(c, 0);
    }

    /**
     * Encodes a command with the nonce its proposer waits for (see {@link #nonce}).
     *
     * @throws IllegalArgumentException if the service's scheduler is not registered under its name
     */
    public static byte[] encode(ConfigCommand c, long nonce) {
        Wire.Writer w = new Wire.Writer(64).u8(MAGIC).u8(VERSION).u8(c.op().code).i64(nonce);
        switch (c.op()) {
            case START:
            case UPDATE:
                service(w, c.service());
                break;
            case STOP:
            case ZERO:
                id(w, c.id());
                break;
            case ADD_SERVER:
            case EDIT_SERVER:
                id(w, c.id());
                server(w, c.server());
                break;
            case REMOVE_SERVER:
                id(w, c.id());
                w.socketAddress(c.address());
                break;
            case SET_TIMEOUTS:
                w.i32((int) c.timeouts().tcp().getSeconds()).i32((int) c.timeouts().tcpFin().getSeconds())
                        .i32((int) c.timeouts().udp().getSeconds());
                break;
            default:
                break;
        }
        return w.toByteArray();
    }

    /**
     * Decodes a command.
     *
     * @throws IllegalArgumentException naming the field if the bytes are not a valid command of this version
     */
    public static ConfigCommand decode(byte[] buf, int offset, int length) {
        Wire.Reader r = new Wire.Reader(WHAT, buf, offset, length);
        int magic = r.u8("magic");
        if (magic != MAGIC) {
            throw r.bad("magic", "0x" + Integer.toHexString(magic), "0x4a");
        }
        r.u8("version", VERSION, VERSION);
        int code = r.u8("op");
        Op op = Op.of(code);
        if (op == null) {
            throw r.bad("op", code, "1-11");
        }
        r.i64("nonce");
        ConfigCommand c;
        switch (op) {
            case START:
                c = ConfigCommand.start(service(r));
                break;
            case UPDATE:
                c = ConfigCommand.update(service(r));
                break;
            case STOP:
                c = ConfigCommand.stop(id(r, "id"));
                break;
            case ZERO:
                c = ConfigCommand.zero(id(r, "id"));
                break;
            case ADD_SERVER:
                c = ConfigCommand.addServer(id(r, "id"), server(r, "realServer"));
                break;
            case EDIT_SERVER:
                c = ConfigCommand.editServer(id(r, "id"), server(r, "realServer"));
                break;
            case REMOVE_SERVER:
                c = ConfigCommand.removeServer(id(r, "id"), r.socketAddress("address"));
                break;
            case SET_TIMEOUTS: {
                int tcp = r.i32("timeouts.tcp", 0, (int) Timeouts.MAX.getSeconds());
                int fin = r.i32("timeouts.tcpFin", 0, (int) Timeouts.MAX.getSeconds());
                int udp = r.i32("timeouts.udp", 0, (int) Timeouts.MAX.getSeconds());
                c = ConfigCommand.setTimeouts(Timeouts.ofSeconds(tcp, fin, udp));
                break;
            }
            case CLEAR:
                c = ConfigCommand.clear();
                break;
            case ZERO_ALL:
                c = ConfigCommand.zeroAll();
                break;
            case BARRIER:
                c = ConfigCommand.barrier();
                break;
            default:
                throw new AssertionError(op);
        }
        r.expectEnd();
        return c;
    }

    /** The nonce of an encoded command, or 0 if the bytes are too short to hold one. */
    public static long nonce(byte[] buf, int offset, int length) {
        if (length < 11 || (buf[offset] & 0xff) != MAGIC) {
            return 0;
        }
        return new Wire.Reader(WHAT, buf, offset + 3, 8).i64("nonce");
    }

    /** Encodes a service alone (for snapshots and hashes). */
    public static void service(Wire.Writer w, VirtualService s) {
        String scheduler = s.schedulerName();
        if (!Scheduler.Factory.find(scheduler).map(f -> f.name().equals(scheduler)).orElse(false)) {
            throw new IllegalArgumentException("scheduler: " + scheduler
                    + " (expected: a scheduler registered under its name, so that every member can rebuild it)");
        }
        id(w, s.id());
        w.string(scheduler);
        w.i32((int) s.persistence().getSeconds());
        if (s.id().family() == StandardProtocolFamily.INET) {
            w.bytes(s.persistenceNetmask().getAddress());
        } else {
            w.u8(s.persistencePrefixLength());
        }
        w.u8(s.isOnePacket() ? 1 : 0);
        int flags = 0;
        for (SchedulerFlag f : s.schedulerFlags()) {
            flags |= 1 << f.ordinal();
        }
        w.u8(flags);
        w.i32(s.defences().maxConnections());
        cidrs(w, s.defences().proxyProtocolSources());
        cidrs(w, s.defences().allow());
        cidrs(w, s.defences().deny());
        SourceLimit l = s.defences().sourceLimit();
        w.u8(l.ipv4PrefixLength()).u8(l.ipv6PrefixLength()).i32(l.maxConnections()).i32(l.ratePerSecond())
                .i32(l.burst()).i32(l.maxSources());
        w.i64(s.defences().clientDataTimeout().toNanos());
        if (s.id().isFwmark()) {
            w.u16(s.endpoints().size());
            for (Endpoint e : s.endpoints()) {
                w.u8(e.protocol().number()).socketAddress(e.address());
            }
        }
        w.u16(s.realServers().size());
        for (RealServer rs : s.realServers()) {
            server(w, rs);
        }
    }

    /** Decodes a service written by {@link #service(Wire.Writer, VirtualService)}. */
    public static VirtualService service(Wire.Reader r) {
        ServiceId id = id(r, "service.id");
        VirtualService.Builder b = VirtualService.builder(id);
        String scheduler = r.string("service.scheduler");
        r.checked("service.scheduler", () -> b.scheduler(scheduler));
        int persistence = r.i32("service.persistence", 0, (int) VirtualService.MAX_PERSISTENCE.getSeconds());
        if (persistence > 0) {
            b.persistence(Duration.ofSeconds(persistence));
        }
        if (id.family() == StandardProtocolFamily.INET) {
            InetAddress mask = ipv4(r.bytes(4, "service.persistenceNetmask"));
            if (mask.hashCode() != -1) {
                r.checked("service.persistenceNetmask", () -> b.persistenceNetmask(mask));
            }
        } else {
            int prefix = r.u8("service.persistenceNetmask", 1, 128);
            if (prefix != 128) {
                b.persistenceNetmask(prefix);
            }
        }
        if (r.bool("service.onePacket")) {
            b.onePacket();
        }
        int flags = r.u8("service.schedulerFlags", 0, 7);
        if (flags != 0) {
            Set<SchedulerFlag> set = EnumSet.noneOf(SchedulerFlag.class);
            for (SchedulerFlag f : SchedulerFlag.values()) {
                if ((flags & 1 << f.ordinal()) != 0) {
                    set.add(f);
                }
            }
            b.schedulerFlags(set);
        }
        int maxConnections = r.i32("service.maxConnections", 0, Integer.MAX_VALUE);
        if (maxConnections > 0) {
            b.maxConnections(maxConnections);
        }
        List<Cidr> proxy = cidrs(r, "service.proxyProtocolSources");
        if (!proxy.isEmpty()) {
            b.acceptProxyProtocol(proxy);
        }
        List<Cidr> allow = cidrs(r, "service.allow");
        if (!allow.isEmpty()) {
            b.allow(allow);
        }
        List<Cidr> deny = cidrs(r, "service.deny");
        if (!deny.isEmpty()) {
            b.deny(deny);
        }
        int v4 = r.u8("service.sourceLimit.ipv4PrefixLength");
        int v6 = r.u8("service.sourceLimit.ipv6PrefixLength");
        int max = r.i32("service.sourceLimit.maxConnections");
        int rate = r.i32("service.sourceLimit.ratePerSecond");
        int burst = r.i32("service.sourceLimit.burst");
        int sources = r.i32("service.sourceLimit.maxSources");
        SourceLimit limit = r.checked("service.sourceLimit", () -> {
            SourceLimit l = SourceLimit.NONE.withPrefixLengths(v4, v6).withMaxSources(sources);
            if (max != 0) {
                l = l.withMaxConnections(max);
            }
            if (rate != 0 || burst != 0) {
                l = l.withRate(rate, burst);
            }
            return l;
        });
        if (!limit.equals(SourceLimit.NONE)) {
            b.sourceLimit(limit);
        }
        long dataNanos = r.i64("service.clientDataTimeout");
        if (dataNanos != 0) {
            r.checked("service.clientDataTimeout", () -> b.awaitClientData(Duration.ofNanos(dataNanos)));
        }
        if (id.isFwmark()) {
            int n = r.u16("service.endpoints");
            for (int i = 0; i < n; i++) {
                String f = "service.endpoints[" + i + "]";
                int p = r.u8(f + ".protocol");
                Protocol protocol = p == 6 ? Protocol.TCP : p == 17 ? Protocol.UDP : null;
                if (protocol == null) {
                    throw r.bad(f + ".protocol", p, "6 (TCP) or 17 (UDP)");
                }
                InetSocketAddress a = r.socketAddress(f);
                r.checked(f, () -> b.endpoint(protocol, a));
            }
        }
        int n = r.u16("service.realServers");
        List<RealServer> servers = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            servers.add(server(r, "service.realServers[" + i + "]"));
        }
        r.checked("service.realServers", () -> b.realServers(servers));
        return r.checked("service", b::build);
    }

    private static InetAddress ipv4(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private static void id(Wire.Writer w, ServiceId id) {
        if (id.isFwmark()) {
            w.u8(2).i32(id.fwmark()).u8(id.family() == StandardProtocolFamily.INET ? 4 : 6);
        } else {
            w.u8(id.protocol() == Protocol.TCP ? 0 : 1).socketAddress(id.address());
        }
    }

    private static ServiceId id(Wire.Reader r, String field) {
        int kind = r.u8(field + ".kind", 0, 2);
        if (kind == 2) {
            int mark = r.i32(field + ".fwmark");
            if (mark == 0) {
                throw r.bad(field + ".fwmark", 0, "1-4294967295");
            }
            int family = r.u8(field + ".family");
            if (family != 4 && family != 6) {
                throw r.bad(field + ".family", family, "4 or 6");
            }
            return ServiceId.fwmark(mark, family == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
        }
        InetSocketAddress a = r.socketAddress(field + ".address");
        return kind == 0 ? ServiceId.tcp(a) : ServiceId.udp(a);
    }

    private static void server(Wire.Writer w, RealServer rs) {
        w.socketAddress(rs.address()).u16(rs.weight()).u8(rs.forwardingMethod().ordinal()).i32(rs.upperThreshold())
                .i32(rs.lowerThreshold()).u8(rs.proxyProtocol().ordinal());
    }

    private static RealServer server(Wire.Reader r, String field) {
        InetSocketAddress a = r.socketAddress(field + ".address");
        int weight = r.u16(field + ".weight");
        int method = r.u8(field + ".forwardingMethod", 0, ForwardingMethod.values().length - 1);
        int upper = r.i32(field + ".upperThreshold", 0, Integer.MAX_VALUE);
        int lower = r.i32(field + ".lowerThreshold", 0, upper);
        int proxy = r.u8(field + ".proxyProtocol", 0, ProxyProtocol.values().length - 1);
        return r.checked(field, () -> RealServer.of(a).withWeight(weight)
                .withForwardingMethod(ForwardingMethod.values()[method]).withThresholds(upper, lower)
                .withProxyProtocol(ProxyProtocol.values()[proxy]));
    }

    private static void cidrs(Wire.Writer w, List<Cidr> list) {
        w.u16(list.size());
        for (Cidr c : list) {
            w.address(c.network()).u8(c.prefixLength());
        }
    }

    private static List<Cidr> cidrs(Wire.Reader r, String field) {
        int n = r.u16(field);
        List<Cidr> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String f = field + "[" + i + "]";
            InetAddress a = r.address(f);
            int prefix = r.u8(f + ".prefixLength", 0, a instanceof Inet6Address ? 128 : 32);
            list.add(Cidr.of(a, prefix));
        }
        return list;
    }
}
