package io.jvs.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** lb-health's module descriptor exports its public package and nothing else (keepalived.conf is lb-keepalived's). */
class ModuleDescriptorTest {

    @Test
    void exportsOnlyThePublicPackages() throws Exception {
        Path classes = Path.of(HealthChecker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d = ModuleFinder.of(classes).find("io.jvs.health").orElseThrow().descriptor();
        assertTrue(!d.isAutomatic());
        Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("io.jvs.health"), exports);
        assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        assertTrue(d.packages().contains("io.jvs.health.internal"), "the internal package is in the module");
    }
}
