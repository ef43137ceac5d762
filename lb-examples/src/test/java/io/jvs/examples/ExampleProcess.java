package io.jvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * An example's {@code main} run as a program, in a JVM of its own on the test class path: its standard output is
 * read line by line, Enter stops it. Closing kills it if it is still running.
 */
final class ExampleProcess implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Path log;

    private ExampleProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "example-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code main} of {@code example} with {@code args}; its standard error goes to a file under target/. */
    static ExampleProcess start(Class<?> example, Object... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(example.getName());
        for (Object a : args) {
            cmd.add(String.valueOf(a));
        }
        File dir = new File("target/example-logs");
        dir.mkdirs();
        Path log = dir.toPath().resolve(example.getSimpleName() + "-" + System.nanoTime() + ".log");
        Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        return new ExampleProcess(p, log);
    }

    /** Waits up to {@code seconds} for a line of standard output that {@code matches}; fails with what came. */
    String await(Predicate<String> matches, int seconds) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("no such line within " + seconds + " s; output: " + seen + "; log: "
                        + stderr());
            }
            seen.add(line);
            if (matches.test(line)) {
                return line;
            }
        }
    }

    /** Presses Enter and waits for the program to end; returns the rest of its standard output. */
    String stop() throws Exception {
        process.getOutputStream().write('\n');
        process.getOutputStream().flush();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the example did not stop after Enter; log: " + stderr());
        Thread.sleep(100); // the reader thread drains the pipe
        StringBuilder rest = new StringBuilder();
        for (String line; (line = lines.poll()) != null; ) {
            seen.add(line);
            rest.append(line).append('\n');
        }
        assertEquals(0, process.exitValue(), "exit status; output: " + seen + "; log: " + stderr());
        return rest.toString();
    }

    /** What the program wrote on standard error so far. */
    String stderr() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
