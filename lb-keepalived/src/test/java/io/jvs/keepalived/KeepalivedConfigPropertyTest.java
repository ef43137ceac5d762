package io.jvs.keepalived;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The parser never fails in an undocumented way: for random token soup, random text and randomly mutated
 * realistic files, it either loads or throws {@link KeepalivedParseException} with a position inside the text.
 * Seeds are fixed so a failure replays; QuickTheories prints the falsifying input.
 */
class KeepalivedConfigPropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x4a5653L); // -Djvs.qt.seed=N replays another run
    private static final int EXAMPLES = 3000;

    private static final List<String> VOCABULARY = List.of(
            "virtual_server", "virtual_server_group", "real_server", "fwmark_endpoints", "fwmark", "group", "G",
            "TCP_CHECK", "HTTP_GET", "MISC_CHECK", "SSL_GET", "url", "path", "digest", "status_code", "virtualhost",
            "misc_path", "misc_timeout", "misc_dynamic", "connect_ip", "connect_port", "bindto", "bind_port",
            "delay_loop", "connect_timeout", "retry", "delay_before_retry", "warmup", "alpha", "inhibit_on_failure",
            "rise", "fall", "jitter", "slow_start", "passive", "lb_algo", "lb_kind", "persistence_timeout",
            "persistence_granularity", "protocol", "quorum", "hysteresis", "sorry_server", "sorry_server_inhibit",
            "weight", "uthreshold", "lthreshold", "ops", "sh-port", "flag-1", "ip_family", "inet6", "vrrp_instance",
            "global_defs", "include /nonexistent/jvs-*.conf", "http_protocol", "1.1",
            "10.0.0.1", "10.0.0.2", "10.0.0.1-3", "10.0.0.0/30", "2001:db8::1", "0.0.0.0", "224.0.0.1", "::1%x",
            "0", "1", "80", "8080", "65536", "-1", "0.5", "1.25", "99999999999", "wrr", "rr", "xyz", "NAT", "DR",
            "FULLNAT", "TCP", "UDP", "SCTP", "on", "off", "maybe", "255.255.255.0", "/health",
            "9b3a0c85a887a256d6939da88aabd8cd", "200-299", "\"/bin/sh -c 'exit 3'\"", "'x", "\"", "\\",
            "{", "}", "{", "}", "\n", "\n", "\n", "#", "!", "\\\n", "$P=8080\n", "${P}", "$P", "@main", "~SEQ");

    private static String realistic;

    @BeforeAll
    static void readRealisticFile() throws IOException, URISyntaxException {
        Path dir = Path.of(KeepalivedConfigPropertyTest.class.getResource("/keepalived/full.conf").toURI()).getParent();
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(dir.resolve("full.conf"))) {
            if (!line.startsWith("include")) {
                sb.append(line).append('\n');
            }
        }
        sb.append(Files.readString(dir.resolve("conf.d/api.conf"))).append(Files.readString(dir.resolve("conf.d/dns.conf")));
        realistic = sb.toString();
        assertEquals(4, KeepalivedConfig.parse(realistic, "full.conf").services().size(), "the base case loads");
    }

    /** Parses {@code text}: a load, or a parse error pointing into the text; anything else fails the property. */
    private static void loadsOrPointsAtTheError(String text, AtomicInteger cases, AtomicInteger errors) {
        cases.incrementAndGet();
        try {
            KeepalivedConfig c = KeepalivedConfig.parse(text, "p.conf");
            assertNotNull(c.services());
            c.warnings().forEach(w -> assertTrue(w.line() >= 1 && w.line() <= lines(text), w.toString()));
        } catch (KeepalivedParseException e) {
            errors.incrementAndGet();
            assertEquals("p.conf", e.file());
            assertTrue(e.line() >= 1 && e.line() <= lines(text), e.getMessage());
            assertTrue(e.column() >= 1, e.getMessage());
            assertEquals("p.conf:" + e.line() + ":" + e.column() + ": " + e.reason(), e.getMessage());
        }
    }

    private static int lines(String text) {
        return text.split("\r?\n", -1).length;
    }

    private static void report(String what, AtomicInteger cases, AtomicInteger errors) {
        // QuickTheories runs each distinct example once, so a few repeats of small inputs are dropped.
        assertTrue(cases.get() >= EXAMPLES * 99 / 100 && cases.get() <= EXAMPLES, what + ": " + cases + " cases ran");
        System.out.printf("%s: %d cases (seed %d), %d loaded, %d parse errors%n", what, cases.get(), SEED,
                cases.get() - errors.get(), errors.get());
    }

    @Test
    void tokenSoup() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES)
                .forAll(lists().of(arbitrary().pick(VOCABULARY)).ofSizeBetween(0, 80))
                .checkAssert(words -> loadsOrPointsAtTheError(String.join(" ", words), cases, errors));
        report("token soup", cases, errors);
    }

    @Test
    void arbitraryText() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES)
                .forAll(strings().basicLatinAlphabet().ofLengthBetween(0, 300))
                .checkAssert(text -> loadsOrPointsAtTheError(text, cases, errors));
        report("arbitrary text", cases, errors);
    }

    @Test
    void mutatedRealisticFile() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES)
                .forAll(longs().all())
                .checkAssert(seed -> loadsOrPointsAtTheError(mutate(realistic, new Random(seed)), cases, errors));
        report("mutated realistic file", cases, errors);
    }

    /** One to four edits: delete, insert, replace a word, duplicate or drop a line, swap lines, truncate. */
    private static final io.jvs.testing.TextMutator MUTATOR =
            new io.jvs.testing.TextMutator("{}\"'#!\\$ \n\t0123456789abcxyz.:-/", 40, VOCABULARY, 3);

    static String mutate(String text, Random r) {
        return MUTATOR.mutate(text, r);
    }
}
