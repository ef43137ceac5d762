package io.jvs.core;

import io.jvs.api.Protocol;
import io.jvs.api.ServiceId;
import io.jvs.api.VirtualService;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * A running virtual service as its data path sees it. Thread-safe: {@link #open} is called from any data-path
 * thread while the control plane changes the service.
 *
 * @since 0.1
 */
public interface ServiceBinding {

    /** The service's id. */
    ServiceId id();

    /** The service's current definition (built on demand: call it on a control path, not per packet). */
    VirtualService service();

    /**
     * The service's current settings without its real servers: scheduler, persistence, limits, PROXY protocol
     * sources. Cheap enough to read once per new connection; the default builds it with {@link #service()}.
     *
     * @since 0.1
     */
    default VirtualService settings() {
        return service().withRealServers(List.of());
    }

    /**
     * Finds or places the connection of a new client connection (TCP: call once per accepted socket) or of one
     * datagram (UDP: call for every datagram), as IPVS does for a packet:
     *
     * <ol>
     *   <li>If the table has a live entry with this key (protocol, client address and port, virtual address and
     *       port), it is returned: for UDP, the client's flow, re-armed by {@link Connection#countInbound}; for
     *       TCP, the same entry runs the new SYN through its state machine, unless it is in TIME_WAIT or CLOSE and
     *       not controlled by a persistence template ({@code conn_reuse_mode}), or still has sockets attached,
     *       or its server is quiesced or deleted while {@code expireNodestConn} is on: then it is expired and the
     *       client is placed anew. A flow whose server was deleted returns null (its datagrams are dropped, as in
     *       IPVS) until it expires.</li>
     *   <li>Otherwise the service places it: through the client's persistence template if the service is
     *       persistent (no scheduler call while the template is valid), else with the scheduler. The new entry is
     *       counted as a scheduled connection, in the server's InActConn, and then runs its first packet (TCP:
     *       SYN_RECV, active; UDP: state UDP, inactive, 300 s).</li>
     *   <li>A one-packet service ({@code -o}) schedules every UDP datagram on its own and keeps no entry; see
     *       {@link Connection}.</li>
     * </ol>
     *
     * <p>Allocates nothing when it finds a live IPv4 flow; a new entry is one object of about 100 bytes.
     *
     * @param protocol the protocol the client used
     * @param client the client's address and port
     * @param virtual the address and port the client reached (the endpoint)
     * <p>Before a new connection or flow is placed the service's defences admit it: its access lists (checked for
     * every TCP connection, and for UDP when a new flow starts), the memory defence, then its per-source limits;
     * each refusal is counted ({@link io.jvs.api.LoadBalancer#defences()}).
     *
     * @return the connection, or {@code null} when the service's defences refused it, no real server is available,
     *     the service was deleted, the connection table is full, or the flow's server was deleted; the data path
     *     then refuses the client (TCP) or drops the datagram (UDP)
     */
    Connection open(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual);
}
