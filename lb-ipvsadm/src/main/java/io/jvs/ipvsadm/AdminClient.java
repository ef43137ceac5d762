package io.jvs.ipvsadm;

import io.jvs.api.internal.Checks;
import io.jvs.ipvsadm.internal.AdminAddress;
import io.jvs.ipvsadm.internal.Wire;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends one ipvsadm command line to an {@link AdminServer} and returns what it printed and its status: the
 * client side of {@code jvsadm}. See {@link AdminServer} for the protocol.
 *
 * @since 0.1
 */
public final class AdminClient {

    private AdminClient() {}

    /**
     * Runs {@code args} on the server at {@code address} (a socket path or {@code HOST:PORT}).
     *
     * @param stdin what {@code -R} reads (send an empty array for other commands)
     * @param timeout how long to wait for the whole exchange
     * @throws IllegalArgumentException if the address is unusable or the request breaks the protocol's limits
     * @throws IOException if no server answers, the exchange times out, or the answer breaks the protocol
     */
    public static Ipvsadm.Result execute(String address, List<String> args, byte[] stdin, Duration timeout)
            throws IOException {
        return execute(address, null, args, stdin, timeout);
    }

    /**
     * Runs {@code args} on the server at {@code address} with a {@linkplain AdminToken token}, which a server on
     * TCP requires (protocol version 2; without a token the request is version 1, as older servers expect).
     *
     * @param token the token, or null for none
     * @param stdin what {@code -R} reads (send an empty array for other commands)
     * @param timeout how long to wait for the whole exchange
     * @throws IllegalArgumentException if the address is unusable, the token malformed, or the request breaks the
     *     protocol's limits
     * @throws NoAnswerException if a server accepted the connection but did not answer in time or ended it
     * @throws IOException if no server can be reached, or the answer breaks the protocol
     * @since 0.1
     */
    public static Ipvsadm.Result execute(String address, String token, List<String> args, byte[] stdin,
            Duration timeout) throws IOException {
        Checks.checkNotNull(address, "address");
        Checks.checkNotNull(args, "args");
        Checks.checkNotNull(stdin, "stdin");
        Checks.checkNotNull(timeout, "timeout");
        if (token != null) {
            AdminToken.check(token, "token");
        }
        byte[] request;
        try {
            request = Wire.encodeRequest(args, stdin, token == null ? null
                    : token.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (Wire.BadRequest e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        AdminAddress a = AdminAddress.parse(address);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jvsadm-timeout");
            t.setDaemon(true);
            return t;
        });
        try (SocketChannel ch = a.connect()) {
            ScheduledFuture<?> deadline = timer.schedule(() -> {
                try {
                    ch.close();
                } catch (IOException e) {
                    // closing anyway
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                try {
                    Channels.newOutputStream(ch).write(request);
                    ch.shutdownOutput();
                } catch (IOException e) {
                    // The server may have refused the request after its first bytes (a wrong token) and stopped
                    // reading: its answer says why.
                    if (deadline.isDone()) {
                        throw e;
                    }
                }
                Wire.Response r = Wire.readResponse(Channels.newInputStream(ch));
                return new Ipvsadm.Result(r.stdout, r.stderr, r.status);
            } catch (IOException e) {
                if (deadline.isDone()) {
                    throw new NoAnswerException("no answer within " + timeout.toMillis() + " ms", e);
                }
                if (e instanceof Wire.BadRequest) {
                    throw e;
                }
                throw new NoAnswerException("the connection ended without an answer (" + e + ")", e);
            } finally {
                deadline.cancel(false);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    /**
     * A server accepted the connection but gave no answer: it ended the connection or did not answer in time. The
     * command may or may not have run.
     *
     * @since 0.1
     */
    public static final class NoAnswerException extends IOException {
        private static final long serialVersionUID = 1L;

        NoAnswerException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
