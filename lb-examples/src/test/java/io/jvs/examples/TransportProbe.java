package io.jvs.examples;

import io.jvs.netty.NettyLoadBalancer;

/** Prints the transport {@code NettyLoadBalancer.builder().build()} picks: run by {@link ModulePathTest}. */
public final class TransportProbe {

    private TransportProbe() {}

    public static void main(String[] args) {
        try (NettyLoadBalancer lb = NettyLoadBalancer.builder().build()) {
            System.out.println("transport " + lb.transport());
        }
    }
}
