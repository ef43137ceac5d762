package io.jvs.ipvsadm.internal;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Host and service names, as ipvsadm looks them up without {@code -n}: {@code gethostbyname} (IPv4 only),
 * {@code gethostbyaddr}, {@code getservbyname} and {@code getservbyport}. Tests replace it with a fixed table so
 * nothing touches the network.
 */
public interface Names {

    /** {@code gethostbyname}: the first IPv4 address of {@code name}, or null. */
    Inet4Address hostToIpv4(String name);

    /** {@code gethostbyaddr}: the host name of {@code address}, or null. */
    String addressToHost(InetAddress address);

    /** {@code getservbyname}: the port of service {@code name} for protocol {@code tcp}/{@code udp}, or -1. */
    int serviceToPort(String name, String protocol);

    /** {@code getservbyport}: the service name of {@code port} for protocol {@code tcp}/{@code udp}, or null. */
    String portToService(int port, String protocol);

    /** The system's resolver and {@code /etc/services}. */
    static Names system() {
        return SystemNames.INSTANCE;
    }

    /** Only numbers: no host or service has a name. */
    static Names none() {
        return new Names() {
            @Override
            public Inet4Address hostToIpv4(String name) {
                return null;
            }

            @Override
            public String addressToHost(InetAddress address) {
                return null;
            }

            @Override
            public int serviceToPort(String name, String protocol) {
                return -1;
            }

            @Override
            public String portToService(int port, String protocol) {
                return null;
            }
        };
    }

    /** The resolver of the JDK and the services database of {@code /etc/services}. */
    final class SystemNames implements Names {
        static final SystemNames INSTANCE = new SystemNames(Path.of("/etc/services"));

        private final Path servicesFile;
        private volatile Services services;

        SystemNames(Path servicesFile) {
            this.servicesFile = servicesFile;
        }

        @Override
        public Inet4Address hostToIpv4(String name) {
            if (name.isEmpty()) {
                return null;
            }
            try {
                for (InetAddress a : InetAddress.getAllByName(name)) {
                    if (a instanceof Inet4Address) {
                        return (Inet4Address) a;
                    }
                }
            } catch (UnknownHostException | RuntimeException e) {
                // not found, or not a name the resolver takes
            }
            return null;
        }

        @Override
        public String addressToHost(InetAddress address) {
            try {
                InetAddress bare = InetAddress.getByAddress(address.getAddress());
                String name = bare.getHostName();
                return name.equals(bare.getHostAddress()) ? null : name;
            } catch (UnknownHostException | RuntimeException e) {
                return null;
            }
        }

        @Override
        public int serviceToPort(String name, String protocol) {
            Integer p = services().byName.get(name + "/" + protocol);
            return p == null ? -1 : p;
        }

        @Override
        public String portToService(int port, String protocol) {
            return services().byPort.get(port + "/" + protocol);
        }

        private Services services() {
            Services s = services;
            if (s == null) {
                s = Services.read(servicesFile);
                services = s;
            }
            return s;
        }
    }

    /** The services database: {@code name port/protocol aliases...}, first entry wins. */
    final class Services {
        final Map<String, Integer> byName = new HashMap<>();
        final Map<String, String> byPort = new HashMap<>();

        static Services read(Path file) {
            Services s = new Services();
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            } catch (IOException | SecurityException e) {
                return s;
            }
            for (String line : lines) {
                int hash = line.indexOf('#');
                String[] f = (hash >= 0 ? line.substring(0, hash) : line).trim().split("[ \t]+");
                if (f.length < 2) {
                    continue;
                }
                int slash = f[1].indexOf('/');
                if (slash <= 0) {
                    continue;
                }
                int port;
                try {
                    port = Integer.parseInt(f[1].substring(0, slash));
                } catch (NumberFormatException e) {
                    continue;
                }
                String proto = f[1].substring(slash + 1).toLowerCase(Locale.ROOT);
                s.byPort.putIfAbsent(port + "/" + proto, f[0]);
                s.byName.putIfAbsent(f[0] + "/" + proto, port);
                for (int i = 2; i < f.length; i++) {
                    s.byName.putIfAbsent(f[i] + "/" + proto, port);
                }
            }
            return s;
        }
    }
}
