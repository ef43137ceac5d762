package io.jvs.cli.status;

import io.jvs.ipvsadm.internal.LogText;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.handler.timeout.WriteTimeoutHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The daemon's read-only HTTP endpoint: {@code /} the status page, {@code /status.json} the same for tools,
 * {@code /metrics} the Micrometer meters in Prometheus text format, and the page's {@code /status.css} and
 * {@code /status.js}. Only GET and HEAD; nothing here changes the director.
 *
 * <p><b>A monitoring port must never hurt the data path.</b> Whatever its clients do, what it holds is bounded
 * and kept apart from the data path's memory:
 * <ul>
 *   <li>its buffers come from an allocator of its own (unpooled heap), never from the pooled direct memory the
 *       relays use;</li>
 *   <li>a connection has at most one response in flight: while it is being written the server reads nothing more
 *       from that client, and requests it pipelined meanwhile wait, at most {@value #MAX_PIPELINED} of them (one
 *       more closes the connection);</li>
 *   <li>reads are at most 4 KiB, requests at most 8 KiB of headers and no body;</li>
 *   <li>at most {@value #MAX_CONNECTIONS} connections at once (more are closed at once); one that sends nothing
 *       for 30 s, or does not take a response within 10 s, is closed;</li>
 *   <li>out of file descriptors, accepting pauses for a second and resumes (Netty's acceptor does this).</li>
 * </ul>
 * So the worst a client can do costs about {@value #MAX_CONNECTIONS} responses of heap, and the memory defence
 * (which measures heap and direct memory) stays where the data path puts it.
 *
 * <p>Why Netty's HTTP codec and not the JDK's {@code com.sun.net.httpserver}: the daemon already carries Netty
 * and netty-codec-http (lb-health's HTTP checks use it), so this costs no dependency and no module
 * ({@code jdk.httpserver} is absent from jlinked runtimes); it runs on one event-loop thread of its own, so a
 * slow or stalled client costs a channel, not a thread, and cannot delay the data path's event loops. Every
 * response is rendered from in-memory snapshots in well under a millisecond per service.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.cli.status");
    /** Prometheus text exposition format 0.0.4, which every scraper reads. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** Connections served at once. */
    public static final int MAX_CONNECTIONS = 32;
    /** Requests a client may pipeline behind the one being answered. */
    public static final int MAX_PIPELINED = 16;
    static final int READ_TIMEOUT_SECONDS = 30;
    static final int WRITE_TIMEOUT_SECONDS = 10;
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** The status endpoint's own buffers: heap, unpooled, never the data path's pooled direct memory. */
    static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false);

    private final EventLoopGroup group;
    private final Channel channel;
    private final ConnectionLimit limit;

    private StatusServer(EventLoopGroup group, Channel channel, ConnectionLimit limit) {
        this.group = group;
        this.channel = channel;
        this.limit = limit;
    }

    /**
     * Binds {@code address} and serves {@code page} and {@code metrics}.
     *
     * @param metrics renders the Prometheus text; called on the server's event loop for each scrape
     * @throws IOException if the address cannot be bound
     */
    public static StatusServer start(InetSocketAddress address, StatusPage page, Supplier<String> metrics)
            throws IOException {
        Map<String, byte[]> assets = Map.of("/status.css", asset("status.css"), "/status.js", asset("status.js"));
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("jvs-http", true),
                NioIoHandler.newFactory());
        ConnectionLimit limit = new ConnectionLimit();
        ChannelInitializer<Channel> init = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (limit.admit(ch)) {
                    ch.pipeline().addLast(handlers(page, metrics, assets));
                }
            }
        };
        warmUp(init);
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(4096))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(16 * 1024, 64 * 1024))
                .handler(new AcceptPause())
                .childHandler(init);
        try {
            Channel ch = b.bind(address).sync().channel();
            return new StatusServer(group, ch, limit);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot serve HTTP on " + address + ": " + e.getMessage(), e);
        }
    }

    /** A connection's pipeline. */
    private static ChannelHandler[] handlers(StatusPage page, Supplier<String> metrics, Map<String, byte[]> assets) {
        return new ChannelHandler[] {new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS),
            new WriteTimeoutHandler(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS), new HttpServerCodec(4096, 8192, 8192),
            new HttpObjectAggregator(8192), new StatusHandler(page, metrics, assets)};
    }

    /**
     * Serves each page once in memory, so that every class a response needs is loaded now: loading one later may
     * need a file descriptor, and out of descriptors a class that failed to load stays failed, which would leave
     * the endpoint broken after the process ran out of them once.
     */
    private static void warmUp(ChannelHandler init) {
        EmbeddedChannel ch = new EmbeddedChannel(init);
        try {
            for (String path : new String[] {"/", "/status.json", "/metrics", "/status.css", "/nowhere"}) {
                ch.writeInbound(Unpooled.copiedBuffer("GET " + path + " HTTP/1.1\r\nHost: warm-up\r\n\r\n",
                        StandardCharsets.US_ASCII));
                ch.runPendingTasks();
                for (Object out; (out = ch.readOutbound()) != null; ) {
                    ReferenceCountUtil.release(out);
                }
            }
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    /**
     * On the listening channel: when accept() fails (out of file descriptors), accepting pauses for a second and
     * resumes, with one log line at most every 10 s instead of a stack trace per attempt.
     */
    private static final class AcceptPause extends ChannelInboundHandlerAdapter {
        private long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;
        private long failures;

        @Override
        public boolean isSharable() {
            return false;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            failures++;
            Channel server = ctx.channel();
            if (server.config().isAutoRead()) {
                server.config().setAutoRead(false);
                server.eventLoop().schedule(() -> server.config().setAutoRead(true), 1, TimeUnit.SECONDS);
            }
            long now = System.nanoTime();
            if (now - lastLog >= LOG_INTERVAL_NANOS) {
                lastLog = now;
                LOG.log(Level.WARNING, "status page: accept failed (" + LogText.escape(cause.getMessage()) + "); "
                        + "accepting pauses for 1 s and resumes (" + failures + " failures so far; logged at most "
                        + "every 10 s)");
            }
        }
    }

    /** Counts connections in and out; closes one that would be one too many. */
    private static final class ConnectionLimit {
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicLong refused = new AtomicLong();
        private final AtomicLong lastLog = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);

        /** Counts a new connection in, or closes it when {@link #MAX_CONNECTIONS} are open. */
        boolean admit(Channel ch) {
            if (open.incrementAndGet() > MAX_CONNECTIONS) {
                open.decrementAndGet();
                refused.incrementAndGet();
                long now = System.nanoTime();
                long last = lastLog.get();
                if (now - last >= LOG_INTERVAL_NANOS && lastLog.compareAndSet(last, now)) {
                    LOG.log(Level.WARNING, "status page: " + MAX_CONNECTIONS + " connections are open; closed one "
                            + "from " + LogText.escape(ch.remoteAddress()) + " (" + refused.get() + " refused so far; "
                            + "logged at most every 10 s)");
                }
                ch.close();
                return false;
            }
            ch.closeFuture().addListener(f -> open.decrementAndGet());
            return true;
        }
    }

    private static byte[] asset(String name) {
        try (InputStream in = StatusServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    /** Connections refused since the start because {@link #MAX_CONNECTIONS} were open. */
    public long refusedConnections() {
        return limit.refused.get();
    }

    /** Stops listening and closes every connection, within a few seconds whatever the clients do. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
