/**
 * The socket data path of JVS on Netty: {@link io.jvs.netty.NettyLoadBalancer} runs virtual services as a
 * full-NAT TCP proxy on epoll (Linux), io_uring (on request) or NIO (anywhere).
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

    exports io.jvs.netty;
}
