package io.jvs.core.internal;

import io.jvs.core.StateSync;
import io.jvs.core.SyncPolicy;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * IPVS's decision whether to send a connection to the other directors ({@code ip_vs_sync_conn} and
 * {@code ip_vs_sync_conn_needed}), run after every inbound packet of a connection: the connection itself if its
 * state or packet count says so, then its controlling template. Allocates nothing; the {@link StateSync} is called
 * on the packet's thread.
 *
 * <p>Unlike IPVS, SYN_RECV is synced too (keepalived issue #98: a backup that knows no half-open connection), so a
 * connection is published as soon as it is placed.
 */
final class SyncRules {

    private static final long TEN_SECONDS = TimeUnit.SECONDS.toNanos(10);
    /** The TCP states IPVS syncs, plus SYN_RECV. */
    private static final int SYNCED_STATES = 1 << TcpStates.ESTABLISHED | 1 << TcpStates.FIN_WAIT
            | 1 << TcpStates.CLOSE | 1 << TcpStates.CLOSE_WAIT | 1 << TcpStates.TIME_WAIT | 1 << TcpStates.SYN_RECV;

    private final StateSync sync;
    private final int threshold;
    private final int period;
    private final long refreshNanos;
    private final int retries;
    private final boolean persistMode;
    private final ServiceLog log;

    SyncRules(StateSync sync, SyncPolicy p, io.jvs.api.Ticker ticker) {
        this.sync = sync;
        this.threshold = p.threshold();
        this.period = p.period();
        this.refreshNanos = p.refreshPeriod().toNanos();
        this.retries = p.retries();
        this.persistMode = p.persistMode();
        this.log = new ServiceLog(ticker);
    }

    /** The packet count a synced entry starts with (IPVS sets {@code in_pkts} to {@code sync_threshold}). */
    int threshold() {
        return threshold;
    }

    /** One inbound packet of {@code cp} went through (its state already ran on it). */
    void input(ConnectionEntry cp, long now) {
        int pkts;
        ConnectionEntry c = cp;
        if ((c.flags() & TableEntry.ONE_PACKET) != 0) {
            pkts = threshold;
            c = c.control();
            if (c == null) {
                return;
            }
            pkts = c.countInPacket();
        } else {
            pkts = c.countInPacket();
        }
        for (;;) {
            if (needed(c, pkts, now)) {
                publish(c);
            }
            c = c.control();
            if (c == null) {
                return;
            }
            pkts = c.isTemplate() ? c.countInPacket() : threshold;
        }
    }

    private void publish(ConnectionEntry c) {
        try {
            sync.changed(c);
        } catch (RuntimeException | LinkageError e) {
            if (log.due()) {
                log.write(Level.ERROR, "connection sync failed: " + e);
            }
        }
    }

    /** IPVS {@code ip_vs_sync_conn_needed}, in nanoseconds of the ticker. */
    private boolean needed(ConnectionEntry cp, int pkts, long now) {
        long orig = cp.syncEnd();
        long timeout = cp.timeoutSeconds() * 1_000_000_000L;
        long n = (now + timeout) & ~3L;
        int f = cp.flags();
        boolean template = (f & TableEntry.TEMPLATE) != 0;
        int state = f & TableEntry.STATE_MASK;
        boolean force;
        if (template) {
            force = false;
        } else if (persistMode && cp.control() != null) {
            return false;
        } else if (cp.protocol == TableEntry.TCP) {
            if ((SYNCED_STATES & 1 << state) == 0) {
                return false;
            }
            force = state != cp.syncedState;
            if (force && state != TcpStates.ESTABLISHED) {
                return set(cp, state, orig, n, true);
            }
        } else {
            force = false;
        }
        if (refreshNanos > 0) {
            long diff = n - orig;
            long minDiff = Math.max(timeout >> 1, TEN_SECONDS);
            if (Math.abs(diff) < Math.min(refreshNanos, minDiff)) {
                int tries = (int) (orig & 3);
                if (tries >= retries) {
                    return false;
                }
                if (now - (orig - timeout + (refreshNanos >> 3)) < 0) {
                    return false;
                }
                n |= tries + 1;
            }
        }
        if (period > 0) {
            if (!template && pkts % period != threshold) {
                return false;
            }
        } else if (refreshNanos == 0 && pkts != threshold) {
            return false;
        }
        return set(cp, state, orig, n, force);
    }

    private static boolean set(ConnectionEntry cp, int state, long orig, long n, boolean force) {
        cp.syncedState = state;
        return cp.casSyncEnd(orig, n) || force;
    }
}
