package io.jvs.netty;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Checks, before any Netty 4.2 class is touched, that the Netty on the class path is the 4.2 JVS needs: an
 * application whose BOM manages Netty 4.1 (Spring Boot 3, Vert.x 4) would otherwise compile against JVS and die at
 * run time with a {@code NoClassDefFoundError} that names one class and no version. Uses only what Netty 4.0 and 4.1
 * already had ({@code io.netty.util.Version}).
 */
final class NettyRequirement {

    /** The Netty artifacts JVS uses. */
    private static final List<String> ARTIFACTS = List.of("netty-common", "netty-buffer", "netty-transport",
            "netty-handler", "netty-codec-haproxy", "netty-transport-classes-epoll");

    private NettyRequirement() {}

    /** The Netty version JVS was built with. */
    static String built() {
        Properties p = new Properties();
        try (InputStream in = NettyRequirement.class.getResourceAsStream("netty.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown: said as such below
        }
        return p.getProperty("netty.version", "4.2");
    }

    /**
     * Throws if the Netty found is not 4.2.
     *
     * @throws IllegalStateException naming the versions found and the version needed
     */
    static void check() {
        Map<String, String> found = new TreeMap<>();
        try {
            for (Map.Entry<String, io.netty.util.Version> e : io.netty.util.Version.identify().entrySet()) {
                found.put(e.getKey(), e.getValue().artifactVersion());
            }
        } catch (LinkageError e) {
            throw new IllegalStateException("JVS needs Netty " + built() + " (4.2.x); no usable netty-common was "
                    + "found (" + e + ")", e);
        }
        String problem = problem(found, classPresent("io.netty.channel.IoHandlerFactory"));
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    /** Null if {@code found} (artifact to version) is a Netty 4.2 JVS can run on, else what is wrong and what to do. */
    static String problem(Map<String, String> found, boolean ioHandlerPresent) {
        List<String> wrong = new ArrayList<>();
        for (String a : ARTIFACTS) {
            String v = found.get(a);
            if (v != null && !v.startsWith("4.2.")) {
                wrong.add(a + " " + v);
            }
        }
        if (wrong.isEmpty() && ioHandlerPresent) {
            return null;
        }
        String seen = wrong.isEmpty() ? "Netty without the 4.2 I/O handler API (io.netty.channel.IoHandlerFactory)"
                : String.join(", ", wrong);
        return "JVS needs Netty 4.2 (it was built with " + built() + "), but found " + seen + ". An application whose "
                + "BOM manages Netty 4.1 (Spring Boot 3, Vert.x 4) must import io.jvs:lb-bom, or io.netty:netty-bom "
                + built() + ", before that BOM (see docs/embedding.md)";
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, NettyRequirement.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
