package io.jvs.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.testing.FakeContext;
import io.jvs.scheduler.testing.FakeDestination;
import io.jvs.scheduler.testing.FakeFlow;
import io.jvs.scheduler.testing.Pool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SchedulersTest {

    private static final Set<String> KERNEL_NAMES = Set.of("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed",
            "nq", "fo", "ovf", "mh", "twos", "none");

    @Test
    void everyIpvsNameIsRegistered() {
        assertTrue(Scheduler.Factory.names().containsAll(KERNEL_NAMES), Scheduler.Factory.names().toString());
        for (String name : KERNEL_NAMES) {
            assertEquals(name, Scheduler.Factory.byName(name).name());
            assertEquals(name, Schedulers.byName(name.toUpperCase()).name());
        }
    }

    @Test
    void factoriesMatchTheirNames() {
        Map<String, Supplier<Scheduler.Factory>> factories = Map.ofEntries(
                Map.entry("none", Schedulers::none), Map.entry("rr", Schedulers::rr), Map.entry("wrr", Schedulers::wrr),
                Map.entry("lc", Schedulers::lc), Map.entry("wlc", Schedulers::wlc), Map.entry("sed", Schedulers::sed),
                Map.entry("nq", Schedulers::nq), Map.entry("fo", Schedulers::fo), Map.entry("ovf", Schedulers::ovf),
                Map.entry("twos", Schedulers::twos), Map.entry("dh", Schedulers::dh), Map.entry("sh", Schedulers::sh),
                Map.entry("mh", Schedulers::mh), Map.entry("lblc", Schedulers::lblc),
                Map.entry("lblcr", Schedulers::lblcr),
                Map.entry("sh ", () -> Schedulers.sh(12)), Map.entry("mh ", () -> Schedulers.mh(17)),
                Map.entry("lblc ", () -> Schedulers.lblc(Duration.ofMinutes(5))),
                Map.entry("lblcr ", () -> Schedulers.lblcr(Duration.ofMinutes(5))));
        for (Map.Entry<String, Supplier<Scheduler.Factory>> e : factories.entrySet()) {
            Scheduler.Factory f = e.getValue().get();
            assertEquals(e.getKey().trim(), f.name());
            Scheduler s = f.create(new FakeContext());
            assertNotNull(s);
            Pool pool = new Pool(s);
            FakeDestination d = pool.add(FakeDestination.of("10.0.0.1", 80, 1));
            assertSame(e.getKey().equals("none") ? null : d, s.select(FakeFlow.of("10.1.1.1", 1, "10.2.2.2")), e.getKey());
        }
    }

    @Test
    void unknownName_listsTheRegisteredOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedulers.byName("rrr"));
        assertTrue(e.getMessage().startsWith("scheduler: rrr (expected: one of "), e.getMessage());
        assertTrue(e.getMessage().contains("lblcr"), e.getMessage());
    }

    @Test
    void tableSizes_andExpiration_areValidated() {
        assertEquals("tableBits: 3 (expected: 4-20)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.sh(3)).getMessage());
        assertEquals("tableBits: 21 (expected: 4-20)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.sh(21)).getMessage());
        assertEquals("tableIndex: 7 (expected: 8-17)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.mh(7)).getMessage());
        assertEquals("tableIndex: 18 (expected: 8-17)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.mh(18)).getMessage());
        assertEquals("expiration: PT0S (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.lblc(Duration.ZERO)).getMessage());
        assertEquals("expiration: PT-1S (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> Schedulers.lblcr(Duration.ofSeconds(-1))).getMessage());
        assertEquals("expiration", assertThrows(NullPointerException.class, () -> Schedulers.lblc(null)).getMessage());
    }

    /** module-info's {@code provides} and META-INF/services list the same providers (class path and module path). */
    @Test
    void moduleDescriptorAndServiceFileAgree() throws IOException {
        String moduleInfo = Files.readString(Path.of("src/main/java/module-info.java"));
        Set<String> provided = new TreeSet<>();
        Matcher m = Pattern.compile("io\\.jvs\\.scheduler\\.internal\\.(\\w+)\\.Provider").matcher(moduleInfo);
        while (m.find()) {
            provided.add("io.jvs.scheduler.internal." + m.group(1) + "$Provider");
        }
        List<String> listed = new ArrayList<>();
        try (InputStream in = SchedulersTest.class.getResourceAsStream("/META-INF/services/io.jvs.api.Scheduler$Factory")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    listed.add(line.trim());
                }
            }
        }
        assertEquals(provided, new TreeSet<>(listed));
        assertEquals(KERNEL_NAMES.size(), provided.size());
    }
}
