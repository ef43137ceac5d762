package io.jvs.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts a class of this build in a JVM of its own, as {@code bin/jvs} and {@code bin/jvsadm} would. */
final class Jvm {

    private Jvm() {}

    /** {@code java -cp <the test class path> mainClass args...}. */
    static ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Runs {@code mainClass} to completion, with no standard input: stdout, stderr and the exit status. */
    static String[] run(String mainClass, String... args) throws Exception {
        Process p = java(mainClass, args).start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), mainClass + " " + String.join(" ", args) + " did not finish");
        return new String[] {new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
            new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8), Integer.toString(p.exitValue())};
    }

    /**
     * Runs jvsadm to completion with {@code stdin} as its input and {@code env} added to an environment without
     * admin tokens: stdout, stderr and the exit status.
     */
    static String[] jvsadm(Map<String, String> env, String stdin, String... args) throws Exception {
        ProcessBuilder pb = java("io.jvs.cli.jvsadm.Jvsadm", args);
        pb.environment().remove("JVS_ADMIN_TOKEN");
        pb.environment().remove("JVS_ADMIN_TOKEN_FILE");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvsadm " + String.join(" ", args) + " did not finish");
        return new String[] {new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
            new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8), Integer.toString(p.exitValue())};
    }
}
