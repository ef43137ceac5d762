package io.jvs.health.internal;

import io.jvs.health.UdpCheck;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;

/**
 * One UDP_CHECK probe, keepalived's semantics: a datagram from a connected socket, then, until the timeout, an
 * ICMP port unreachable fails it; with a required reply, the first datagram back decides. The probe uses a JDK
 * channel in non-blocking mode and polls it on the event loop, first after a millisecond (loopback and LAN errors
 * arrive at once), then at doubling intervals up to a quarter second: no thread waits, and no selector
 * registration is needed for a socket that lives a few polls.
 */
final class UdpProbe {

    private static final long FIRST_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    private final UdpCheck check;
    private final EventLoop loop;
    private final long deadlineNanos;
    private final BiFunction<Boolean, String, Outcome> outcome;
    private final CompletableFuture<Outcome> result = new CompletableFuture<>();
    private DatagramChannel channel;
    private ByteBuffer reply;

    private UdpProbe(UdpCheck check, EventLoop loop, long deadlineNanos, BiFunction<Boolean, String, Outcome> outcome) {
        this.check = check;
        this.loop = loop;
        this.deadlineNanos = deadlineNanos;
        this.outcome = outcome;
    }

    /** Sends to {@code target} and watches for the answer; {@code outcome} makes the result. */
    static CompletableFuture<Outcome> start(UdpCheck check, InetSocketAddress target, EventLoop loop,
            BiFunction<Boolean, String, Outcome> outcome) {
        UdpProbe p = new UdpProbe(check, loop, System.nanoTime() + check.settings().timeout().toNanos(), outcome);
        p.send(target);
        return p.result;
    }

    private void send(InetSocketAddress target) {
        try {
            channel = DatagramChannel.open(target.getAddress() instanceof java.net.Inet6Address
                    ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
            channel.configureBlocking(false);
            if (check.connectOptions().bindAddress() != null) {
                channel.bind(check.connectOptions().bindAddress());
            }
            channel.connect(target);
            channel.write(ByteBuffer.wrap(check.payload()));
        } catch (PortUnreachableException e) {
            finish(false, "port unreachable");
            return;
        } catch (IOException | RuntimeException e) {
            finish(false, Phrases.cause(e, Duration.ZERO));
            return;
        }
        reply = ByteBuffer.allocate(check.maxReplyLength() + 1); // one more: a longer reply shows as too long
        schedule(FIRST_POLL_NANOS);
    }

    private void schedule(long delayNanos) {
        long left = deadlineNanos - System.nanoTime();
        try {
            loop.schedule(() -> poll(delayNanos), Math.max(0, Math.min(delayNanos, left)), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            finish(false, "the health checker is closed");
        }
    }

    private void poll(long lastDelayNanos) {
        if (result.isDone()) {
            return;
        }
        try {
            reply.clear();
            if (channel.receive(reply) != null) { // null: nothing yet; an empty datagram has a sender too
                answered();
                return;
            }
        } catch (PortUnreachableException e) {
            finish(false, "port unreachable");
            return;
        } catch (IOException e) {
            finish(false, Phrases.cause(e, Duration.ZERO));
            return;
        }
        if (System.nanoTime() - deadlineNanos >= 0) {
            Duration timeout = check.settings().timeout();
            if (check.requireReply()) {
                finish(false, "no reply within " + Phrases.duration(timeout));
            } else {
                finish(true, "no ICMP error within " + Phrases.duration(timeout));
            }
            return;
        }
        schedule(Math.min(MAX_POLL_NANOS, lastDelayNanos * 2));
    }

    private void answered() {
        int length = reply.position();
        if (!check.requireReply()) {
            finish(true, "reply of " + length + " bytes");
            return;
        }
        byte[] data = new byte[length];
        reply.flip();
        reply.get(data);
        if (check.accepts(data, length)) {
            finish(true, "reply of " + length + " bytes");
        } else {
            finish(false, "reply of " + length + " bytes does not match (expected: " + check.minReplyLength() + "-"
                    + check.maxReplyLength() + " bytes" + (check.expectedReply().length == 0 ? ""
                    : " starting " + java.util.HexFormat.of().formatHex(check.expectedReply())) + ")");
        }
    }

    private void finish(boolean healthy, String message) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        result.complete(outcome.apply(healthy, message));
    }
}
