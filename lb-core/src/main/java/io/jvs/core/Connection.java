package io.jvs.core;

import io.jvs.api.Destination;
import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import java.net.InetSocketAddress;

/**
 * One client connection (or UDP flow) placed on a real server. The data path reports what happens to it; the
 * director keeps the server's ActiveConn/InActConn counters and the traffic statistics from these reports.
 *
 * <p>A connection is confined to one data-path thread: call its methods from the thread that opened it. Every
 * report is idempotent once the connection is {@link #onClosed() closed}.
 *
 * <h2>TCP events and IPVS states</h2>
 *
 * A socket data path cannot see TCP flags, so it reports socket events, which stand for the segments IPVS would
 * have seen: the accepted client is a SYN (the connection starts inactive, as in IPVS); a connected backend is the
 * real server's SYN+ACK and the client's ACK (it becomes active: ESTABLISHED); a FIN or reset from either side
 * makes it inactive; {@link #onClosed()} ends it.
 *
 * @since 0.1
 */
public interface Connection {

    /** The service the connection belongs to. */
    ServiceId service();

    /** The protocol. */
    Protocol protocol();

    /** The client's address and port. */
    InetSocketAddress client();

    /** The address and port the client reached. */
    InetSocketAddress virtual();

    /** The real server the connection was placed on. */
    Destination destination();

    /**
     * Where to connect: the real server's address and port, or the port the client reached when the real
     * server's port is 0.
     */
    InetSocketAddress destinationAddress();

    /**
     * The connection to the real server could not be made (refused, unreachable, timed out). Counts a failure
     * against that server and places the connection on another one: the scheduler's pick if it was not tried
     * yet, else the next usable untried server in list order.
     *
     * @return true when another server was picked ({@link #destination()} and {@link #destinationAddress()}
     *     changed); false when every usable server was tried, and the connection is then closed
     */
    boolean reschedule();

    /**
     * Gives the director a way to close this connection's sockets, for closes it decides on (an idle timeout,
     * a table flush). Call once, right after {@link ServiceBinding#open}.
     */
    void attach(Closer closer);

    /** Closes a connection's sockets when the director asks. */
    @FunctionalInterface
    interface Closer {
        /**
         * Closes both legs of the connection; {@code reset} asks for a reset (RST) instead of an orderly close.
         * May be called from any thread; the data path moves the work to the connection's own thread.
         */
        void close(boolean reset);
    }

    /** The connection to the real server is established: the connection becomes active. */
    void onBackendConnected();

    /** The client half-closed (sent FIN). */
    void onClientFin();

    /** The real server half-closed (sent FIN). */
    void onServerFin();

    /** Either side reset the connection. */
    void onReset();

    /** Both sides are closed; the connection leaves the server's counters. */
    void onClosed();

    /** Counts one read of {@code bytes} relayed from the client to the real server (a packet, for statistics). */
    void countInbound(int bytes);

    /** Counts one read of {@code bytes} relayed from the real server to the client. */
    void countOutbound(int bytes);
}
