package io.jvs.ipvsadm;

import io.jvs.api.ServiceStatus;
import io.jvs.ipvsadm.internal.Names;
import io.jvs.ipvsadm.internal.Render;
import java.util.Collection;
import java.util.List;

/**
 * Renders a service table as {@code ipvsadm -L -n} prints it, byte for byte: the version header, the two title
 * lines, one line per service and one padded line per real server, sorted as ipvsadm sorts them. For every other
 * listing use {@link Ipvsadm#execute(String...)}.
 *
 * @since 0.1
 */
public final class Listing {

    /** The IPVS version ipvsadm reports; scripts that parse {@code ipvsadm -L} look for it. */
    public static final String VERSION = Render.VERSION;

    private Listing() {}

    /**
     * {@code ipvsadm -L -n}: the whole table.
     *
     * @param services the services, in any order
     * @param connectionTableSize the connection table's size, shown as {@code (size=N)}
     */
    public static String list(Collection<ServiceStatus> services, int connectionTableSize) {
        StringBuilder out = new StringBuilder();
        new Render(Names.none(), out).listAll(List.copyOf(services), connectionTableSize, 1 /* FMT_NUMERIC */);
        return out.toString();
    }
}
