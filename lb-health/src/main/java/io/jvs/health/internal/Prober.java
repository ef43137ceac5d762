package io.jvs.health.internal;

import io.jvs.api.Ticker;
import io.jvs.health.CommandCheck;
import io.jvs.health.ConnectOptions;
import io.jvs.health.HealthCheck;
import io.jvs.health.HttpGetCheck;
import io.jvs.health.PredicateCheck;
import io.jvs.health.SmtpCheck;
import io.jvs.health.TcpCheck;
import io.jvs.health.UdpCheck;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * Runs single probes. Network probes (TCP, HTTP and HTTPS, SMTP, UDP) run on the event loop they are given and
 * never block it; commands and predicates run on the blocking pool. Every probe ends, within its timeout plus a
 * small bound, in an {@link Outcome}; the returned future never fails.
 */
public final class Prober {

    private static final Logger LOG = System.getLogger("io.jvs.health");
    /** How long a command gets to exit after SIGTERM before SIGKILL (keepalived waits 2 s). */
    private static final long KILL_GRACE_MILLIS = 2000;

    private final Class<? extends Channel> channelType;
    private final ExecutorService blocking;
    private final Ticker ticker;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timers;
    private volatile SslContext tls; // made at the first HTTPS probe

    /**
     * A prober whose commands and predicates run on {@code blocking}, and whose predicate timeouts run on
     * {@code timers} ({@code null}: the probe's event loop).
     */
    public Prober(Class<? extends Channel> channelType, ExecutorService blocking, Ticker ticker,
            ScheduledExecutorService timers) {
        this.channelType = channelType;
        this.blocking = blocking;
        this.ticker = ticker;
        this.timers = timers;
    }

    /**
     * The client TLS context of SSL_GET: like keepalived's, it verifies no server certificate (health, not
     * trust, is the question) and offers no client certificate.
     */
    private SslContext tls() throws SSLException {
        SslContext c = tls;
        if (c == null) {
            c = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
            tls = c;
        }
        return c;
    }

    /** Probes {@code server} once with {@code check}. */
    public CompletableFuture<Outcome> probe(HealthCheck check, InetSocketAddress server, EventLoop loop) {
        long start = ticker.nanoTime();
        try {
            if (check instanceof TcpCheck) {
                TcpCheck c = (TcpCheck) check;
                return tcp(c.connectOptions(), server, c.settings().timeout(), loop, start);
            }
            if (check instanceof HttpGetCheck) {
                HttpGetCheck c = (HttpGetCheck) check;
                CompletableFuture<Outcome> result = new CompletableFuture<>();
                http(c, c.connectOptions().target(server), 0, start, loop, result);
                return result;
            }
            if (check instanceof SmtpCheck) {
                SmtpCheck c = (SmtpCheck) check;
                return smtp(c, c.connectOptions().target(server), loop, start);
            }
            if (check instanceof UdpCheck) {
                UdpCheck c = (UdpCheck) check;
                return UdpProbe.start(c, c.connectOptions().target(server), loop,
                        (healthy, message) -> outcome(healthy, message, start));
            }
            if (check instanceof CommandCheck) {
                CommandCheck c = (CommandCheck) check;
                return CompletableFuture.supplyAsync(() -> command(c, start), blocking);
            }
            return predicate((PredicateCheck) check, server, loop, start);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.completedFuture(outcome(false, "the health checker is closed", start));
        }
    }

    private Outcome outcome(boolean healthy, String message, long start) {
        return new Outcome(healthy, message, -1, ticker.nanoTime() - start);
    }

    private Bootstrap bootstrap(EventLoop loop, Duration timeout, ChannelHandler handler) {
        return new Bootstrap().group(loop).channel(channelType)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, timeout.toMillis()))
                // Close with a reset: checks would otherwise leave a TIME_WAIT socket behind every time.
                .option(ChannelOption.SO_LINGER, 0)
                .handler(handler);
    }

    private static ChannelFuture connect(Bootstrap b, ConnectOptions options, InetSocketAddress target) {
        return options.bindAddress() == null ? b.connect(target) : b.connect(target, options.bindAddress());
    }

    private CompletableFuture<Outcome> tcp(ConnectOptions options, InetSocketAddress server, Duration timeout,
            EventLoop loop, long start) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Bootstrap b = bootstrap(loop, timeout, new ChannelInboundHandlerAdapter());
        connect(b, options, options.target(server)).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                result.complete(outcome(true, "connected", start));
                f.channel().close();
            } else {
                result.complete(outcome(false, Phrases.cause(f.cause(), timeout), start));
            }
        });
        return result;
    }

    /** Fetches url {@code index}, then the next ones, completing {@code result} at the first failure or the end. */
    private void http(HttpGetCheck check, InetSocketAddress target, int index, long start, EventLoop loop,
            CompletableFuture<Outcome> result) {
        long left = check.settings().timeout().toNanos() - (ticker.nanoTime() - start);
        Duration timeout = check.settings().timeout();
        if (left <= 0) {
            result.complete(outcome(false, "timed out after " + Phrases.duration(timeout), start));
            return;
        }
        HttpGetCheck.Url url = check.urls().get(index);
        CompletableFuture<String> fetched = new CompletableFuture<>();
        SslContext context;
        try {
            context = check.tls() ? tls() : null;
        } catch (SSLException e) {
            result.complete(outcome(false, "TLS: " + e.getMessage(), start));
            return;
        }
        HttpFetch fetch = new HttpFetch(url, check.version(), check.hostHeader(url, target), fetched, context,
                check.serverName(), target);
        ChannelFuture connected = connect(bootstrap(loop, Duration.ofNanos(left), fetch.initializer()),
                check.connectOptions(), target);
        connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                fetched.completeExceptionally(new ProbeFailure(Phrases.cause(f.cause(), timeout)));
            }
        });
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (fetched.completeExceptionally(new ProbeFailure("timed out after " + Phrases.duration(timeout)))) {
                connected.channel().close();
            }
        }, left, TimeUnit.NANOSECONDS);
        fetched.whenComplete((message, failure) -> {
            deadline.cancel(false);
            String prefix = check.urls().size() > 1 ? url.path() + ": " : "";
            if (failure != null) {
                result.complete(outcome(false, prefix + ProbeFailure.reason(failure, timeout), start));
            } else if (index + 1 < check.urls().size()) {
                http(check, target, index + 1, start, loop, result);
            } else {
                result.complete(outcome(true, prefix + message, start));
            }
        });
    }

    /** The SMTP dialogue on one connection, within the settings' timeout. */
    private CompletableFuture<Outcome> smtp(SmtpCheck check, InetSocketAddress target, EventLoop loop, long start) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Duration timeout = check.settings().timeout();
        CompletableFuture<String> dialogue = new CompletableFuture<>();
        ChannelFuture connected = connect(bootstrap(loop, timeout, new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new LineBasedFrameDecoder(SmtpDialogue.MAX_LINE),
                        new SmtpDialogue(check.heloName(), dialogue));
                dialogue.whenComplete((m, e) -> ch.close());
            }
        }), check.connectOptions(), target);
        connected.addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                dialogue.completeExceptionally(new ProbeFailure(Phrases.cause(f.cause(), timeout)));
            }
        });
        ScheduledFuture<?> deadline = loop.schedule(() -> {
            if (dialogue.completeExceptionally(new ProbeFailure("timed out after " + Phrases.duration(timeout)))) {
                connected.channel().close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        dialogue.whenComplete((message, failure) -> {
            deadline.cancel(false);
            result.complete(failure == null ? outcome(true, message, start)
                    : outcome(false, ProbeFailure.reason(failure, timeout), start));
        });
        return result;
    }

    private Outcome command(CommandCheck check, long start) {
        List<String> command = check.command();
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException | RuntimeException e) {
            return outcome(false, "cannot run " + command.get(0) + ": " + e.getMessage(), start);
        }
        running.add(p);
        try {
            p.getOutputStream().close();
            if (!p.waitFor(check.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                kill(p);
                return outcome(false, "timed out after " + Phrases.duration(check.timeout()) + "; killed", start);
            }
            int status = p.exitValue();
            boolean healthy = status == 0 || (check.dynamicWeight() && status >= 2 && status <= 255);
            String message = "exit " + status + (healthy && status != 0 ? ": weight " + (status - 2) : "");
            return new Outcome(healthy, message, status, ticker.nanoTime() - start);
        } catch (InterruptedException e) {
            kill(p);
            Thread.currentThread().interrupt();
            return outcome(false, "interrupted; killed", start);
        } catch (IOException e) {
            kill(p);
            return outcome(false, "cannot run " + command.get(0) + ": " + e.getMessage(), start);
        } finally {
            running.remove(p);
        }
    }

    /** SIGTERM to the process and its descendants, then SIGKILL to whatever is left after a grace period. */
    private static void kill(Process p) {
        List<ProcessHandle> tree = p.descendants().collect(Collectors.toList());
        tree.forEach(ProcessHandle::destroy);
        p.destroy();
        boolean exited;
        try {
            exited = p.waitFor(KILL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = false;
        }
        tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (!exited) {
            p.destroyForcibly();
        }
    }

    private CompletableFuture<Outcome> predicate(PredicateCheck check, InetSocketAddress server, EventLoop loop,
            long start) {
        CompletableFuture<Outcome> result = new CompletableFuture<>();
        Future<?> task = blocking.submit(() -> {
            try {
                boolean ok = check.predicate().test(server);
                result.complete(outcome(ok, ok ? "true" : "false", start));
            } catch (Throwable t) {
                result.complete(outcome(false, "threw " + t, start));
            }
        });
        if (result.isDone()) {
            return result; // it ran on the calling thread (a direct executor)
        }
        Duration timeout = check.settings().timeout();
        ScheduledFuture<?> deadline = (timers != null ? timers : loop).schedule(() -> {
            if (result.complete(outcome(false, "timed out after " + Phrases.duration(timeout), start))) {
                task.cancel(true);
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        result.whenComplete((o, e) -> deadline.cancel(false));
        return result;
    }

    /** Kills every command still running (when the checker closes). */
    public void killAll() {
        for (Process p : running) {
            LOG.log(Level.DEBUG, "killing health-check command {0}", p.info().commandLine().orElse(p.toString()));
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
