package io.jvs.ipvsadm.internal;

import static io.jvs.ipvsadm.internal.CommandEntry.FMT_EXACT;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_NOSORT;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_NUMERIC;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_PERSISTENTCONN;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_RATE;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_RULE;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_STATS;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_THRESHOLDS;
import static io.jvs.ipvsadm.internal.CommandEntry.FMT_TUN_INFO;

import io.jvs.api.ConnectionStatus;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.Protocol;
import io.jvs.api.Rates;
import io.jvs.api.RealServer;
import io.jvs.api.RealServerStatus;
import io.jvs.api.SchedulerFlag;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.Stats;
import io.jvs.api.Timeouts;
import io.jvs.api.TunnelChecksum;
import io.jvs.api.TunnelType;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * ipvsadm's listings ({@code list_all}, {@code list_service}, {@code list_conn}, {@code list_timeout}) and its save
 * format, byte for byte: the same printf widths, truncations, trailing spaces, large-number rules and sort order.
 */
public final class Render {

    /** The IPVS version ipvsadm reports. */
    public static final String VERSION = "1.2.1";

    private final Names names;
    private final StringBuilder out;

    public Render(Names names, StringBuilder out) {
        this.names = names;
        this.out = out;
    }

    private void printf(String format, Object... args) {
        out.append(String.format(Locale.ROOT, format, args));
    }

    /** {@code ipvsadm -L} (and {@code -S} with {@link CommandEntry#FMT_RULE}): every service. */
    public void listAll(List<ServiceStatus> services, int connectionTableSize, int format) {
        if ((format & FMT_RULE) == 0) {
            printf("IP Virtual Server version %s (size=%d)\n", VERSION, connectionTableSize);
        }
        List<ServiceStatus> list = new ArrayList<>(services);
        if ((format & FMT_NOSORT) == 0) {
            msort(list, SERVICE_ORDER);
        }
        printTitle(format);
        for (ServiceStatus s : list) {
            printServiceEntry(s, format);
        }
    }

    /** {@code ipvsadm -L -t ...}: one service, without the version line. */
    public void listService(ServiceStatus service, int format) {
        printTitle(format);
        printServiceEntry(service, format);
    }

    /** {@code ipvsadm -L --timeout}. */
    public void listTimeout(Timeouts t) {
        printf("Timeout (tcp tcpfin udp): %d %d %d\n", t.tcp().getSeconds(), t.tcpFin().getSeconds(),
                t.udp().getSeconds());
    }

    /** {@code ipvsadm -L -c}: the connection entries in the order given. */
    public void listConnections(List<ConnectionStatus> connections, int format) {
        out.append("IPVS connection entries\n");
        if ((format & FMT_PERSISTENTCONN) != 0) {
            printf("pro expire %-11s %-18s %-18s %-18s %-16s %s\n", "state", "source", "virtual", "destination",
                    "pe name", "pe_data");
        } else {
            printf("pro expire %-11s %-18s %-18s %s\n", "state", "source", "virtual", "destination");
        }
        for (ConnectionStatus c : connections) {
            String proto = c.protocol() == null ? null : c.protocol().name().toLowerCase(Locale.ROOT);
            String protocol = c.protocol() == null ? "IP" : c.protocol().name();
            long expires = Math.max(0, c.expiresIn().getSeconds());
            String expire = String.format(Locale.ROOT, "%02d:%02d", expires / 60, expires % 60);
            printf("%-3s %-6s %-11s %-18s %-18s %s\n", protocol, expire, c.state(), addrport(c.client(), proto, format),
                    addrport(c.virtual(), proto, format), addrport(c.destination(), proto, format));
        }
    }

    private void printTitle(int format) {
        if ((format & FMT_STATS) != 0) {
            printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Conns",
                    "InPkts", "OutPkts", "InBytes", "OutBytes");
        } else if ((format & FMT_RATE) != 0) {
            printf("%-33s %8s %8s %8s %8s %8s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "CPS", "InPPS",
                    "OutPPS", "InBPS", "OutBPS");
        } else if ((format & FMT_THRESHOLDS) != 0) {
            printf("%-33s %-10s %-10s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port",
                    "Uthreshold", "Lthreshold", "ActiveConn", "InActConn");
        } else if ((format & FMT_PERSISTENTCONN) != 0) {
            printf("%-33s %-9s %-11s %-10s %-10s\n  -> RemoteAddress:Port\n", "Prot LocalAddress:Port", "Weight",
                    "PersistConn", "ActiveConn", "InActConn");
        } else if ((format & FMT_TUN_INFO) != 0) {
            out.append("Prot LocalAddress:Port Scheduler Flags\n"
                    + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n");
        } else if ((format & FMT_RULE) == 0) {
            out.append("Prot LocalAddress:Port Scheduler Flags\n"
                    + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        }
    }

    private void printServiceEntry(ServiceStatus status, int format) {
        VirtualService se = status.service();
        ServiceId id = se.id();
        boolean v6 = id.family() == StandardProtocolFamily.INET6;
        String proto = id.isFwmark() ? "tcp" : id.protocol().name().toLowerCase(Locale.ROOT);
        String svcName;
        if (id.isFwmark()) {
            String mark = Integer.toUnsignedString(id.fwmark());
            if ((format & FMT_RULE) != 0) {
                svcName = "-f " + mark + (v6 ? " -6" : "");
            } else {
                svcName = "FWM  " + mark + (v6 ? " IPv6" : "");
            }
        } else {
            String vname = addrport(id.address().getAddress(), id.address().getPort(), proto, format);
            if ((format & FMT_RULE) != 0) {
                svcName = (id.protocol() == Protocol.TCP ? "-t" : "-u") + " " + vname;
            } else {
                svcName = String.format(Locale.ROOT, "%-4s %s", id.protocol().name(), vname);
                if (!v6 && svcName.length() > 33) {
                    svcName = svcName.substring(0, 33);
                }
            }
        }
        boolean persistent = se.isPersistent();
        if ((format & FMT_RULE) != 0) {
            printf("-A %s -s %s", svcName, se.schedulerName());
            if (persistent) {
                printf(" -p %d", se.persistence().getSeconds());
                printMask(se, " -M ");
            }
            if (se.isOnePacket()) {
                out.append(" -o");
            }
            if (!se.schedulerFlags().isEmpty()) {
                out.append(" -b ").append(schedFlags(se));
            }
            if (id.isFwmark() && !se.endpoints().isEmpty()) {
                // Always numeric: a name in brackets would not restore (ipvsadm resolves names as IPv4 only).
                out.append(" --endpoints ").append(se.endpoints().stream().map(Operands::endpointText)
                        .collect(Collectors.joining(",")));
            }
        } else if ((format & FMT_STATS) != 0) {
            printf("%-33s", svcName);
            stats(status.stats(), format);
        } else if ((format & FMT_RATE) != 0) {
            printf("%-33s", svcName);
            Rates r = status.rates();
            largenum(r.connectionsPerSecond(), format);
            largenum(r.inPacketsPerSecond(), format);
            largenum(r.outPacketsPerSecond(), format);
            largenum(r.inBytesPerSecond(), format);
            largenum(r.outBytesPerSecond(), format);
        } else {
            printf("%s %s", svcName, se.schedulerName());
            if (!se.schedulerFlags().isEmpty()) {
                out.append(" (").append(schedFlags(se)).append(')');
            }
            if (persistent) {
                printf(" persistent %d", se.persistence().getSeconds());
                printMask(se, " mask ");
            }
            if (se.isOnePacket()) {
                out.append(" ops");
            }
        }
        out.append('\n');

        List<RealServerStatus> dests = new ArrayList<>(status.realServers());
        if ((format & FMT_NOSORT) == 0) {
            msort(dests, DEST_ORDER);
        }
        for (RealServerStatus e : dests) {
            InetSocketAddress a = e.server().address();
            String dname = addrport(a.getAddress(), a.getPort(), proto, format);
            if ((format & FMT_RULE) == 0 && !(a.getAddress() instanceof Inet6Address) && dname.length() > 28) {
                dname = dname.substring(0, 28);
            }
            ForwardingMethod fwd = e.server().forwardingMethod();
            if ((format & FMT_RULE) != 0) {
                printf("-a %s -r %s %s -w %d%s\n", svcName, dname, saveSwitch(fwd), e.server().weight(),
                        saveTunnel(e.server()));
            } else if ((format & FMT_STATS) != 0) {
                printf("  -> %-28s", dname);
                stats(e.stats(), format);
                out.append('\n');
            } else if ((format & FMT_RATE) != 0) {
                Rates r = e.rates();
                printf("  -> %-28s %8s %8s %8s", dname, Long.toUnsignedString(r.connectionsPerSecond()),
                        Long.toUnsignedString(r.inPacketsPerSecond()), Long.toUnsignedString(r.outPacketsPerSecond()));
                largenum(r.inBytesPerSecond(), format);
                largenum(r.outBytesPerSecond(), format);
                out.append('\n');
            } else if ((format & FMT_THRESHOLDS) != 0) {
                printf("  -> %-28s %-10s %-10s %-10s %-10s\n", dname, u(e.server().upperThreshold()),
                        u(e.server().lowerThreshold()), u(e.activeConnections()), u(e.inactiveConnections()));
            } else if ((format & FMT_PERSISTENTCONN) != 0) {
                printf("  -> %-28s %-9s %-11s %-10s %-10s\n", dname, u(e.server().weight()),
                        u(e.persistentConnections()), u(e.activeConnections()), u(e.inactiveConnections()));
            } else if ((format & FMT_TUN_INFO) != 0) {
                printf("  -> %-28s %-7s %-13s %-6d %-10s %-10s\n", dname, fwd.listingName(),
                        e.server().tunnelInfo(), e.server().weight(), u(e.activeConnections()),
                        u(e.inactiveConnections()));
            } else {
                printf("  -> %-28s %-7s %-6d %-10s %-10s\n", dname, fwd.listingName(), e.server().weight(),
                        u(e.activeConnections()), u(e.inactiveConnections()));
            }
        }
    }

    /** What {@code -S} appends for a tunnel server (ipvsadm 1.31), or nothing. */
    private static String saveTunnel(RealServer rs) {
        if (rs.forwardingMethod() != ForwardingMethod.TUN) {
            return "";
        }
        if (rs.tunnelType() == TunnelType.IPIP) {
            return " --tun-type ipip";
        }
        return " --tun-type gue --tun-port " + rs.tunnelPort()
                + (rs.tunnelChecksum() == TunnelChecksum.CHECKSUM ? " --tun-csum" : " --tun-nocsum");
    }

    /** C {@code %u} of an int. */
    private static String u(int v) {
        return Integer.toUnsignedString(v);
    }

    /** The switch {@code -S} writes for a forwarding method; {@code --fullnat} is the JVS one. */
    static String saveSwitch(ForwardingMethod m) {
        switch (m) {
            case NAT:
                return "-m";
            case TUN:
                return "-i";
            case DR:
                return "-g";
            default:
                return "--fullnat";
        }
    }

    private void printMask(VirtualService se, String label) {
        if (se.id().family() == StandardProtocolFamily.INET) {
            InetAddress mask = se.persistenceNetmask();
            if (mask.hashCode() != -1) {
                out.append(label).append(mask.getHostAddress());
            }
        } else if (se.persistencePrefixLength() != 128) {
            out.append(label).append(se.persistencePrefixLength());
        }
    }

    /** ipvsadm's {@code print_sched_flags}: sh and mh name flags 1 and 2 (and drop flag 3); others flag-1..3. */
    static String schedFlags(VirtualService se) {
        Set<SchedulerFlag> f = se.schedulerFlags();
        String s = se.schedulerName();
        List<String> names = new ArrayList<>();
        if (s.equals("sh") || s.equals("mh")) {
            if (f.contains(SchedulerFlag.FLAG_1)) {
                names.add(s + "-fallback");
            }
            if (f.contains(SchedulerFlag.FLAG_2)) {
                names.add(s + "-port");
            }
        } else {
            for (SchedulerFlag flag : f) {
                names.add("flag-" + (flag.ordinal() + 1));
            }
        }
        return String.join(",", names);
    }

    private void stats(Stats s, int format) {
        largenum(s.connections(), format);
        largenum(s.inPackets(), format);
        largenum(s.outPackets(), format);
        largenum(s.inBytes(), format);
        largenum(s.outBytes(), format);
    }

    /**
     * ipvsadm's {@code print_largenum}: below 10^8 as is in 9 columns, else in thousands (K), millions (M),
     * billions (G) or trillions (T) in 8 columns plus the letter; with {@code --exact} always the exact value,
     * right-aligned in 9 columns or one more than its digits.
     */
    void largenum(long i, int format) {
        out.append(largenum(i, (format & FMT_EXACT) != 0));
    }

    static String largenum(long i, boolean exact) {
        String digits = Long.toUnsignedString(i);
        if (exact) {
            return pad(digits, digits.length() <= 8 ? 9 : digits.length() + 1);
        }
        if (Long.compareUnsigned(i, 100_000_000L) < 0) {
            return pad(digits, 9);
        } else if (Long.compareUnsigned(i, 1_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1000)), 8) + "K";
        } else if (Long.compareUnsigned(i, 100_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000)), 8) + "M";
        } else if (Long.compareUnsigned(i, 100_000_000_000_000L) < 0) {
            return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000_000L)), 8) + "G";
        }
        return pad(Long.toUnsignedString(Long.divideUnsigned(i, 1_000_000_000_000L)), 8) + "T";
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }

    private String addrport(InetSocketAddress a, String proto, int format) {
        if (a == null || a.getAddress() == null) {
            return "0.0.0.0:0"; // not placed yet: the kernel shows a zero address
        }
        return addrport(a.getAddress(), a.getPort(), proto, format);
    }

    /**
     * ipvsadm's {@code addrport_to_anyname}: {@code addr:port} ({@code [addr]:port} for IPv6), with host and
     * service names unless {@code -n}; cut at 59 characters like its 60-byte buffer.
     *
     * @param proto {@code tcp} or {@code udp} for service names, null for none
     */
    String addrport(InetAddress a, int port, String proto, int format) {
        boolean v4 = a instanceof Inet4Address;
        String host;
        String service;
        if ((format & FMT_NUMERIC) != 0) {
            host = ntop(a);
            service = Integer.toString(port);
        } else {
            String name = names.addressToHost(a);
            host = name != null ? name : ntop(a);
            String sname = proto == null ? null : names.portToService(port, proto);
            service = sname != null ? sname : Integer.toString(port);
        }
        String s = (v4 ? "" : "[") + host + (v4 ? "" : "]") + ":" + service;
        return s.length() > 59 ? s.substring(0, 59) : s;
    }

    /** {@code inet_ntop}: glibc prints IPv4-mapped and IPv4-compatible IPv6 addresses with a dotted quad. */
    static String ntop(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 16) {
            int[] w = new int[8];
            for (int i = 0; i < 8; i++) {
                w[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
            }
            if (w[0] == 0 && w[1] == 0 && w[2] == 0 && w[3] == 0 && w[4] == 0
                    && (w[5] == 0xffff || (w[5] == 0 && w[6] != 0))) {
                return "::" + (w[5] == 0xffff ? "ffff:" : "") + (b[12] & 0xff) + "." + (b[13] & 0xff) + "."
                        + (b[14] & 0xff) + "." + (b[15] & 0xff);
            }
        }
        return Addresses.toString(a);
    }

    /** ipvsadm's {@code ipvs_cmp_services}: mark, family, protocol, address, port; each an int subtraction. */
    static final Comparator<ServiceStatus> SERVICE_ORDER = (s1, s2) -> {
        ServiceId a = s1.id();
        ServiceId b = s2.id();
        int r = a.fwmark() - b.fwmark();
        if (r != 0) {
            return r;
        }
        r = af(a.family()) - af(b.family());
        if (r != 0) {
            return r;
        }
        r = protocol(a) - protocol(b);
        if (r != 0) {
            return r;
        }
        if (a.isFwmark()) {
            return 0;
        }
        return compareAddresses(a.address(), b.address(), a.family() == StandardProtocolFamily.INET6);
    };

    /** ipvsadm's {@code ipvs_cmp_dests}: address, then port. */
    static final Comparator<RealServerStatus> DEST_ORDER = (d1, d2) -> {
        InetSocketAddress a = d1.server().address();
        return compareAddresses(a, d2.server().address(), a.getAddress() instanceof Inet6Address);
    };

    private static int af(StandardProtocolFamily f) {
        return f == StandardProtocolFamily.INET6 ? CommandEntry.AF_INET6 : CommandEntry.AF_INET;
    }

    private static int protocol(ServiceId id) {
        return id.isFwmark() ? CommandEntry.IPPROTO_TCP : id.protocol().number();
    }

    /** Addresses compare as 32-bit words, each difference cut to a C int (not a total order: as ipvsadm sorts). */
    static int compareAddresses(InetSocketAddress x, InetSocketAddress y, boolean v6) {
        byte[] a = slot(x.getAddress());
        byte[] b = slot(y.getAddress());
        int r = 0;
        for (int i = 0; r == 0 && i < (v6 ? 16 : 4); i += 4) {
            r = Inet.word(a, i) - Inet.word(b, i);
        }
        return r != 0 ? r : x.getPort() - y.getPort();
    }

    /** The address in the kernel's 16-byte slot (an IPv4 address in the first four bytes). */
    private static byte[] slot(InetAddress a) {
        byte[] raw = a.getAddress();
        byte[] s = new byte[16];
        System.arraycopy(raw, 0, s, 0, raw.length);
        return s;
    }

    /**
     * Sorts as glibc's {@code qsort} does (a top-down merge sort), so a comparator that is not a total order, as
     * ipvsadm's are, gives ipvsadm's order and never fails.
     */
    static <T> void msort(List<T> list, Comparator<? super T> cmp) {
        @SuppressWarnings("unchecked")
        T[] a = (T[]) list.toArray();
        @SuppressWarnings("unchecked")
        T[] tmp = (T[]) new Object[a.length];
        msort(a, 0, a.length, tmp, cmp);
        for (int i = 0; i < a.length; i++) {
            list.set(i, a[i]);
        }
    }

    private static <T> void msort(T[] a, int from, int n, T[] tmp, Comparator<? super T> cmp) {
        if (n <= 1) {
            return;
        }
        int n1 = n / 2;
        int n2 = n - n1;
        msort(a, from, n1, tmp, cmp);
        msort(a, from + n1, n2, tmp, cmp);
        int i = from;
        int j = from + n1;
        int k = 0;
        while (n1 > 0 && n2 > 0) {
            if (cmp.compare(a[i], a[j]) <= 0) {
                tmp[k++] = a[i++];
                n1--;
            } else {
                tmp[k++] = a[j++];
                n2--;
            }
        }
        while (n1 > 0) {
            tmp[k++] = a[i++];
            n1--;
        }
        System.arraycopy(tmp, 0, a, from, k);
    }
}
