package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import io.jvs.ipvsadm.internal.Restore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code -R} rules, mutated from a realistic {@code -S} file and made of random words: a restore never throws,
 * ends with an ipvsadm status and well-formed messages, and prints and leaves exactly what running its lines one by
 * one does, up to the line where ipvsadm would exit (an argument error stops a restore, a refusal of the kernel's
 * kind does not); every line that fails changes nothing. Seeds are fixed ({@code -Djvs.qt.seed=N} replays another
 * run).
 */
class RestorePropertyTest {

    private static final long SEED = Long.getLong("jvs.qt.seed", 0x52455354L);
    private static final int EXAMPLES = 3000;
    private static final List<String> VOCABULARY = List.of("-A", "-E", "-D", "-a", "-e", "-d", "-C", "-Z", "-R",
            "--set", "-t", "-u", "-f", "-6", "-s", "-p", "-M", "-r", "-m", "-g", "-i", "--fullnat", "-w", "-x", "-y",
            "-o", "-b", "--endpoints", "10.0.0.1:80", "10.0.0.1", "[2001:db8::1]:443", "192.168.1.2:8080", "7",
            "0", "65536", "-1", "rr", "wrr", "nope", "255.255.255.0", "tcp:10.0.0.1:81", "flag-1", "ipvsadm", "#",
            "\t", "\r", "300");

    private static String saved;

    @BeforeAll
    static void realisticFile() {
        try (Director d = director()) {
            Ipvsadm ipvsadm = Ipvsadm.of(d, GoldenFixture.names());
            String[][] build = {
                {"-A", "-t", "10.0.0.1:80", "-s", "wrr", "-p", "-M", "255.255.255.0"},
                {"-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:8080", "-w", "3"},
                {"-a", "-t", "10.0.0.1:80", "-r", "192.168.1.3:8080", "-m", "-w", "0", "-x", "100", "-y", "50"},
                {"-A", "-u", "10.0.0.1:53", "-s", "rr", "-o", "-b", "flag-1,flag-3"},
                {"-a", "-u", "10.0.0.1:53", "-r", "192.168.1.4:5353", "-m"},
                {"-A", "-t", "[2001:db8::1]:443", "-s", "wlc", "-p", "120", "-M", "64"},
                {"-a", "-t", "[2001:db8::1]:443", "-r", "[2001:db8::2]:8443", "-w", "65535"},
                {"-A", "-f", "7", "-s", "rr", "-p", "--endpoints", "tcp:10.0.0.1:8080,udp:10.0.0.1:5000"},
                {"-a", "-f", "7", "-r", "192.168.1.9", "-w", "2"}};
            for (String[] c : build) {
                assertEquals(0, ipvsadm.execute(c).status(), String.join(" ", c));
            }
            saved = ipvsadm.execute("-S", "-n").stdout();
        }
        assertEquals(9, saved.lines().count());
    }

    private static Director director() {
        return Director.builder().dataPath(new FakeDataPath(ForwardingMethod.FULLNAT, ForwardingMethod.NAT))
                .rateEstimator(false).connectionTimer(false).maxConnections(256).build();
    }

    private static String state(Ipvsadm ipvsadm) {
        return ipvsadm.execute("-S", "-n").stdout() + ipvsadm.execute("-L", "--timeout").stdout()
                + ipvsadm.execute("-L", "-n", "--thresholds").stdout();
    }

    /** One to four edits: delete, insert junk, replace a word, duplicate, drop or swap a line, cut short. */
    private static final io.jvs.testing.TextMutator MUTATOR =
            new io.jvs.testing.TextMutator(" \t\n-:.,[]0123456789abcdefrtuwp", 12, VOCABULARY, 2);

    static String mutate(String text, Random r) {
        return MUTATOR.mutate(text, r);
    }

    static String soup(Random r) {
        StringBuilder sb = new StringBuilder();
        for (int line = r.nextInt(6); line >= 0; line--) {
            for (int w = r.nextInt(9); w >= 0; w--) {
                sb.append(VOCABULARY.get(r.nextInt(VOCABULARY.size()))).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void restore_isItsLinesOneByOne_andFailedLinesChangeNothing() {
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger failedLines = new AtomicInteger();
        AtomicInteger lines = new AtomicInteger();
        qt().withFixedSeed(SEED).withExamples(EXAMPLES).forAll(longs().all()).checkAssert(seed -> {
            Random r = new Random(seed);
            String text = r.nextInt(3) == 0 ? soup(r) : mutate(saved, r);
            cases.incrementAndGet();
            try (Director whole = director(); Director byLine = director()) {
                Ipvsadm a = Ipvsadm.of(whole, GoldenFixture.names());
                Ipvsadm b = Ipvsadm.of(byLine, GoldenFixture.names());
                a.execute("-A", "-t", "10.0.0.1:80"); // a service that exists: its lines fail, the rest goes on
                b.execute("-A", "-t", "10.0.0.1:80");
                Ipvsadm.Result result = a.execute(List.of("-R"), text); // must not throw
                assertTrue(Set.of(0, 1, 2, 255).contains(result.status()), () -> text + " -> " + result);
                assertFalse(result.stderr().contains("Exception") || result.stderr().contains("Internal error"),
                        () -> text + " -> " + result.stderr());
                assertTrue(result.status() == 0 || !result.stderr().isEmpty(), () -> text + ": a failure without a "
                        + "message");
                // Line by line: the output and table after each line. -R stops at a line where ipvsadm would exit
                // (an argument error, -h, a nested -R), so it must equal some prefix of this, all of it if none does.
                List<String> outs = new ArrayList<>(List.of(""));
                List<String> errs = new ArrayList<>(List.of(""));
                List<String> states = new ArrayList<>(List.of(state(b)));
                boolean nested = false;
                for (List<String> args : Restore.lines(text)) {
                    lines.incrementAndGet();
                    if (Ipvsadm.readsStdin(args)) { // -R inside -R is refused (whatever else is wrong with the line),
                        nested = true;              // changes nothing and ends the restore
                        break;
                    }
                    String before = states.get(states.size() - 1);
                    Ipvsadm.Result r1 = b.execute(args, "");
                    String after = state(b);
                    if (r1.status() != 0) {
                        failedLines.incrementAndGet();
                        assertFalse(r1.stderr().isEmpty(), () -> args + ": a failure without a message");
                        assertEquals(before, after, () -> args + " failed but changed the table");
                    }
                    outs.add(outs.get(outs.size() - 1) + r1.stdout());
                    errs.add(errs.get(errs.size() - 1) + r1.stderr());
                    states.add(after);
                }
                String end = state(a);
                boolean prefix = false;
                for (int j = 0; j < states.size() && !prefix; j++) {
                    prefix = outs.get(j).equals(result.stdout()) && errs.get(j).equals(result.stderr())
                            && states.get(j).equals(end);
                }
                int last = states.size() - 1;
                prefix |= nested && end.equals(states.get(last)) && result.stdout().startsWith(outs.get(last))
                        && result.stderr().startsWith(errs.get(last));
                assertTrue(prefix, () -> "-R of\n" + text + "\ngave\n" + result + "\n" + end
                        + "\nwhich is no prefix of its lines one by one:\n" + errs + "\n" + states);
            }
        });
        System.out.printf("RestorePropertyTest: %d rules files (seed %d), %d lines, %d of them refused%n", cases.get(),
                SEED, lines.get(), failedLines.get());
        assertTrue(cases.get() >= EXAMPLES * 99 / 100, cases + " cases ran");
    }
}
