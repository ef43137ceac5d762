package io.jvs.netty;

/**
 * The I/O transport a {@link NettyLoadBalancer} runs on.
 *
 * @since 0.1
 */
public enum Transport {
    /** epoll where it is available (Linux), otherwise NIO. The default. */
    AUTO,
    /** Linux epoll; fails at build time where it is not available. */
    EPOLL,
    /**
     * Linux io_uring; fails at build time where it is not available. Opt-in: on the machines measured it was no
     * faster than epoll for relaying, and it lacks {@code IP_BIND_ADDRESS_NO_PORT}.
     */
    IO_URING,
    /** Java NIO, available everywhere. */
    NIO
}
