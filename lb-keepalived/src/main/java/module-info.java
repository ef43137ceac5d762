/**
 * keepalived.conf for JVS: reads the LVS part of a keepalived configuration into the checked services of
 * {@code io.jvs.health}. It requires the schedulers module so that every {@code lb_algo} keepalived knows
 * resolves.
 */
module io.jvs.keepalived {
    requires transitive io.jvs.health;
    requires io.jvs.scheduler;

    exports io.jvs.keepalived;
}
