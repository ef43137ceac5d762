package io.jvs.cli.daemon;

import io.jvs.core.DataPath;
import java.lang.reflect.InvocationTargetException;
import java.util.List;

/**
 * Opens lb-packet's data path for {@code jvs daemon --interface}. lb-cli stays on Java 17 and is built without
 * lb-packet on older JDKs, so the packet data path is reached by name, and refused with a message saying why and what
 * to install where it cannot run.
 */
final class PacketPath {

    /** The first Java release whose {@code java.lang.foreign} is final (JEP 454). */
    static final int JAVA = 22;

    private PacketPath() {}

    /** Why {@code --interface} cannot work in this JVM, or null when it may. */
    static String unavailable() {
        int feature = Runtime.version().feature();
        if (feature < JAVA) {
            return "--interface: the packet data path needs Java " + JAVA + "+ (it calls libc through "
                    + "java.lang.foreign, final in Java 22); this is Java " + feature + " at "
                    + System.getProperty("java.home") + ". Install a JDK " + JAVA + "+ (for example Temurin 25) and "
                    + "run bin/jvs, which picks it, or set JAVA_HOME to it";
        }
        try {
            Class.forName("io.jvs.packet.PacketDataPath");
        } catch (ClassNotFoundException e) {
            return "--interface: this jvs.jar was built without the packet data path (lb-packet is built only when "
                    + "Maven runs on a JDK " + JAVA + "+); rebuild it with JAVA_HOME set to a JDK " + JAVA + "+";
        }
        return null;
    }

    /** {@code PacketDataPath.builder().interfaces(...).build()}. */
    static DataPath open(List<String> interfaces) throws Daemon.StartException {
        String why = unavailable();
        if (why != null) {
            throw new Daemon.StartException(2, "jvs daemon: " + why);
        }
        try {
            Class<?> type = Class.forName("io.jvs.packet.PacketDataPath");
            Object builder = type.getMethod("builder").invoke(null);
            builder.getClass().getMethod("interfaces", String[].class).invoke(builder,
                    (Object) interfaces.toArray(new String[0]));
            return (DataPath) builder.getClass().getMethod("build").invoke(builder);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new Daemon.StartException(2, "jvs daemon: --interface " + String.join(",", interfaces) + ": "
                    + cause.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new Daemon.StartException(1, "jvs daemon: --interface: cannot start the packet data path: " + e);
        }
    }
}
