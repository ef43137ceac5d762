/**
 * Several JVS directors as one cluster: {@link io.jvs.cluster.ClusteredLoadBalancer} commits every change of the
 * service table through Raft (jgroups-raft) and applies it on each member in log order, and
 * {@link io.jvs.cluster.ConnectionSync} carries IPVS sync messages (format v1, v0 decoded) between the members over
 * JGroups, with state transfer for a member that joins.
 */
module io.jvs.cluster {
    requires transitive io.jvs.api;
    requires transitive io.jvs.core;
    requires transitive io.jvs.ipvsadm;
    requires org.jgroups;
    requires org.jgroups.raft;

    exports io.jvs.cluster;
}
