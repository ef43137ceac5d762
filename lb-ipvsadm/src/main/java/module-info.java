/**
 * The ipvsadm command language for JVS: {@link io.jvs.ipvsadm.Ipvsadm} parses, checks and applies ipvsadm command
 * lines to a load balancer and renders ipvsadm's listings byte for byte; {@link io.jvs.ipvsadm.AdminServer} and
 * {@link io.jvs.ipvsadm.AdminClient} carry them over an admin socket.
 */
module io.jvs.ipvsadm {
    requires transitive io.jvs.api;
    requires jdk.net;

    exports io.jvs.ipvsadm;
}
