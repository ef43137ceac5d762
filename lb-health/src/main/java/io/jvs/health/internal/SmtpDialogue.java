package io.jvs.health.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * keepalived's SMTP_CHECK dialogue on one connection: the greeting must have code 220, {@code HELO name} must be
 * answered with 250, then {@code QUIT} is sent. Reads whole lines (after a {@link LineBasedFrameDecoder});
 * continuation lines of a multi-line reply ({@code 220-...}) are skipped. Completes {@code result} with a message
 * or a {@link ProbeFailure}.
 */
final class SmtpDialogue extends SimpleChannelInboundHandler<ByteBuf> {

    /** keepalived reads replies into a 512-byte buffer; longer lines are not SMTP. */
    static final int MAX_LINE = 512;

    private final String heloName;
    private final CompletableFuture<String> result;
    private boolean greeted;

    SmtpDialogue(String heloName, CompletableFuture<String> result) {
        this.heloName = heloName;
        this.result = result;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
        if (result.isDone()) {
            return;
        }
        String line = msg.toString(StandardCharsets.US_ASCII).strip();
        if (line.length() > 3 && line.charAt(3) == '-') {
            return; // more lines of the same reply follow
        }
        String code = line.length() >= 3 ? line.substring(0, 3) : line;
        if (!greeted) {
            if (!code.equals("220")) {
                fail("greeting " + printable(line) + " (expected: 220)");
                return;
            }
            greeted = true;
            write(ctx, "HELO " + heloName + "\r\n");
        } else {
            if (!code.equals("250")) {
                fail("HELO answered " + printable(line) + " (expected: 250)");
                return;
            }
            write(ctx, "QUIT\r\n");
            result.complete("220, HELO 250");
        }
    }

    private void write(ChannelHandlerContext ctx, String line) {
        ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(line.getBytes(StandardCharsets.US_ASCII))).addListener(f -> {
            if (!f.isSuccess()) {
                fail("cannot send: " + Phrases.cause(f.cause(), Duration.ZERO));
            }
        });
    }

    /** At most 80 characters of what the server said, control characters as '?'. */
    private static String printable(String line) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < line.length() && i < 80; i++) {
            char c = line.charAt(i);
            sb.append(c < ' ' || c > '~' ? '?' : c);
        }
        return sb.append(line.length() > 80 ? "...'" : "'").toString();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(greeted ? "connection closed before the HELO answer" : "connection closed before the greeting");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause instanceof io.netty.handler.codec.TooLongFrameException ? "a reply line longer than " + MAX_LINE
                + " bytes" : Phrases.cause(cause, Duration.ZERO));
    }

    private void fail(String reason) {
        result.completeExceptionally(new ProbeFailure(reason));
    }
}
