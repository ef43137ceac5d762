package io.jvs.cli.status;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
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
import java.util.function.Supplier;

/**
 * The daemon's read-only HTTP endpoint: {@code /} the status page, {@code /status.json} the same for tools,
 * {@code /metrics} the Micrometer meters in Prometheus text format, and the page's {@code /status.css} and
 * {@code /status.js}. Only GET and HEAD; nothing here changes the director.
 *
 * <p>Why Netty's HTTP codec and not the JDK's {@code com.sun.net.httpserver}: the daemon already carries Netty
 * and netty-codec-http (lb-health's HTTP checks use it), so this costs no dependency and no module
 * ({@code jdk.httpserver} is absent from jlinked runtimes); it runs on one event-loop thread of its own, so a
 * slow or stalled client costs a channel, not a thread, and cannot delay the data path's event loops; and it
 * bounds what a client may send (8 KiB headers, no body, 30 s to send a request). Every response is rendered
 * from in-memory snapshots in well under a millisecond per service, so rendering on the event loop is fine.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = System.getLogger("io.jvs.cli.status");
    /** Prometheus text exposition format 0.0.4, which every scraper reads. */
    public static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final EventLoopGroup group;
    private final Channel channel;

    private StatusServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
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
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 64)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                                .addLast(new HttpServerCodec(4096, 8192, 8192))
                                .addLast(new HttpObjectAggregator(8192))
                                .addLast(new Handler(page, metrics, assets));
                    }
                });
        try {
            Channel ch = b.bind(address).sync().channel();
            return new StatusServer(group, ch);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot serve HTTP on " + address + ": " + e.getMessage(), e);
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

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final StatusPage page;
        private final Supplier<String> metrics;
        private final Map<String, byte[]> assets;

        Handler(StatusPage page, Supplier<String> metrics, Map<String, byte[]> assets) {
            this.page = page;
            this.metrics = metrics;
            this.assets = assets;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!request.decoderResult().isSuccess()) {
                send(ctx, request, HttpResponseStatus.BAD_REQUEST, "text/plain; charset=utf-8",
                        bytes("bad request\n"), false);
                return;
            }
            boolean head = request.method().equals(HttpMethod.HEAD);
            if (!head && !request.method().equals(HttpMethod.GET)) {
                FullHttpResponse r = response(request, HttpResponseStatus.METHOD_NOT_ALLOWED,
                        "text/plain; charset=utf-8", bytes("read-only: GET and HEAD only\n"), false);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                write(ctx, request, r);
                return;
            }
            String path = new QueryStringDecoder(request.uri()).path();
            try {
                switch (path) {
                    case "/":
                        send(ctx, request, HttpResponseStatus.OK, "text/html; charset=utf-8", bytes(page.html()), head);
                        break;
                    case "/status.json":
                        send(ctx, request, HttpResponseStatus.OK, "application/json", bytes(page.json()), head);
                        break;
                    case "/metrics":
                        send(ctx, request, HttpResponseStatus.OK, PROMETHEUS_TEXT, bytes(metrics.get()), head);
                        break;
                    case "/status.css":
                        send(ctx, request, HttpResponseStatus.OK, "text/css; charset=utf-8", assets.get(path), head);
                        break;
                    case "/status.js":
                        send(ctx, request, HttpResponseStatus.OK, "text/javascript; charset=utf-8", assets.get(path),
                                head);
                        break;
                    default:
                        send(ctx, request, HttpResponseStatus.NOT_FOUND, "text/plain; charset=utf-8",
                                bytes("not found; try / /status.json /metrics\n"), head);
                }
            } catch (RuntimeException e) {
                LOG.log(Level.ERROR, "rendering " + path + " failed", e);
                send(ctx, request, HttpResponseStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
                        bytes("internal error: " + e + "\n"), head);
            }
        }

        private static byte[] bytes(String s) {
            return s.getBytes(StandardCharsets.UTF_8);
        }

        private static void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status,
                String type, byte[] body, boolean head) {
            write(ctx, request, response(request, status, type, body, head));
        }

        /** A complete response; for HEAD the headers of the GET response without its body. */
        private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String type,
                byte[] body, boolean head) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
                    .set("X-Content-Type-Options", "nosniff")
                    .set("Referrer-Policy", "no-referrer");
            if (type.startsWith("text/html")) {
                r.headers().set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP)
                        .set(HttpHeaderNames.X_FRAME_OPTIONS, "DENY");
            }
            return r;
        }

        private static void write(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse r) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            if (!keepAlive) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.DEBUG, "status client " + ctx.channel().remoteAddress() + ": " + cause);
            ctx.close();
        }
    }
}
