package io.jvs.cluster;

import io.jvs.core.StateSync;
import io.jvs.core.SyncTarget;

/**
 * Joins a director to the connection-sync stream: give it to the director ({@code Director.Builder.stateSync}, or
 * {@code NettyLoadBalancer.builder().director(d -> d.stateSync(hook))}) and to
 * {@link ClusteredLoadBalancer.Builder#connectionSync}. The director publishes through it; the stream, while a
 * master role runs ({@code jvsadm --start-daemon master}), sends what it publishes, and applies what the others send
 * to the director's table it was {@linkplain #attached attached} to.
 *
 * <p>While no stream runs a publication costs one volatile read. Thread-safe.
 *
 * @since 0.1
 */
public final class SyncHook implements StateSync {

    private volatile ConnectionSync stream;
    private volatile SyncTarget target;

    private SyncHook() {}

    /** A hook with no stream yet. */
    public static SyncHook create() {
        return new SyncHook();
    }

    @Override
    public void changed(Entry entry) {
        ConnectionSync s = stream;
        if (s != null) {
            s.publish(entry);
        }
    }

    @Override
    public void attached(SyncTarget t) {
        if (target != null && target != t) {
            throw new IllegalStateException("stateSync: this SyncHook is already attached to another director");
        }
        target = t;
    }

    /** The director's receive side, or null before the director is built. */
    SyncTarget target() {
        return target;
    }

    /**
     * Sends what the director publishes to {@code s} from now on ({@code null}: nowhere). The sync daemon of a
     * {@link ClusteredLoadBalancer} does this itself; call it only with a {@link ConnectionSync} of your own.
     */
    public void stream(ConnectionSync s) {
        stream = s;
    }

    @Override
    public String toString() {
        return "SyncHook[" + (stream == null ? "no stream" : "streaming") + "]";
    }
}
