package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What docs/embedding.md says about the module path, run for real: with JVS and Netty on the module path, the
 * native epoll transport resolves only with the {@code --add-modules} line the page gives; without it JVS runs on
 * NIO.
 */
class ModulePathTest {

    private static final String NATIVE_EPOLL = "io.netty.transport.epoll.linux." + arch();

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") || a.equals("x86_64") ? "x86_64" : a.equals("aarch64") ? "aarch_64" : a;
    }

    /** JVS's modules and Netty's jars from the test class path: what a modular application puts on -p. */
    private static String modulePath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> e.contains(File.separator + "io" + File.separator + "netty" + File.separator)
                        || Path.of(e).toAbsolutePath().toString().matches(".*/lb-(api|core|schedulers|netty)"
                        + "(/target/classes|/target/lb-[a-z]+-[^/]*\\.jar|-[0-9][^/]*\\.jar)")) // reactor or ~/.m2
                .collect(Collectors.joining(File.pathSeparator));
    }

    private static String run(String... addModules) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-p", modulePath(), "--add-modules", String.join(",", addModules), "-cp",
                Path.of("target", "test-classes").toString(), TransportProbe.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /**
     * On the module path epoll resolves with nothing more than JVS's own module: io.jvs.netty requires the native
     * module (before issue #17 nothing did, and JVS fell back to NIO with one INFO line).
     */
    @Test
    void nativeEpollResolvesOnTheModulePath_withoutExtraFlags() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").equals("Linux"), "epoll is Linux's");
        Assumptions.assumeTrue(modulePath().contains("netty-transport-native-epoll"),
                "the native epoll jar is not on the test class path");
        String out = run("io.jvs.netty");
        assertTrue(out.contains("transport EPOLL"), "io.jvs.netty alone: " + out);
        assertTrue(run("io.jvs.netty", NATIVE_EPOLL).contains("transport EPOLL"), "the documented line still works");
        String doc = Files.readString(Path.of("").toAbsolutePath().getParent().resolve("docs").resolve("embedding.md"));
        assertTrue(doc.contains("requires the native epoll module"), "docs/embedding.md says so");
    }
}
