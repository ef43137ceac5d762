/**
 * A cluster of JVS directors: one service table through consensus ({@link io.jvs.cluster.ClusteredLoadBalancer})
 * and the IPVS connection-sync stream ({@link io.jvs.cluster.ConnectionSync}).
 */
package io.jvs.cluster;
