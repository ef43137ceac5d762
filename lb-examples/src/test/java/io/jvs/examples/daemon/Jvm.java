package io.jvs.examples.daemon;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

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
}
