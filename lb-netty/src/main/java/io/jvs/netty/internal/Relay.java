package io.jvs.netty.internal;

import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;

/**
 * One relayed TCP client connection, as the rest of the data path sees it: a {@link TcpRelay} over Netty channels or
 * a {@link LeanRelay} over raw descriptors. The {@link AcceptGate} holds it at its service's connection limit, its
 * {@link LoopState} links it in the loop's list of live relays, and the director closes it through
 * {@link Connection.Closer}. Confined to its event loop but for {@link #close} and {@link #retryAfterHold}, which may
 * be called from any thread.
 */
abstract class Relay implements Connection.Closer {

    final RelayContext context;
    final ServiceState service;
    final LoopState loop;
    /** Whether the client waits at its service's connection limit ({@link AcceptGate#hold}). */
    boolean held;
    /** Links in {@link LoopState}'s list of live relays. */
    Relay prev;
    Relay next;

    Relay(RelayContext context, ServiceState service, LoopState loop) {
        this.context = context;
        this.service = service;
        this.loop = loop;
    }

    /** Asks the director for the client's connection (again, after a hold). On the relay's loop. */
    abstract void open();

    /**
     * Asks the director for {@code request}: the connection, attached to this relay, if it was admitted; null if the
     * client waits at its service's connection limit (it asks again when a place is free) or was refused (and
     * reset, as IPVS refuses with an ICMP unreachable or a reset).
     */
    final Connection admit(FlowRequest request) {
        Outcome o = service.service.open(request);
        if (o == Outcome.SERVICE_LIMIT) {
            context.gate().hold(service, this);
            return null;
        }
        if (!o.admitted()) {
            context.counters().count(o); // the director counted it for its service already
            abortClient();
            return null;
        }
        Connection c = request.connection();
        c.attach(this);
        return c;
    }

    /** Whether the connection is over, or its client gone, so that a held client is not asked for again. */
    abstract boolean isOver();

    /** Resets the client: a refusal, or no real server could be had. */
    abstract void abortClient();

    /**
     * A place under the service's limit may be free: ask the director again, on the relay's loop; a relay whose data
     * path is closing ({@code dataPathClosed}) or whose client is gone is reset instead, and passes the place on.
     */
    final void retryAfterHold(boolean dataPathClosed) {
        Runnable retry = () -> {
            context.gate().unheld(this);
            if (isOver() || dataPathClosed) {
                abortClient();
                context.gate().placeFreed(service); // pass the place on to the next held client
                return;
            }
            open();
        };
        if (loop.loop.inEventLoop()) {
            retry.run();
        } else {
            loop.loop.execute(retry);
        }
    }

    /**
     * The relay's last socket closed: it leaves its loop's list, {@code conn} (null if it never had one) hears of it,
     * and its place is freed. {@code hadServer}: whether a real server was connected (two descriptors freed).
     */
    final void ended(Connection conn, boolean hadServer) {
        loop.unlink(this);
        if (conn != null) {
            conn.onClosed();
        }
        if (held) {
            context.gate().unheld(this); // it waited and left: it is counted open again for the moment it ends
        }
        context.gate().relayFinished(service, hadServer);
    }
}
