package io.jvs.packet.internal.host;

import static io.jvs.api.internal.Checks.checkNotNull;

import io.jvs.packet.internal.frame.Bytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mode B: keeps the director's own kernel off the virtual services of the VIPs it holds (configured on the interface
 * as {@code lvs_dr.sh} does) with nftables netdev ingress rules that drop the packets of those services: a VIP,
 * protocol and port (sets {@code services}, {@code services6}), or a VIP and protocol for a service of every port
 * (sets {@code anyport}, {@code anyport6}). The rules run after the AF_PACKET taps, so the packet data path still sees
 * each packet, but the kernel never gets it and sends no RST. Everything else to the VIP stays the kernel's, as with
 * IPVS, which takes only its virtual services' packets: ARP and neighbour discovery, ping, the director's own
 * sockets on other ports. Sets {@code vips} and {@code vips6} drop everything to a VIP (the engine's whole-VIP mode,
 * used by its own tests).
 *
 * <p>The table is JVS's own, {@code netdev jvs_<interface>}, holding those sets and one chain. {@link
 * #install} first deletes any table of that name (left by a crash), {@link #remove} deletes it; nothing else is
 * touched.
 */
public final class NftIngressGuard implements AutoCloseable {

    private static final Pattern PACKETS = Pattern.compile("counter packets (\\d+)");

    private final String interfaceName;
    private final String table;
    private boolean installed;

    private NftIngressGuard(String interfaceName) {
        this.interfaceName = interfaceName;
        this.table = tableName(interfaceName);
    }

    /** JVS's table name for {@code interfaceName}: {@code jvs_} and the name with other characters as {@code _}. */
    public static String tableName(String interfaceName) {
        return "jvs_" + interfaceName.replaceAll("[^A-Za-z0-9_]", "_").toLowerCase(Locale.ROOT);
    }

    /**
     * Installs the rule for {@code vips} on {@code interfaceName}, replacing a table left by an earlier run.
     *
     * @throws IOException when {@code nft} is missing or refuses (its message is included)
     */
    public static NftIngressGuard install(String interfaceName, int... vips) throws IOException {
        checkNotNull(interfaceName, "interfaceName");
        NftIngressGuard g = new NftIngressGuard(interfaceName);
        StringBuilder script = new StringBuilder();
        script.append("table netdev ").append(g.table).append('\n');
        script.append("delete table netdev ").append(g.table).append('\n');
        script.append("table netdev ").append(g.table).append(" {\n");
        script.append("  set vips { type ipv4_addr; }\n");
        script.append("  set vips6 { type ipv6_addr; }\n");
        script.append("  set services { type ipv4_addr . inet_proto . inet_service; }\n");
        script.append("  set anyport { type ipv4_addr . inet_proto; }\n");
        script.append("  set services6 { type ipv6_addr . inet_proto . inet_service; }\n");
        script.append("  set anyport6 { type ipv6_addr . inet_proto; }\n");
        script.append("  chain ingress {\n");
        script.append("    type filter hook ingress device \"").append(interfaceName)
                .append("\" priority 0; policy accept;\n");
        script.append("    ip daddr @vips counter drop\n");
        // neighbour discovery for an IPv6 VIP stays the kernel's (unicast solicitations of unreachability checks)
        script.append("    ip6 daddr @vips6 icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n");
        script.append("    ip6 daddr @vips6 counter drop\n");
        script.append("    ip daddr . meta l4proto . th dport @services counter drop\n");
        script.append("    ip daddr . meta l4proto @anyport counter drop\n");
        script.append("    ip6 daddr . meta l4proto . th dport @services6 counter drop\n");
        script.append("    ip6 daddr . meta l4proto @anyport6 counter drop\n");
        script.append("  }\n}\n");
        nft(script.toString(), "-f", "-");
        g.installed = true;
        for (int vip : vips) {
            g.add(vip);
        }
        return g;
    }

    /** Deletes a table left behind for {@code interfaceName} by a run that did not stop cleanly; true if one was. */
    public static boolean removeStale(String interfaceName) throws IOException {
        String t = tableName(interfaceName);
        if (!run(null, "list", "table", "netdev", t).ok()) {
            return false;
        }
        nft(null, "delete", "table", "netdev", t);
        return true;
    }

    /** The table's name. */
    public String table() {
        return table;
    }

    /** Starts dropping packets to {@code vip}. */
    public void add(int vip) throws IOException {
        nft(null, "add", "element", "netdev", table, "vips", "{ " + Bytes.ipv4(vip) + " }");
    }

    /** Stops dropping packets to {@code vip}. */
    public void delete(int vip) throws IOException {
        nft(null, "delete", "element", "netdev", table, "vips", "{ " + Bytes.ipv4(vip) + " }");
    }

    /**
     * Starts or stops dropping the packets of one virtual service: {@code protocol} (an IP protocol number) to
     * {@code vip} (IPv4) on {@code port}, or on every port when {@code port} is 0.
     */
    public void service(boolean add, int vip, int protocol, int port) throws IOException {
        element(add, port == 0 ? "anyport" : "services", Bytes.ipv4(vip), protocol, port);
    }

    /** {@link #service} for the IPv6 VIP {@code hi:lo}. */
    public void service6(boolean add, long hi, long lo, int protocol, int port) throws IOException {
        element(add, port == 0 ? "anyport6" : "services6", Bytes.ipv6(hi, lo), protocol, port);
    }

    private void element(boolean add, String set, String vip, int protocol, int port) throws IOException {
        String key = vip + " . " + protocol + (port == 0 ? "" : " . " + port);
        nft(null, add ? "add" : "delete", "element", "netdev", table, set, "{ " + key + " }");
    }

    /** Starts dropping packets to the IPv6 VIP {@code hi:lo} (neighbour discovery passes). */
    public void add6(long hi, long lo) throws IOException {
        nft(null, "add", "element", "netdev", table, "vips6", "{ " + Bytes.ipv6(hi, lo) + " }");
    }

    /** Stops dropping packets to the IPv6 VIP {@code hi:lo}. */
    public void delete6(long hi, long lo) throws IOException {
        nft(null, "delete", "element", "netdev", table, "vips6", "{ " + Bytes.ipv6(hi, lo) + " }");
    }

    /** Packets the rules have dropped (kept from the kernel) so far, IPv4 and IPv6. */
    public long droppedPackets() throws IOException {
        Result r = nft(null, "list", "chain", "netdev", table, "ingress");
        Matcher m = PACKETS.matcher(r.output());
        long n = 0;
        while (m.find()) {
            n += Long.parseLong(m.group(1));
        }
        return n;
    }

    /** True when the table exists in the kernel. */
    public static boolean exists(String interfaceName) throws IOException {
        return run(null, "list", "table", "netdev", tableName(interfaceName)).ok();
    }

    /** Deletes the table; idempotent. */
    public void remove() throws IOException {
        if (installed) {
            installed = false;
            nft(null, "delete", "table", "netdev", table);
        }
    }

    @Override
    public void close() throws IOException {
        remove();
    }

    @Override
    public String toString() {
        return "netdev " + table + " on " + interfaceName;
    }

    private record Result(int code, String output) {
        boolean ok() {
            return code == 0;
        }
    }

    private static Result nft(String stdin, String... args) throws IOException {
        Result r = run(stdin, args);
        if (!r.ok()) {
            throw new IOException("nft " + String.join(" ", args) + ": " + r.output().trim() + " (exit " + r.code() + ")");
        }
        return r;
    }

    private static Result run(String stdin, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add("nft");
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run nft (apt-get install nftables): " + e.getMessage(), e);
        }
        try {
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("nft " + String.join(" ", args) + " did not finish in 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running nft", e);
        }
    }
}
