package io.jvs.core;

import io.jvs.api.Refusal;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A running virtual service as its data path sees it ({@link DataPath#bind}): what the data path asks the director
 * for every new client connection and, on a packet data path, every packet. Thread-safe: its methods are called from
 * any data-path thread while the control plane changes the service.
 *
 * <h2>The pipeline</h2>
 *
 * Every data path, socket or packet, asks the same question through {@link #open}, and the director answers it in one
 * order, as IPVS answers a packet ({@code ip_vs_in}):
 *
 * <ol>
 *   <li><b>Look-up.</b> A live entry with the request's key (protocol, client address and port, virtual address and
 *       port) is the connection: its TCP state runs on the request's flags, the packet is counted, and
 *       {@link Outcome#FOUND} is returned. A TCP SYN that meets an entry in TIME_WAIT or CLOSE not controlled by a
 *       persistence template ({@code conn_reuse_mode}), or one whose server is deleted or (with
 *       {@code expireNodestConn}) quiesced, expires it and goes on as a new connection; one that meets an entry whose
 *       sockets are still attached leaves it alone and goes on as a new connection beside it (two upstream
 *       connections whose PROXY headers name one client both live). A SYN that meets any other finished entry (its
 *       sockets closed, or TIME_WAIT or CLOSE under a template) is a new connection on it and is admitted again; a SYN
 *       that meets an entry in SYN_RECV is the client's retransmission and only finds it. A flow whose server was
 *       deleted is refused ({@link Outcome#SERVER_DELETED}) until it expires.</li>
 *   <li><b>Admission</b>, for a new connection (a TCP SYN, or a UDP datagram with no entry): the service's access
 *       lists, the memory defence, the per-source limits, the service's connection limit. A TCP segment without SYN
 *       is refused ({@link Outcome#NOT_SYN}).</li>
 *   <li><b>Placement</b>: through the client's persistence template if the service is persistent (no scheduler call
 *       while the template is valid), else by the scheduler; the connection port (the real server's, or the
 *       client's for port-0 servers and persistent groups).</li>
 *   <li><b>Insert</b> into the connection table, unless it is full: the entry counts as a scheduled connection and in
 *       its server's InActConn, then runs its first packet (TCP: SYN_RECV, active; UDP: state UDP, 300 s).
 *       {@link Outcome#PLACED}.</li>
 * </ol>
 *
 * Each refusal is counted under its {@link Refusal} before {@code open} returns. A one-packet service ({@code -o})
 * places every UDP datagram on its own and keeps no entry (see {@link Connection#isOnePacket()}).
 *
 * <p>{@code open} allocates nothing when it finds a live entry or refuses a new flow (admission and placement run on
 * the calling thread's reused state): only a placed connection allocates, its entry (one object of about 100 bytes,
 * and a persistence template when the client has none yet; one per datagram on a one-packet service).
 *
 * @since 0.1
 */
public interface RunningService {

    /** The service's id. */
    ServiceId id();

    /** The service's current definition (built on demand: call it on a control path, not per packet). */
    VirtualService service();

    /**
     * The service's current settings without its real servers: scheduler, persistence, defences. Cheap enough to
     * read once per new connection; the default builds it with {@link #service()}.
     */
    default VirtualService settings() {
        return service().withRealServers(List.of());
    }

    /**
     * Finds or places the connection of {@code request}, as the class documentation describes: the answer is
     * returned and {@link FlowRequest#connection()} holds the connection when it is admitted. Never null.
     */
    Outcome open(FlowRequest request);

    /**
     * Finds the live entry of {@code request}'s key and nothing more: no state runs, no timer restarts, nothing is
     * placed ({@link Outcome#FOUND} or {@link Outcome#NO_ENTRY}). For packets that belong to a flow but do not move
     * it, such as an ICMP error about it that is relayed to its real server; with {@link FlowRequest#packetBytes} set
     * the packet counts in the statistics (InPkts, InBytes), as IPVS counts a relayed ICMP error.
     */
    Outcome lookup(FlowRequest request);

    /**
     * The first check of a client that a socket data path accepted, before it reads a byte: a service that reads
     * PROXY protocol headers admits only its trusted upstreams ({@link io.jvs.api.Defences#proxyProtocolSources()});
     * any other service admits every peer. {@link Outcome#ADMITTED} or {@link Outcome#UNTRUSTED_PROXY} (counted).
     */
    Outcome admitPeer(InetSocketAddress peer);

    /**
     * Counts a refusal the data path made itself (a {@link Refusal#PROXY_HEADER} that never came, its own
     * {@link Refusal#FLOW_LIMIT}), so that it shows with the director's own refusals.
     */
    void refused(Refusal reason);

    /**
     * Whether the service carries its {@linkplain io.jvs.api.Defences#maxConnections() most connections} now: a
     * socket data path stops accepting while it does, and accepts again once a connection ends.
     */
    boolean atConnectionLimit();
}
