/**
 * The Netty data path: {@link io.jvs.netty.NettyLoadBalancer} runs {@link io.jvs.api.VirtualService}s as a
 * full-NAT TCP proxy. Event-loop threads are named {@code jvs-io-*}; each client connection and its connection to
 * the real server live on one event loop.
 */
package io.jvs.netty;
