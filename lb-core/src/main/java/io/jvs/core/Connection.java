package io.jvs.core;

import io.jvs.api.Destination;
import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import java.net.InetSocketAddress;

/**
 * One entry of the director's connection table: a client connection or UDP flow placed on a real server (IPVS
 * {@code struct ip_vs_conn}). The data path reports what happens to it; the director runs the IPVS state machine
 * on these reports, keeps the server's ActiveConn/InActConn counters, the traffic statistics and the entry's
 * expiry.
 *
 * <p>Report from one thread at a time (the thread that handles the flow). Reports after the entry expired are
 * ignored. <b>An entry outlives its sockets</b>: after {@link #onClosed()} it stays in the table in its last state
 * (TIME_WAIT after an orderly close, CLOSE after a reset) until that state's timeout, counting in InActConn, as an
 * IPVS entry does; {@code ipvsadm -L -c} lists it meanwhile.
 *
 * <h2>TCP: socket events and the IPVS state machine</h2>
 *
 * A socket data path cannot see TCP flags, so each event stands for the segments IPVS would have seen, and those
 * are run through the kernel's state table ({@code INPUT} = client to server, {@code OUTPUT} = server to client):
 *
 * <table>
 *   <caption>Socket events and the segments they stand for</caption>
 *   <tr><th>event</th><th>segments</th><th>usual state after it</th></tr>
 *   <tr><td>{@link RunningService#open} (client accepted)</td><td>INPUT syn</td><td>SYN_RECV (active)</td></tr>
 *   <tr><td>{@link #onBackendConnected()}</td><td>OUTPUT syn (the server's SYN+ACK), INPUT ack; nothing if
 *       client data or a client FIN reported before it already moved the entry past SYN_RECV</td>
 *       <td>ESTABLISHED</td></tr>
 *   <tr><td>{@link #countInbound} / {@link #countOutbound}</td><td>INPUT ack / OUTPUT ack</td><td>unchanged</td></tr>
 *   <tr><td>{@link #onClientFin()}</td><td>INPUT fin, OUTPUT ack</td><td>CLOSE_WAIT (inactive)</td></tr>
 *   <tr><td>{@link #onServerFin()}</td><td>OUTPUT fin, INPUT ack</td><td>FIN_WAIT, or TIME_WAIT after the
 *       client's FIN</td></tr>
 *   <tr><td>{@link #onClientReset()} ({@link #onReset()})</td><td>INPUT rst</td><td>CLOSE</td></tr>
 *   <tr><td>{@link #onServerReset()}</td><td>OUTPUT rst</td><td>CLOSE</td></tr>
 *   <tr><td>{@link #reschedule()} returning false</td><td>OUTPUT rst (the last server refused)</td>
 *       <td>CLOSE</td></tr>
 *   <tr><td>{@link #onClosed()}</td><td>none; an entry still in NONE, LISTEN or an active state (closed with no
 *       FIN or reset reported) is set to CLOSE</td><td>unchanged, or CLOSE</td></tr>
 * </table>
 *
 * Every segment re-arms the entry's timer with its state's timeout (ESTABLISHED 900 s, FIN_WAIT 120 s, ...;
 * {@code --set tcp tcpfin udp} changes three of them, taken at the next packet).
 *
 * <h2>Idle timeouts</h2>
 *
 * When an entry expires while a {@link Closer} is {@linkplain #attach attached} (its sockets are still open: the
 * connection was idle for its state's whole timeout, or {@code expire_nodest_conn} swept it), the director calls
 * {@link Closer#close close(true)}: a <b>reset</b>, not an orderly close. An IPVS client would get a reset on its
 * next segment once the entry is gone, and a FIN could make a truncated response look complete to the peers.
 *
 * <h2>UDP</h2>
 *
 * Call {@link RunningService#open} for every datagram from a client: it returns the client's live flow (the same
 * object as before) or places a new one (state UDP, always counted in InActConn). Then {@link #countInbound}
 * counts the datagram and re-arms the flow for the UDP timeout (300 s); {@link #countOutbound} does the same for
 * each reply. {@link #attached()} tells whether the flow already has the data path's state (its socket to the
 * real server): null for a new flow, or after {@link #onClosed()}. When the flow expires the director calls the
 * closer, so the data path can release that socket. TCP events are ignored for UDP flows. One-packet services
 * ({@code VirtualService.isOnePacket()}) return a new connection for every datagram that is never entered in the
 * table: it is counted as a scheduled connection, never listed, never counted in InActConn, and needs no
 * {@link #onClosed()}.
 *
 * <h2>Statistics</h2>
 *
 * For a socket data path a "packet" is one relay read: {@link #countInbound} for each read from the client,
 * {@link #countOutbound} for each read from the real server, with the bytes read. As in IPVS, traffic of a
 * connection whose real server was deleted is not counted.
 *
 * @since 0.1
 */
public interface Connection {

    /** The service the connection belongs to. */
    ServiceId service();

    /** The protocol. */
    Protocol protocol();

    /** The client's address and port (a new object on each call). */
    InetSocketAddress client();

    /** The address and port the client reached (a new object on each call). */
    InetSocketAddress virtual();

    /** The real server the connection was placed on. */
    Destination destination();

    /**
     * Where to connect: the real server's address and port, or the port the client reached when the real
     * server's port is 0 (and, for persistent firewall-mark and port-0 services, always the port the client
     * reached, as in IPVS).
     */
    InetSocketAddress destinationAddress();

    /**
     * The connection to the real server could not be made (refused, unreachable, timed out). Counts a failure
     * against that server and places the connection on another one: the scheduler's pick if it was not tried
     * yet, else the next usable untried server in list order. The connection stays in SYN_RECV, and connects to the
     * port a new connection to that server would get (the real server's port, or for persistent firewall-mark and
     * port-0 services the port the client reached). A persistent client's template moves with it (the kernel has no
     * such retry): the client's next connection goes to the server this one now has.
     *
     * <p>UDP: call it when the flow's server answered with an ICMP port unreachable (connection refused on the
     * data path's connected socket). The flow moves the same way and stays in state UDP, re-armed; its next
     * datagram goes to the new server. A reply from the flow's server forgets the servers tried before, so a long
     * flow can come back to a server that recovered. For a one-packet connection only the failure is counted
     * (false is returned): the datagram is not sent again, and the next one is scheduled on its own.
     *
     * @return true when another server was picked ({@link #destination()} and {@link #destinationAddress()}
     *     changed); false when every usable server was tried: a TCP entry then moves to CLOSE, as after the
     *     server's reset, and the data path closes the client; a UDP flow stays on its server
     */
    boolean reschedule();

    /**
     * Gives the director a way to close this connection's sockets, for closes it decides on (idle timeout,
     * {@code expire_nodest_conn}). Call right after {@link RunningService#open} for a new connection; a
     * later call replaces the closer.
     */
    void attach(Closer closer);

    /**
     * The closer attached to this connection, or null if none is: a new flow, or one whose sockets were released
     * with {@link #onClosed()}, or one that expired. A UDP data path attaches its per-flow state here.
     *
     * @since 0.1
     */
    default Closer attached() {
        return null;
    }

    /**
     * Whether this connection stands for one datagram of a one-packet service ({@code -o}): it is not in the table,
     * needs no closer, and {@link RunningService#open} returns a new one, scheduled on its own, for the client's
     * next datagram. A data path that keeps per-client state (the socket replies come back on) keeps it itself.
     *
     * @since 0.1
     */
    default boolean isOnePacket() {
        return false;
    }

    /** Closes a connection's sockets when the director asks. */
    @FunctionalInterface
    interface Closer {
        /**
         * Closes both legs of the connection; {@code reset} asks for a reset (RST) instead of an orderly close.
         * May be called from any thread (the director's timer thread); the data path moves the work to the
         * connection's own thread. Must not block.
         */
        void close(boolean reset);
    }

    /** The connection to the real server is established: the connection becomes ESTABLISHED (active). */
    void onBackendConnected();

    /** The client half-closed (sent FIN). */
    void onClientFin();

    /** The real server half-closed (sent FIN). */
    void onServerFin();

    /**
     * A reset ended the connection, when the data path cannot tell which side sent it; treated as the client's
     * ({@link #onClientReset()}).
     */
    void onReset();

    /**
     * The client reset the connection (or its leg failed); the director resets the server's leg.
     *
     * @since 0.1
     */
    default void onClientReset() {
        onReset();
    }

    /**
     * The real server reset the connection (or its leg failed); the director resets the client's leg.
     *
     * @since 0.1
     */
    default void onServerReset() {
        onReset();
    }

    /**
     * Both sockets are closed: the closer is detached. The entry stays in the table until its state's timeout
     * (see above).
     */
    void onClosed();

    /**
     * {@link #onClosed()} from the data path state {@code closer}, which may have been replaced meanwhile: only if
     * {@code closer} is still the attached closer (atomically) is it detached and the connection closed; otherwise
     * the connection now belongs to its new closer (a UDP flow formed on another event loop) and nothing changes.
     *
     * @since 0.1
     */
    default void onClosed(Closer closer) {
        if (attached() == closer) {
            onClosed();
        }
    }

    /**
     * Counts one read of {@code bytes} relayed from the client to the real server (one packet, for statistics) and
     * re-arms the entry's timer. Allocates nothing and takes no lock.
     */
    void countInbound(int bytes);

    /** Counts one read of {@code bytes} relayed from the real server to the client; as {@link #countInbound}. */
    void countOutbound(int bytes);
}
