package io.jvs.cluster;

import io.jvs.api.LoadBalancerException;
import io.jvs.cluster.internal.ConfigCodec;
import io.jvs.cluster.internal.ConfigCommand;
import io.jvs.cluster.internal.ConfigStateMachine;
import io.jvs.cluster.internal.ConfigStateMachine.Outcome;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.jgroups.raft.RaftHandle;

/**
 * How a {@link ClusteredLoadBalancer} commits a change: proposes it with a nonce, proposes it again after a leader
 * change while a majority is in view, waits until this member has applied it, and turns the outcome into what a
 * single load balancer would return or throw.
 */
final class Proposer {

    private static final System.Logger LOG = System.getLogger(ClusteredLoadBalancer.class.getName());

    private final ClusteredLoadBalancer lb;
    private final RaftHandle raft;
    private final ConfigStateMachine machine;
    private final String cluster;
    private final Duration commitTimeout;
    private final Duration attemptTimeout;
    private final AtomicLong nonces = new AtomicLong(new SecureRandom().nextLong() | 1);

    Proposer(ClusteredLoadBalancer lb, RaftHandle raft, ConfigStateMachine machine, String cluster,
            Duration commitTimeout, Duration attemptTimeout) {
        this.lb = lb;
        this.raft = raft;
        this.machine = machine;
        this.cluster = cluster;
        this.commitTimeout = commitTimeout;
        this.attemptTimeout = attemptTimeout;
    }

    CompletableFuture<Void> localFuture(Outcome o) {
        CompletableFuture<Void> f = o.local() == null ? CompletableFuture.completedFuture(null) : o.local();
        return f.handle((v, t) -> {
            if (t == null) {
                return null;
            }
            Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            LoadBalancerException.Reason reason = cause instanceof LoadBalancerException
                    ? ((LoadBalancerException) cause).reason() : LoadBalancerException.Reason.BIND_FAILED;
            throw new CompletionException(new LoadBalancerException(reason, "committed to the cluster configuration"
                    + " (epoch " + o.epoch() + "), but this member's data path could not apply it: "
                    + cause.getMessage(), cause));
        });
    }

    /**
     * Proposes {@code c}, waits until it is committed and applied here, and returns what applying it did; a refusal
     * throws as a single load balancer throws it.
     */
    Outcome commit(ConfigCommand c) {
        long nonce = nonces.getAndIncrement();
        if (nonce == 0) {
            nonce = nonces.getAndIncrement();
        }
        byte[] entry = ConfigCodec.encode(c, nonce);
        long deadline = System.nanoTime() + commitTimeout.toNanos();
        CompletableFuture<Outcome> applied = machine.expect(nonce);
        byte[] response = null;
        boolean submitted = false;
        // A leader election (a member joined, left or was suspected) makes proposals fail for a moment; while this
        // member sees a majority it tries again with the same nonce, which the log applies at most once.
        while (response == null) {
            long left = deadline - System.nanoTime();
            try {
                CompletableFuture<byte[]> f = raft.setAsync(entry, 0, entry.length);
                submitted = true;
                // One attempt waits at most attemptTimeout: a proposal forwarded to a leader that has just died
                // is never answered, and the next attempt goes to the new leader.
                response = f.get(Math.max(1, Math.min(left, attemptTimeout.toNanos())), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                if (deadline - System.nanoTime() > 0 && lb.status().reachable().size() >= lb.status().quorum()) {
                    continue;
                }
                machine.forget(nonce);
                throw noQuorum(c, "not committed within " + commitTimeout.toMillis() + " ms; it may still be "
                        + "applied if the cluster recovers", null);
            } catch (InterruptedException e) {
                machine.forget(nonce);
                Thread.currentThread().interrupt();
                throw noQuorum(c, "interrupted; the change may still be applied", e);
            } catch (Exception e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (lb.status().reachable().size() < lb.status().quorum() || deadline - System.nanoTime() <= 0) {
                    machine.forget(nonce);
                    throw noQuorum(c, submitted ? "not committed; it may still be applied if the cluster recovers"
                            : "nothing was changed", cause);
                }
                pause(Math.min(100, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)));
            }
        }
        Outcome o = ConfigStateMachine.parseResponse(response);
        if (o.code() != 0) {
            // The refusal is the cluster's; this member refuses the entry too when it applies it.
            throw o.reason() != null ? new LoadBalancerException(o.reason(), o.message())
                    : new IllegalArgumentException(o.message());
        }
        try {
            long left = Math.max(1, deadline - System.nanoTime());
            Outcome mine = applied.get(left, TimeUnit.NANOSECONDS);
            machine.awaitEpoch(o.epoch()).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return mine;
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "committed by the cluster (epoch " + o.epoch() + ") but not applied "
                    + "on this member within " + commitTimeout.toMillis() + " ms: " + c);
            return new Outcome(o.code(), o.epoch(), null, null, applied.thenCompose(x -> x.local()));
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoadBalancerException(LoadBalancerException.Reason.NO_QUORUM, "interrupted while waiting for "
                    + "this member to apply a committed change (epoch " + o.epoch() + ")", e);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private LoadBalancerException noQuorum(ConfigCommand c, String outcome, Throwable cause) {
        ClusterStatus s = lb.status();
        String why = cause == null ? "" : " (" + cause.getClass().getSimpleName() + ": " + cause.getMessage() + ")";
        String what = c.changes() ? "change" : "read";
        return new LoadBalancerException(LoadBalancerException.Reason.NO_QUORUM, "no quorum in cluster " + cluster
                + ": " + s.reachable().size() + " of " + s.members().size() + " members reachable "
                + s.reachable() + ", leader " + (s.leader() == null ? "none" : s.leader()) + "; a " + what
                + " needs " + s.quorum() + why + "; " + outcome, cause);
    }
}
