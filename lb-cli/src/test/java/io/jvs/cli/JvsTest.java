package io.jvs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JvsTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Jvs.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void noArguments_printsUsage() {
        assertEquals(2, run());
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: jvs demo"));
    }

    @Test
    void unknownCommand() {
        assertEquals(2, run("frobnicate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("jvs: unknown command 'frobnicate'\nusage:"));
    }

    @Test
    void help() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("jvs proxy --listen HOST:PORT"));
    }

    @Test
    void subcommandHelp_printsItsUsageAndExitsZero() {
        assertEquals(0, run("proxy", "--help"), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: jvs proxy --listen HOST:PORT"));
        out.reset();
        assertEquals(0, run("daemon", "--help"), err.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: jvs daemon "));
        out.reset();
        assertEquals(0, run("proxy", "--listen", "127.0.0.1:1", "-h"));
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: jvs proxy"));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void demo_spreadsThirtyTwentyTenAndPrintsTheTable() {
        assertEquals(0, run("demo"), err.toString(StandardCharsets.UTF_8));
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.contains("  real server 1 (weight 3): 30 connections\n"), o);
        assertTrue(o.contains("  real server 2 (weight 2): 20 connections\n"), o);
        assertTrue(o.contains("  real server 3 (weight 1): 10 connections\n"), o);
        assertTrue(o.contains("$ ipvsadm -L -n\nIP Virtual Server version 1.2.1 (size="), o);
        assertTrue(o.contains("\nProt LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\nTCP  127.0.0.1:"), o);
        assertTrue(o.matches("(?s).*\n  -> 127\\.0\\.0\\.1:\\d+ +FullNat 3      \\d+ +\\d+ +\n.*"), o);
    }
}
