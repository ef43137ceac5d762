package io.jvs.health;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * keepalived's {@code UDP_CHECK}: a probe sends one datagram (the {@link #payload() payload}; by default the 32
 * bytes keepalived sends, {@code "keepalived check - keepalived ch"}) from a connected socket. Without
 * {@link #requireReply() a required reply} it succeeds unless an ICMP port unreachable comes back within the
 * settings' timeout (silence counts as success, as in keepalived: UDP has no handshake). With one, it succeeds when
 * a reply arrives within the timeout whose length is within
 * {@link #minReplyLength()}-{@link #maxReplyLength()} and whose first bytes match the expected reply, except the
 * bits of the ignore mask (keepalived's {@code x} digits).
 *
 * @since 0.1
 */
public final class UdpCheck implements HealthCheck {

    /** keepalived's default {@code max_reply_length}. */
    public static final int DEFAULT_MAX_REPLY_LENGTH = 255;
    /** The longest payload or reply, the largest UDP datagram over IPv4. */
    public static final int MAX_LENGTH = 65507;

    private static final byte[] NONE = new byte[0];
    /** What keepalived sends without a {@code payload}: its text repeated over 32 bytes. */
    private static final byte[] KEEPALIVED_PAYLOAD = "keepalived check - keepalived ch".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);
    static final UdpCheck DEFAULT = new UdpCheck(CheckSettings.defaults(), ConnectOptions.DEFAULT, KEEPALIVED_PAYLOAD,
            false, NONE, NONE, 0, DEFAULT_MAX_REPLY_LENGTH);

    private final CheckSettings settings;
    private final ConnectOptions connectOptions;
    private final byte[] payload;
    private final boolean requireReply;
    private final byte[] reply;
    private final byte[] ignoreMask;
    private final int minReplyLength;
    private final int maxReplyLength;

    private UdpCheck(CheckSettings settings, ConnectOptions connectOptions, byte[] payload, boolean requireReply,
            byte[] reply, byte[] ignoreMask, int minReplyLength, int maxReplyLength) {
        this.settings = settings;
        this.connectOptions = connectOptions;
        this.payload = payload;
        this.requireReply = requireReply;
        this.reply = reply;
        this.ignoreMask = ignoreMask;
        this.minReplyLength = minReplyLength;
        this.maxReplyLength = maxReplyLength;
    }

    /** A UDP check with default settings: keepalived's datagram, healthy unless the port is unreachable. */
    public static UdpCheck of() {
        return DEFAULT;
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** Where it sends. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    /** The datagram sent (keepalived {@code payload}); a copy. */
    public byte[] payload() {
        return payload.clone();
    }

    /** Whether a reply must come back (keepalived {@code require_reply}). */
    public boolean requireReply() {
        return requireReply;
    }

    /** The bytes the reply must start with, where the mask does not ignore them; a copy, empty for any reply. */
    public byte[] expectedReply() {
        return reply.clone();
    }

    /** Per byte of {@link #expectedReply()}, the bits that are not compared; a copy. */
    public byte[] ignoreMask() {
        return ignoreMask.clone();
    }

    /** The shortest reply accepted (keepalived {@code min_reply_length}). */
    public int minReplyLength() {
        return minReplyLength;
    }

    /** The longest reply accepted (keepalived {@code max_reply_length}). */
    public int maxReplyLength() {
        return maxReplyLength;
    }

    @Override
    public UdpCheck withSettings(CheckSettings settings) {
        return new UdpCheck(Checks.checkNotNull(settings, "settings"), connectOptions, payload, requireReply, reply,
                ignoreMask, minReplyLength, maxReplyLength);
    }

    /** A copy that sends elsewhere. */
    public UdpCheck withConnectOptions(ConnectOptions options) {
        return new UdpCheck(settings, Checks.checkNotNull(options, "connectOptions"), payload, requireReply, reply,
                ignoreMask, minReplyLength, maxReplyLength);
    }

    /**
     * A copy that sends this datagram.
     *
     * @throws IllegalArgumentException if it is empty (Java cannot send an empty datagram) or longer than
     *     {@value #MAX_LENGTH} bytes
     */
    public UdpCheck withPayload(byte[] payload) {
        Checks.checkNotNull(payload, "payload");
        Checks.checkArgument(payload.length >= 1 && payload.length <= MAX_LENGTH, "payload", payload.length
                + " bytes", "1-" + MAX_LENGTH + " bytes");
        return new UdpCheck(settings, connectOptions, payload.clone(), requireReply, reply, ignoreMask,
                minReplyLength, maxReplyLength);
    }

    /**
     * A copy that requires a reply starting with {@code expected} (empty: any reply), comparing only the bits
     * that {@code ignoreMask} does not set (keepalived's {@code require_reply}, where an {@code x} digit sets
     * four mask bits).
     *
     * @throws IllegalArgumentException if the mask is not as long as the expected reply, or either is too long
     */
    public UdpCheck withRequiredReply(byte[] expected, byte[] ignoreMask) {
        Checks.checkNotNull(expected, "expected");
        Checks.checkNotNull(ignoreMask, "ignoreMask");
        Checks.checkArgument(expected.length <= MAX_LENGTH, "expected", expected.length + " bytes", "0-" + MAX_LENGTH
                + " bytes");
        Checks.checkArgument(ignoreMask.length == expected.length, "ignoreMask", ignoreMask.length + " bytes",
                expected.length + " bytes, one per byte of the expected reply");
        return new UdpCheck(settings, connectOptions, payload, true, expected.clone(), ignoreMask.clone(),
                minReplyLength, maxReplyLength);
    }

    /**
     * A copy that accepts replies of {@code min} to {@code max} bytes.
     *
     * @throws IllegalArgumentException unless {@code 0 <= min <= max <= 65535}
     */
    public UdpCheck withReplyLength(int min, int max) {
        Checks.checkInRange(max, 0, 65535, "maxReplyLength");
        Checks.checkInRange(min, 0, max, "minReplyLength");
        return new UdpCheck(settings, connectOptions, payload, requireReply, reply, ignoreMask, min, max);
    }

    /** Whether {@code length} bytes, of which {@code data} holds the first, are an acceptable reply. */
    public boolean accepts(byte[] data, int length) {
        if (length < minReplyLength || length > maxReplyLength) {
            return false;
        }
        int n = Math.min(length, reply.length);
        for (int i = 0; i < n; i++) {
            if (((data[i] ^ reply[i]) & ~ignoreMask[i] & 0xff) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String kind() {
        return "UDP_CHECK";
    }

    @Override
    public String describe(InetSocketAddress server) {
        return kind() + " " + Addresses.toString(connectOptions.target(server));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof UdpCheck)) {
            return false;
        }
        UdpCheck that = (UdpCheck) o;
        return requireReply == that.requireReply && minReplyLength == that.minReplyLength
                && maxReplyLength == that.maxReplyLength && settings.equals(that.settings)
                && connectOptions.equals(that.connectOptions) && Arrays.equals(payload, that.payload)
                && Arrays.equals(reply, that.reply) && Arrays.equals(ignoreMask, that.ignoreMask);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, connectOptions, Arrays.hashCode(payload), requireReply, Arrays.hashCode(reply),
                Arrays.hashCode(ignoreMask), minReplyLength, maxReplyLength);
    }

    @Override
    public String toString() {
        HexFormat hex = HexFormat.of();
        return "UDP_CHECK[payload " + hex.formatHex(payload) + (requireReply ? " reply " + hex.formatHex(reply)
                + " length " + minReplyLength + "-" + maxReplyLength : "")
                + (connectOptions.equals(ConnectOptions.DEFAULT) ? "" : " " + connectOptions) + " " + settings + "]";
    }
}
