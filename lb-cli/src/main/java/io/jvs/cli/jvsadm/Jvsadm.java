package io.jvs.cli.jvsadm;

import io.jvs.ipvsadm.AdminClient;
import io.jvs.ipvsadm.AdminServer;
import io.jvs.ipvsadm.AdminToken;
import io.jvs.ipvsadm.Ipvsadm;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code jvsadm ARGS...}: ipvsadm's command line for a running {@code jvs daemon}. The arguments (and, for
 * {@code -R}, standard input) go to the daemon's admin socket, named by {@code $JVS_ADMIN} (a socket path or
 * {@code HOST:PORT}; default: the daemon's default path); jvsadm prints what the daemon answers and exits with its
 * status, exactly as ipvsadm would. When no daemon answers it prints one line and exits 2.
 *
 * <p>The admin token, when there is one: {@code $JVS_ADMIN_TOKEN}, else the file {@code $JVS_ADMIN_TOKEN_FILE}, else,
 * for a TCP address, the daemon's default token file if it exists.
 */
public final class Jvsadm {

    /** How long jvsadm waits for the daemon to answer (a large {@code -R} binds many listeners). */
    static final Duration TIMEOUT = Duration.ofMinutes(5);

    private Jvsadm() {}

    public static void main(String[] args) {
        int status = run(Arrays.asList(args), System.getenv(), System.in, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Sends one command with the settings of {@code env} ({@code JVS_ADMIN}, the token); returns the exit status. */
    public static int run(List<String> args, Map<String, String> env, InputStream stdin, PrintStream out, PrintStream err) {
        String admin = env.get("JVS_ADMIN");
        String address = admin == null || admin.isEmpty() ? AdminServer.defaultAddress() : admin;
        String token;
        try {
            token = token(env, address);
        } catch (IOException | IllegalArgumentException e) {
            err.println("jvsadm: " + (e instanceof IOException ? "cannot read the admin token: " + e : e.getMessage()));
            return 2;
        }
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
            r = AdminClient.execute(address, token, args, input, TIMEOUT);
        } catch (AdminClient.NoAnswerException e) {
            err.println("jvsadm: the JVS daemon at " + address + " accepted the connection but gave no answer ("
                    + e.getMessage() + "); the command may or may not have run: check with jvsadm -L");
            return 2;
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

    /** The token to send, or null. */
    private static String token(Map<String, String> env, String address) throws IOException {
        String token = env.get("JVS_ADMIN_TOKEN");
        if (token != null && !token.isEmpty()) {
            return AdminToken.check(token, "JVS_ADMIN_TOKEN");
        }
        String file = env.get("JVS_ADMIN_TOKEN_FILE");
        if (file != null && !file.isEmpty()) {
            return AdminToken.read(Path.of(file));
        }
        Path dflt = AdminToken.defaultFile();
        if (AdminToken.requiredFor(address) && Files.isReadable(dflt)) {
            return AdminToken.read(dflt);
        }
        return null;
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
