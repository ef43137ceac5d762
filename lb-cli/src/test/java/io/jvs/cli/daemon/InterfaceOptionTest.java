package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code jvs daemon --interface}: the option, and its refusal on a JDK older than 22. */
class InterfaceOptionTest {

    @Test
    void interface_repeatable_inOrder() {
        DaemonCommand.Options o = DaemonCommand.parse(new String[] {"--interface", "eth0", "--interface", "eth1"});
        assertEquals(List.of("eth0", "eth1"), o.interfaces);
    }

    @Test
    void interface_twice_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DaemonCommand.parse(new String[] {"--interface", "eth0", "--interface", "eth0"}));
        assertEquals("--interface: eth0 (expected: an interface name of 1-15 characters, each interface once)",
                e.getMessage());
    }

    @Test
    void interface_tooLong_refused() {
        assertThrows(IllegalArgumentException.class,
                () -> DaemonCommand.parse(new String[] {"--interface", "a-name-of-16-chr"}));
    }

    @Test
    void interface_withReload_refused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DaemonCommand.parse(new String[] {"--reload", "--interface", "eth0"}));
        assertTrue(e.getMessage().startsWith("--reload: talks to a running daemon"), e.getMessage());
    }

    @Test
    void java17_refusesInterface_sayingWhyAndWhatToInstall() throws Exception {
        Path java17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
        Assumptions.assumeTrue(Files.isExecutable(java17), "skipped: no JDK 17 at " + java17 + " to run the daemon on");
        Process p = new ProcessBuilder(java17.toString(), "-cp", System.getProperty("java.class.path"),
                "io.jvs.cli.Jvs", "daemon", "--interface", "eth0", "--admin",
                Files.createTempDirectory("jvsq").resolve("admin.sock").toString()).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.contains("jvs daemon: --interface: the packet data path needs Java 22+ (it calls libc through "
                + "java.lang.foreign, final in Java 22); this is Java 17 at "), err);
        assertTrue(err.contains("Install a JDK 22+ (for example Temurin 25) and run bin/jvs, which picks it, or set "
                + "JAVA_HOME to it"), err);
    }
}
