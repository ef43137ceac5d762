package io.jvs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The library modules' descriptors: each exports exactly its public packages (internal ones only to JVS
 * modules), and the module graph resolves on the module path with Netty's own descriptors.
 */
class ModuleLayoutTest {

    private static ModuleFinder classPathAsModulePath() {
        Path[] entries = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.isEmpty())
                .map(Paths::get)
                .filter(p -> !p.getFileName().toString().startsWith("surefire"))
                .filter(p -> !p.toString().contains("lb-cli")) // the commands are not a module
                // test jars (lb-schedulers' kernel-exact references for the cluster harness) are not modules either:
                // as automatic modules they would export the packages of the real ones a second time
                .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
                .toArray(Path[]::new);
        return ModuleFinder.of(entries);
    }

    @Test
    void libraryModulesExportOnlyTheirApi() {
        ModuleFinder finder = classPathAsModulePath();
        Map<String, Set<String>> expected = Map.of(
                "io.jvs.api", Set.of("io.jvs.api"),
                "io.jvs.core", Set.of("io.jvs.core"),
                "io.jvs.scheduler", Set.of("io.jvs.scheduler"),
                "io.jvs.netty", Set.of("io.jvs.netty"),
                "io.jvs.ipvsadm", Set.of("io.jvs.ipvsadm"),
                "io.jvs.health", Set.of("io.jvs.health"),
                "io.jvs.keepalived", Set.of("io.jvs.keepalived"),
                "io.jvs.micrometer", Set.of("io.jvs.micrometer"));
        for (Map.Entry<String, Set<String>> e : expected.entrySet()) {
            ModuleDescriptor d = finder.find(e.getKey()).map(ModuleReference::descriptor)
                    .orElseThrow(() -> new AssertionError("no module " + e.getKey() + " on the path"));
            assertTrue(!d.isAutomatic(), e.getKey() + " has a real module-info");
            Set<String> unqualified = d.exports().stream().filter(x -> !x.isQualified())
                    .map(ModuleDescriptor.Exports::source).collect(Collectors.toCollection(TreeSet::new));
            assertEquals(e.getValue(), unqualified, e.getKey());
            for (ModuleDescriptor.Exports x : d.exports()) {
                if (x.isQualified()) {
                    assertTrue(x.source().endsWith(".internal"), x.toString());
                    assertTrue(x.targets().stream().allMatch(t -> t.startsWith("io.jvs.")), x.toString());
                    for (String target : x.targets()) {
                        finder.find(target).ifPresent(t -> assertTrue(uses(t, x.source()), e.getKey() + " exports "
                                + x.source() + " to " + target + ", which uses none of it: a stale export"));
                    }
                }
            }
        }
    }

    /** Whether a class of module {@code m} refers to package {@code pkg} (its name is in the constant pool). */
    private static boolean uses(ModuleReference m, String pkg) {
        byte[] name = (pkg.replace('.', '/') + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.lang.module.ModuleReader r = m.open()) {
            for (String entry : (Iterable<String>) r.list()::iterator) {
                if (entry.endsWith(".class") && !entry.equals("module-info.class")) {
                    byte[] bytes = r.read(entry).map(b -> {
                        byte[] a = new byte[b.remaining()];
                        b.get(a);
                        r.release(b);
                        return a;
                    }).orElse(new byte[0]);
                    if (indexOf(bytes, name) >= 0) {
                        return true;
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return false;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void moduleGraphResolves() {
        Configuration cf = ModuleLayer.boot().configuration()
                .resolveAndBind(classPathAsModulePath(), ModuleFinder.of(), Set.of("io.jvs.netty", "io.jvs.ipvsadm",
                        "io.jvs.health", "io.jvs.keepalived", "io.jvs.micrometer"));
        Set<String> names = cf.modules().stream().map(m -> m.name()).collect(Collectors.toSet());
        assertTrue(names.contains("io.jvs.scheduler"), "the schedulers are bound as service providers: " + names);
        assertTrue(names.contains("io.netty.transport.classes.epoll"), names.toString());
    }
}
