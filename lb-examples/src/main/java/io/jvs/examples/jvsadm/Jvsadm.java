package io.jvs.examples.jvsadm;

import io.jvs.ipvsadm.AdminClient;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.Ipvsadm;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code jvsadm ARGS...}: ipvsadm's command line for a running {@code jvs daemon}. The arguments (and, for
 * {@code -R}, standard input) go to the daemon's admin socket, named by {@code $JVS_ADMIN} (a socket path or
 * {@code HOST:PORT}; default: the daemon's default path); jvsadm prints what the daemon answers and exits with its
 * status, exactly as ipvsadm would. When no daemon answers it prints one line and exits 2.
 */
public final class Jvsadm {

    /** How long jvsadm waits for the daemon to answer (a large {@code -R} binds many listeners). */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private Jvsadm() {}

    public static void main(String[] args) {
        int status = run(Arrays.asList(args), System.getenv("JVS_ADMIN"), System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Sends one command; returns the exit status. */
    static int run(List<String> args, String admin, InputStream stdin, PrintStream out, PrintStream err) {
        String address = admin == null || admin.isEmpty() ? AdminServer.defaultAddress() : admin;
        byte[] input = new byte[0];
        try {
            if (Ipvsadm.readsStdin(args)) {
                input = stdin.readAllBytes();
            }
        } catch (IOException e) {
            err.println("jvsadm: cannot read standard input: " + e.getMessage());
            return 2;
        }
        Ipvsadm.Result r;
        try {
            r = AdminClient.execute(address, args, input, TIMEOUT);
        } catch (IOException e) {
            err.println("jvsadm: no JVS daemon answers at " + address + " (" + reason(e)
                    + "); start one with 'jvs daemon' or set JVS_ADMIN");
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("jvsadm: " + e.getMessage());
            return 2;
        }
        write(out, r.stdout());
        write(err, r.stderr());
        return r.status();
    }

    private static void write(PrintStream stream, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        stream.write(b, 0, b.length);
        stream.flush();
    }

    private static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.NoSuchFileException || (m != null && m.contains("No such file"))) {
            return "no such socket";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
