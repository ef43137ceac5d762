package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The examples teach the library's API, so they may use only what its modules export: a name from an
 * {@code internal} package of any JVS module (imported or written out) fails the build.
 */
class NoInternalApiTest {

    private static final Pattern INTERNAL = Pattern.compile("\\bio\\.jvs\\.[a-z0-9_.]*\\binternal\\b");

    @Test
    void examplesUseOnlyExportedPackages() throws IOException {
        Path sources = Path.of("src", "main", "java");
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(sources)) {
            for (Path p : (Iterable<Path>) all.filter(f -> f.toString().endsWith(".java"))::iterator) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = INTERNAL.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(p + ":" + (i + 1) + ": " + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(files >= 5, "the examples' sources were not found under " + sources.toAbsolutePath());
        assertEquals(List.of(), found, "examples must use only exported API, never an internal package");
    }

    @Test
    void theCheckFindsAnInternalName() {
        assertTrue(INTERNAL.matcher("import io.jvs.api.internal.Addresses;").find());
        assertTrue(INTERNAL.matcher("x = io.jvs.netty.internal.Transports.isAvailable(t);").find());
        assertTrue(!INTERNAL.matcher("import io.jvs.netty.NettyLoadBalancer; // internally epoll").find());
    }
}
