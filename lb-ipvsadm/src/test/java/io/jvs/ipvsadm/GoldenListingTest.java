package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every listing variant against an expected file written from the spec's printf layouts (ipvs-spec.md 7.4-7.7),
 * byte for byte, trailing spaces included.
 */
class GoldenListingTest {

    static Stream<Arguments> listings() {
        return Stream.of(
                Arguments.of("list-n.txt", new String[] {"-L", "-n"}),
                Arguments.of("list-n.txt", new String[] {"-Ln"}),
                Arguments.of("list-n.txt", new String[] {"-l", "--numeric", "--sort"}),
                Arguments.of("list-names.txt", new String[] {"-L"}),
                Arguments.of("list-names.txt", new String[] {}),
                Arguments.of("list-nosort.txt", new String[] {"-L", "-n", "--nosort"}),
                Arguments.of("list-stats.txt", new String[] {"-L", "-n", "--stats"}),
                Arguments.of("list-stats-exact.txt", new String[] {"-L", "-n", "--stats", "--exact"}),
                Arguments.of("list-stats-exact.txt", new String[] {"-LnX", "--stats"}),
                Arguments.of("list-rate.txt", new String[] {"-L", "-n", "--rate"}),
                Arguments.of("list-rate-exact.txt", new String[] {"-L", "-n", "--rate", "--exact"}),
                Arguments.of("list-thresholds.txt", new String[] {"-L", "-n", "--thresholds"}),
                Arguments.of("list-persistent-conn.txt", new String[] {"-L", "-n", "--persistent-conn"}),
                Arguments.of("list-tun-info.txt", new String[] {"-L", "-n", "--tun-info"}),
                Arguments.of("save-n.txt", new String[] {"-S", "-n"}),
                Arguments.of("save-n.txt", new String[] {"--save", "--numeric"}),
                Arguments.of("save-names.txt", new String[] {"-S"}),
                Arguments.of("list-service.txt", new String[] {"-L", "-n", "-t", "10.0.0.1:80"}),
                Arguments.of("list-service.txt", new String[] {"-L", "-n", "-t", "www.example.com:http"}),
                Arguments.of("list-service-fwm6-stats.txt", new String[] {"-L", "-n", "-f", "2", "-6", "--stats"}),
                Arguments.of("list-conn-n.txt", new String[] {"-L", "-n", "-c"}),
                Arguments.of("list-conn-n.txt", new String[] {"-Lnc"}),
                Arguments.of("list-conn-persistent.txt", new String[] {"-L", "-n", "-c", "--persistent-conn"}),
                Arguments.of("list-conn-names.txt", new String[] {"-L", "-c"}),
                Arguments.of("list-timeout.txt", new String[] {"-L", "--timeout"}));
    }

    @ParameterizedTest(name = "{0} <- ipvsadm {1}")
    @MethodSource("listings")
    void listing(String file, String[] args) throws IOException {
        Ipvsadm ipvsadm = Ipvsadm.of(GoldenFixture.loadBalancer(), GoldenFixture.names());
        Ipvsadm.Result r = ipvsadm.execute(args);
        assertEquals("", r.stderr());
        assertEquals(0, r.status());
        assertEquals(expected(file), r.stdout());
    }

    static String expected(String file) throws IOException {
        try (InputStream in = GoldenListingTest.class.getResourceAsStream("golden/" + file)) {
            if (in == null) {
                throw new IOException("missing golden file " + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
