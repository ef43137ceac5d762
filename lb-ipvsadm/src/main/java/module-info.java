/** The ipvsadm command language for JVS: listings in ipvsadm's exact layouts. */
module io.jvs.ipvsadm {
    requires transitive io.jvs.api;

    exports io.jvs.ipvsadm;
}
