package io.jvs.cluster.internal;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/** The checks the cluster builders share, with the project's message format. */
public final class Options {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Options() {}

    /** A cluster name: 1-64 of {@code A-Z a-z 0-9 . _ -}. */
    public static String clusterName(String name) {
        Checks.checkNotNull(name, "cluster");
        Checks.checkArgument(NAME.matcher(name).matches(), "cluster", name, "1-64 of A-Z a-z 0-9 . _ -");
        return name;
    }

    /** A member address: resolved, not a wildcard, port 1-65535. */
    public static InetSocketAddress address(InetSocketAddress a, String name) {
        Checks.checkNotNull(a, name);
        Checks.checkArgument(!a.isUnresolved() && !a.getAddress().isAnyLocalAddress() && a.getPort() > 0, name,
                Addresses.toString(a),
                "a resolved, non-wildcard IP address and a port 1-65535");
        return a;
    }

    /** At least one peer address, each checked as {@link #address}. */
    public static List<InetSocketAddress> peers(List<InetSocketAddress> addresses) {
        Checks.checkNotNull(addresses, "peers");
        for (InetSocketAddress a : addresses) {
            address(a, "peer");
        }
        Checks.checkArgument(!addresses.isEmpty(), "peers", addresses, "at least one other member");
        return List.copyOf(addresses);
    }

    /** A duration within {@code [min, max]}, named {@code name} in errors. */
    public static Duration duration(Duration d, Duration min, Duration max, String name) {
        Checks.checkNotNull(d, name);
        Checks.checkArgument(d.compareTo(min) >= 0 && d.compareTo(max) <= 0, name, d, min + "-" + max);
        return d;
    }
}
