package io.jvs.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import io.jvs.api.ForwardingMethod;
import io.jvs.core.Director;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.SourceDSL;

/**
 * Random argument vectors, built from ipvsadm's own options and values mixed with arbitrary strings: execute never
 * throws, every run ends in success or an ipvsadm-style message with status 1, 2 or 255, and a failed command
 * leaves the table (and the timeouts) as they were.
 */
class ExecutePropertyTest {

    static final int EXAMPLES = 10_000;

    private static final List<String> WORDS = List.of(
            "-A", "-E", "-D", "-C", "-L", "-l", "-Z", "-a", "-e", "-d", "--set", "-S", "-h", "-v", "-Ln", "-Sn",
            "-Lnc", "-At", "-nL", "--start-daemon", "--stop-daemon", "--add-service", "--list", "--numeric",
            "-t", "-u", "-f", "-6", "-s", "-p", "-M", "-r", "-m", "-g", "-i", "--fullnat", "-w", "-x", "-y", "-n",
            "-c", "-o", "-b", "-X", "--stats", "--rate", "--exact", "--thresholds", "--persistent-conn", "--nosort",
            "--sort", "--timeout", "--daemon", "--tun-info", "--tun-type", "--tun-port", "--tun-csum", "--endpoints",
            "--pe", "--syncid", "--mcast-port", "--mcast-group", "--sctp-service", "--weight=2", "-w5", "-p300",
            "--", "-", "",
            "10.0.0.1:80", "10.0.0.1", "10.0.0.2:80", "10.0.0.1:0", "[2001:db8::1]:80", "2001:db8::1", "[::1]",
            "192.168.1.2:80", "192.168.1.2", "192.168.1.3:8080", "www.example.com:http", "224.0.0.1:80",
            "0.0.0.0:80", "1", "2", "0", "3", "80", "65535", "65536", "-1", "4294967295", "rr", "wrr", "wlc", "none",
            "sh", "nope", "255.255.255.0", "24", "64", "129", "tcp:10.0.0.1:81", "udp:10.0.0.1:53", "master",
            "backup", "flag-1", "sh-port", "flag-1,flag-2", "abc", "sip", "gue", "ipip", "900", "120");

    private static Gen<String> word() {
        Gen<String> known = SourceDSL.integers().between(0, WORDS.size() - 1).map(WORDS::get);
        Gen<String> any = SourceDSL.strings().allPossible().ofLengthBetween(0, 6);
        Gen<String> ascii = SourceDSL.strings().ascii().ofLengthBetween(1, 8);
        return known.mix(any, 10).mix(ascii, 10);
    }

    private static final List<String> COMMANDS = List.of("-A", "-E", "-D", "-a", "-e", "-d", "-L", "-Z", "-C",
            "--set", "-S");
    private static final List<List<String>> OPTIONS = List.of(List.of("-t", "10.0.0.1:80"), List.of("-t", "10.0.0.2:81"),
            List.of("-u", "10.0.0.1:53"), List.of("-f", "1"), List.of("-f", "2"), List.of("-6"), List.of("-s", "rr"),
            List.of("-s", "wlc"), List.of("-p"), List.of("-p", "60"), List.of("-M", "255.255.0.0"),
            List.of("-r", "192.168.1.2:80"), List.of("-r", "192.168.1.9"), List.of("-m"), List.of("--fullnat"),
            List.of("-w", "7"), List.of("-x", "10"), List.of("-y", "5"), List.of("-n"), List.of("--stats"),
            List.of("-o"), List.of("-b", "flag-2"), List.of("--endpoints", "tcp:10.0.0.3:80"), List.of("1", "2", "3"));

    /** A command followed by plausible options, so that many vectors get past the parser. */
    private static Gen<List<String>> plausible() {
        Gen<String> command = SourceDSL.integers().between(0, COMMANDS.size() - 1).map(COMMANDS::get);
        Gen<List<List<String>>> options = SourceDSL.lists().of(SourceDSL.integers().between(0, OPTIONS.size() - 1)
                .map(OPTIONS::get)).ofSizeBetween(0, 5);
        return command.zip(options, (c, o) -> {
            List<String> v = new java.util.ArrayList<>();
            v.add(c);
            o.forEach(v::addAll);
            return v;
        });
    }

    private static Gen<List<String>> argv() {
        return SourceDSL.lists().of(word()).ofSizeBetween(0, 9).mix(plausible(), 50);
    }

    @Test
    void randomArgumentVectors() {
        AtomicInteger runs = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        qt().withFixedSeed(0x1705_2026L).withExamples(EXAMPLES).withShrinkCycles(200).forAll(argv()).checkAssert(args -> {
            runs.incrementAndGet();
            try (Director d = Director.builder().dataPath(new FakeDataPath(ForwardingMethod.FULLNAT,
                    ForwardingMethod.NAT)).rateEstimator(false).connectionTimer(false).maxConnections(256).build()) {
                Ipvsadm ipvsadm = Ipvsadm.of(d, GoldenFixture.names());
                ipvsadm.execute("-A", "-t", "10.0.0.1:80", "-s", "wrr");
                ipvsadm.execute("-a", "-t", "10.0.0.1:80", "-r", "192.168.1.2:80", "-w", "3");
                ipvsadm.execute("-A", "-f", "1", "-s", "rr");
                String before = state(ipvsadm);
                Ipvsadm.Result r = ipvsadm.execute(args, ""); // must not throw
                assertTrue(Set.of(0, 1, 2, 255).contains(r.status()), () -> args + " -> status " + r.status());
                assertFalse(r.stderr().contains("Internal error"), () -> args + " -> " + r.stderr());
                assertFalse(r.stderr().contains("Exception"), () -> args + " -> " + r.stderr());
                if (r.status() != 0) {
                    failures.incrementAndGet();
                    assertFalse(r.stderr().isEmpty(), () -> args + ": a failure without a message");
                    assertTrue(r.stderr().endsWith("\n") && !r.stderr().startsWith("\n"), () -> args + " -> "
                            + r.stderr());
                    if (!args.isEmpty() && !Ipvsadm.readsStdin(args)) {
                        assertEquals(before, state(ipvsadm), () -> args + " failed but changed the table");
                    }
                }
            }
        });
        System.out.println("ExecutePropertyTest: " + runs.get() + " argument vectors, " + failures.get()
                + " ended in an error");
        // QuickTheories skips vectors it has already tried, so a few less than EXAMPLES run.
        assertTrue(runs.get() >= EXAMPLES * 8 / 10, "ran " + runs.get());
    }

    private static String state(Ipvsadm ipvsadm) {
        return ipvsadm.execute("-S", "-n").stdout() + ipvsadm.execute("-L", "--timeout").stdout()
                + ipvsadm.execute("-L", "-n", "--thresholds").stdout();
    }
}
