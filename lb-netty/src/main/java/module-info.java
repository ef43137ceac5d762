/**
 * The socket data path of JVS on Netty: {@link io.jvs.netty.NettyLoadBalancer} runs virtual services as a TCP and UDP
 * proxy (full NAT, or NAT with IP_TRANSPARENT) on epoll (Linux), io_uring (on request) or NIO (anywhere).
 *
 * <p>The native transports' modules are required, so that an application on the module path resolves them (their
 * native libraries are resources of those modules; nothing else would resolve them, and epoll would silently be
 * unavailable). They hold no classes; on other platforms the jars are present and unused.
 */
module io.jvs.netty {
    requires transitive io.jvs.core;
    requires io.jvs.api;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.transport;
    requires io.netty.handler;
    requires io.netty.codec;
    requires io.netty.codec.haproxy;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires io.netty.transport.epoll.linux.x86_64;
    requires io.netty.transport.io_uring.linux.x86_64;

    exports io.jvs.netty;
}
