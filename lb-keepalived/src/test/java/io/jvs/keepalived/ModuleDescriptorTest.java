package io.jvs.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** lb-keepalived's module descriptor exports its public package and requires the schedulers. */
class ModuleDescriptorTest {

    @Test
    void exportsOnlyThePublicPackage_andRequiresTheSchedulers() throws Exception {
        Path classes = Path.of(KeepalivedConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleDescriptor d = ModuleFinder.of(classes).find("io.jvs.keepalived").orElseThrow().descriptor();
        assertTrue(!d.isAutomatic());
        Set<String> exports = d.exports().stream().map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("io.jvs.keepalived"), exports);
        Set<String> requires = d.requires().stream().map(ModuleDescriptor.Requires::name)
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(requires.containsAll(Set.of("io.jvs.health", "io.jvs.scheduler")), requires.toString());
    }
}
