package io.jvs.health.internal;

import io.jvs.health.HttpGetCheck;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLException;

/**
 * One GET of one URL on its own connection, in the clear or over TLS: checks the status code and, if the URL has a
 * digest, the MD5 digest of the body as it streams in (nothing is aggregated). Completes {@code result} with a
 * message, or with a {@link ProbeFailure}; either way the connection is closed.
 */
final class HttpFetch extends SimpleChannelInboundHandler<HttpObject> {

    private static final String USER_AGENT = "JVS-HealthCheck";

    private final HttpGetCheck.Url url;
    private final HttpGetCheck.Version version;
    private final String host;
    private final CompletableFuture<String> result;
    private final SslContext tls;
    private final String serverName;
    private final InetSocketAddress target;
    private MessageDigest md5;
    private int status;

    /**
     * A fetch of {@code url}; with {@code tls} (not {@code null}) over TLS to {@code target}, sending
     * {@code serverName} as SNI if it is not {@code null}.
     */
    HttpFetch(HttpGetCheck.Url url, HttpGetCheck.Version version, String host, CompletableFuture<String> result,
            SslContext tls, String serverName, InetSocketAddress target) {
        this.url = url;
        this.version = version;
        this.host = host;
        this.result = result;
        this.tls = tls;
        this.serverName = serverName;
        this.target = target;
    }

    ChannelHandler initializer() {
        return new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    // The request written in channelActive waits in the SslHandler until the handshake is done.
                    ch.pipeline().addLast(serverName == null ? tls.newHandler(ch.alloc())
                            : tls.newHandler(ch.alloc(), serverName, target.getPort()));
                }
                ch.pipeline().addLast(new HttpClientCodec(), HttpFetch.this);
                // Whoever completes the fetch (this handler, a connect failure, the deadline), the connection goes.
                result.whenComplete((m, e) -> ch.close());
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        DefaultFullHttpRequest request = new DefaultFullHttpRequest(
                version == HttpGetCheck.Version.HTTP_1_1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0,
                HttpMethod.GET, url.path());
        request.headers().set(HttpHeaderNames.HOST, host);
        request.headers().set(HttpHeaderNames.USER_AGENT, USER_AGENT);
        if (version != HttpGetCheck.Version.HTTP_1_0) {
            request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                fail(f.cause() instanceof SSLException ? reason(f.cause())
                        : "cannot send the request: " + reason(f.cause()));
            }
        });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (result.isDone()) {
            return;
        }
        if (msg.decoderResult().isFailure()) {
            fail("bad response: " + msg.decoderResult().cause().getMessage());
            return;
        }
        if (msg instanceof HttpResponse) {
            status = ((HttpResponse) msg).status().code();
            if (!url.accepts(status)) {
                fail("HTTP " + status + " (expected: " + url.statusCodes() + ")");
                return;
            }
            if (url.digest() == null) {
                result.complete("HTTP " + status);
                return;
            }
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("every Java runtime has MD5", e);
            }
        }
        if (msg instanceof HttpContent && md5 != null) {
            ByteBuf content = ((HttpContent) msg).content();
            for (ByteBuffer b : content.nioBuffers()) {
                md5.update(b);
            }
            if (msg instanceof LastHttpContent) {
                String digest = HexFormat.of().formatHex(md5.digest());
                if (digest.equals(url.digest())) {
                    result.complete("HTTP " + status + ", digest " + digest);
                } else {
                    fail("HTTP " + status + ", digest " + digest + " (expected: " + url.digest() + ")");
                }
            }
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(status == 0 ? "connection closed before a response" : "connection closed before the body ended");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(reason(cause));
    }

    /** Why the connection failed; TLS failures say so, without the hex dump Netty puts in some of them. */
    private static String reason(Throwable cause) {
        if (cause instanceof NotSslRecordException) {
            return "TLS: the server did not answer with TLS";
        }
        Throwable t = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        return t instanceof SSLException ? "TLS: " + Phrases.cause(t, Duration.ZERO) : Phrases.cause(t, Duration.ZERO);
    }

    private void fail(String reason) {
        result.completeExceptionally(new ProbeFailure(reason));
    }
}
