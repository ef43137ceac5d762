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
     * Places a new client connection or flow: picks its real server with the service's scheduler and accounts
     * for it (the server's InActConn and connection counters go up, as for a new IPVS connection).
     *
     * @param protocol the protocol the client used
     * @param client the client's address and port
     * @param virtual the address and port the client reached (the endpoint)
     * @return the connection, or {@code null} when no real server is available or the service was deleted;
     *     the data path then refuses the client
     */
    Connection open(Protocol protocol, InetSocketAddress client, InetSocketAddress virtual);
}
