package io.jvs.ipvsadm;

import io.jvs.api.RealServerStatus;
import io.jvs.api.ServiceId;
import io.jvs.api.ServiceStatus;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Renders a service table as {@code ipvsadm -L -n} prints it, byte for byte: the version header, the two title
 * lines, one line per service and one padded line per real server, sorted as ipvsadm sorts them.
 *
 * @since 0.1
 */
public final class Listing {

    /** The IPVS version ipvsadm reports; scripts that parse {@code ipvsadm -L} look for it. */
    public static final String VERSION = "1.2.1";

    private Listing() {}

    /**
     * {@code ipvsadm -L -n}: the whole table.
     *
     * @param services the services, in any order
     * @param connectionTableSize the connection table's size, shown as {@code (size=N)}
     */
    public static String list(Collection<ServiceStatus> services, int connectionTableSize) {
        StringBuilder out = new StringBuilder();
        out.append("IP Virtual Server version ").append(VERSION).append(" (size=").append(connectionTableSize)
                .append(")\n");
        out.append("Prot LocalAddress:Port Scheduler Flags\n");
        out.append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
        List<ServiceStatus> sorted = new ArrayList<>(services);
        sorted.sort(SERVICE_ORDER);
        for (ServiceStatus s : sorted) {
            appendService(out, s);
        }
        return out.toString();
    }

    private static void appendService(StringBuilder out, ServiceStatus status) {
        VirtualService vs = status.service();
        out.append(serviceLabel(vs.id())).append(' ').append(vs.schedulerName());
        if (!vs.schedulerFlags().isEmpty()) {
            List<String> names = new ArrayList<>();
            vs.schedulerFlags().forEach(f -> names.add(f.displayName(vs.schedulerName())));
            out.append(" (").append(String.join(",", names)).append(')');
        }
        if (vs.isPersistent()) {
            out.append(" persistent ").append(vs.persistence().getSeconds());
            boolean v4 = vs.id().family() == StandardProtocolFamily.INET;
            int prefix = vs.persistencePrefixLength();
            if (v4 && prefix != 32) {
                out.append(" mask ").append(Addresses.toString(vs.persistenceNetmask()));
            } else if (!v4 && prefix != 128) {
                out.append(" mask ").append(prefix);
            }
        }
        if (vs.isOnePacket()) {
            out.append(" ops");
        }
        out.append('\n');
        List<RealServerStatus> servers = new ArrayList<>(status.realServers());
        servers.sort(Comparator.comparing((RealServerStatus r) -> r.server().address(), Listing::compareAddresses));
        boolean v4 = vs.id().family() == StandardProtocolFamily.INET;
        for (RealServerStatus r : servers) {
            String name = Addresses.toString(r.server().address());
            if (v4 && name.length() > 28) {
                name = name.substring(0, 28);
            }
            out.append(String.format(Locale.ROOT, "  -> %-28s %-7s %-6d %-10d %-10d\n", name,
                    r.server().forwardingMethod().listingName(), r.server().weight(), r.activeConnections(),
                    r.inactiveConnections()));
        }
    }

    /** {@code TCP  10.0.0.1:80}, {@code FWM  1}, {@code FWM  1 IPv6}; IPv4 labels are cut at 33 characters. */
    static String serviceLabel(ServiceId id) {
        if (id.isFwmark()) {
            return "FWM  " + Integer.toUnsignedString(id.fwmark())
                    + (id.family() == StandardProtocolFamily.INET6 ? " IPv6" : "");
        }
        String label = id.protocol() + "  " + Addresses.toString(id.address());
        return id.family() == StandardProtocolFamily.INET && label.length() > 33 ? label.substring(0, 33) : label;
    }

    /**
     * ipvsadm's service order: fwmark, family, protocol, address, port, each compared as a C {@code int}
     * subtraction (so addresses 2^31 or more apart compare "wrongly", exactly as ipvsadm prints them).
     */
    static final Comparator<ServiceStatus> SERVICE_ORDER = (a, b) -> {
        ServiceId x = a.id();
        ServiceId y = b.id();
        int c = x.fwmark() - y.fwmark();
        if (c != 0) {
            return c;
        }
        c = family(x) - family(y);
        if (c != 0) {
            return c;
        }
        if (x.isFwmark()) {
            return 0;
        }
        c = x.protocol().number() - y.protocol().number();
        if (c != 0) {
            return c;
        }
        return compareAddresses(x.address(), y.address());
    };

    private static int family(ServiceId id) {
        return id.family() == StandardProtocolFamily.INET ? 2 : 10;
    }

    static int compareAddresses(InetSocketAddress a, InetSocketAddress b) {
        int c = compareIps(a.getAddress(), b.getAddress());
        return c != 0 ? c : a.getPort() - b.getPort();
    }

    private static int compareIps(InetAddress a, InetAddress b) {
        if (a instanceof Inet4Address && b instanceof Inet4Address) {
            return a.hashCode() - b.hashCode(); // host-order uint32 subtraction, truncated to int
        }
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return x.length - y.length;
        }
        for (int i = 0; i < x.length; i += 4) {
            int c = word(x, i) - word(y, i);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private static int word(byte[] b, int i) {
        return ((b[i] & 0xff) << 24) | ((b[i + 1] & 0xff) << 16) | ((b[i + 2] & 0xff) << 8) | (b[i + 3] & 0xff);
    }
}
