package io.jvs.cli.status;

import io.jvs.ipvsadm.internal.LogText;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Answers one connection's requests, one at a time: a response is rendered only when the one before it was
 * written out, and while one is being written the connection is not read (its pipelined requests wait, at most
 * {@link StatusServer#MAX_PIPELINED}; one more closes it). A client that pipelines thousands of requests and
 * reads no answer therefore costs one response and a few requests, not thousands of responses.
 */
final class StatusHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger LOG = System.getLogger("io.jvs.cli.status");
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final StatusPage page;
    private final Supplier<String> metrics;
    private final Map<String, byte[]> assets;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private boolean writing;

    StatusHandler(StatusPage page, Supplier<String> metrics, Map<String, byte[]> assets) {
        this.page = page;
        this.metrics = metrics;
        this.assets = assets;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!writing) {
            answer(ctx, request);
            return;
        }
        if (waiting.size() >= StatusServer.MAX_PIPELINED) {
            LOG.log(Level.DEBUG, () -> "status client " + LogText.escape(ctx.channel().remoteAddress())
                    + " pipelined more than " + StatusServer.MAX_PIPELINED + " requests; closed");
            ctx.close();
            return;
        }
        waiting.add(request.retain());
    }

    /** Writes the response to {@code request}; reading stops until it is written, then the next waiting one goes. */
    private void answer(ChannelHandlerContext ctx, FullHttpRequest request) {
        writing = true;
        ctx.channel().config().setAutoRead(false);
        boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        FullHttpResponse response = respond(request);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            writing = false;
            if (!f.isSuccess() || !keepAlive) {
                f.channel().close();
                return;
            }
            FullHttpRequest next = waiting.poll();
            if (next != null) {
                try {
                    answer(ctx, next);
                } finally {
                    next.release();
                }
            } else {
                f.channel().config().setAutoRead(true);
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        for (FullHttpRequest r; (r = waiting.poll()) != null; ) {
            r.release();
        }
        super.channelInactive(ctx);
    }

    private FullHttpResponse respond(FullHttpRequest request) {
        String text = "text/plain; charset=utf-8";
        if (!request.decoderResult().isSuccess()) {
            return response(HttpResponseStatus.BAD_REQUEST, text, bytes("bad request\n"), false);
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            FullHttpResponse r = response(HttpResponseStatus.METHOD_NOT_ALLOWED, text,
                    bytes("read-only: GET and HEAD only\n"), false);
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            return r;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        try {
            return switch (path) {
                case "/" -> response(HttpResponseStatus.OK, "text/html; charset=utf-8", bytes(page.html()), head);
                case "/status.json" -> response(HttpResponseStatus.OK, "application/json", bytes(page.json()), head);
                case "/metrics" -> response(HttpResponseStatus.OK, StatusServer.PROMETHEUS_TEXT, bytes(metrics.get()),
                        head);
                case "/status.css" -> response(HttpResponseStatus.OK, "text/css; charset=utf-8", assets.get(path),
                        head);
                case "/status.js" -> response(HttpResponseStatus.OK, "text/javascript; charset=utf-8",
                        assets.get(path), head);
                default -> response(HttpResponseStatus.NOT_FOUND, text,
                        bytes("not found; try / /status.json /metrics\n"), head);
            };
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "rendering " + LogText.escape(path) + " failed", e);
            return response(HttpResponseStatus.INTERNAL_SERVER_ERROR, text, bytes("internal error: " + e + "\n"),
                    head);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A complete response; for HEAD the headers of the GET response without its body. */
    private static FullHttpResponse response(HttpResponseStatus status, String type, byte[] body, boolean head) {
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

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(Level.DEBUG, () -> "status client " + LogText.escape(ctx.channel().remoteAddress()) + ": "
                + LogText.escape(String.valueOf(cause)));
        ctx.close();
    }
}
