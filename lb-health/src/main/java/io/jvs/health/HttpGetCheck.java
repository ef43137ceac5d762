package io.jvs.health;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * keepalived's {@code HTTP_GET}, and with {@link #withTls TLS} its {@code SSL_GET}: a probe fetches each
 * {@link Url} in turn and succeeds when every answer has an accepted status code (200-299 unless set) and, where a
 * digest is given, a body whose MD5 digest matches it (the digest keepalived's {@code genhash} prints). The whole
 * probe, TLS handshake included, must finish within the settings' timeout.
 *
 * <p>Over TLS, as keepalived's {@code SSL_GET} does, the server's certificate is not verified (a health check
 * asks whether the server answers, not whom to trust; real servers often have self-signed or internal
 * certificates) and no client certificate is sent. The server name (SNI) is sent only when
 * {@link #withServerName set}, as with keepalived's {@code enable_sni}.
 *
 * <pre>{@code
 * HttpGetCheck check = HttpGetCheck.of(List.of(
 *         HttpGetCheck.Url.of("/health").withStatusCodes("200 204"),
 *         HttpGetCheck.Url.of("/index.html").withDigest("9b3a0c85a887a256d6939da88aabd8cd")))
 *     .withVirtualHost("www.example.com");
 * }</pre>
 *
 * @since 0.1
 */
public final class HttpGetCheck implements HealthCheck {

    /** The HTTP version of the request (keepalived {@code http_protocol}). */
    public enum Version {
        /** {@code GET ... HTTP/1.0}, keepalived's default. */
        HTTP_1_0("1.0"),
        /** HTTP/1.0 with {@code Connection: close} (keepalived {@code 1.0C}). */
        HTTP_1_0C("1.0C"),
        /** {@code GET ... HTTP/1.1} with {@code Connection: close}. */
        HTTP_1_1("1.1");

        private final String keyword;

        Version(String keyword) {
            this.keyword = keyword;
        }

        /** The name keepalived's {@code http_protocol} takes: {@code 1.0}, {@code 1.0C} or {@code 1.1}. */
        public String keyword() {
            return keyword;
        }
    }

    private final CheckSettings settings;
    private final ConnectOptions connectOptions;
    private final List<Url> urls;
    private final String virtualHost;
    private final Version version;
    private final boolean tls;
    private final String serverName;

    private HttpGetCheck(CheckSettings settings, ConnectOptions connectOptions, List<Url> urls, String virtualHost,
            Version version, boolean tls, String serverName) {
        this.settings = settings;
        this.connectOptions = connectOptions;
        this.urls = urls;
        this.virtualHost = virtualHost;
        this.version = version;
        this.tls = tls;
        this.serverName = serverName;
    }

    /**
     * A check of these URLs, in order, with default settings.
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public static HttpGetCheck of(List<Url> urls) {
        Checks.checkNotNull(urls, "urls");
        List<Url> copy = List.copyOf(urls);
        Checks.checkArgument(!copy.isEmpty(), "urls", "[]", "at least one url");
        return new HttpGetCheck(CheckSettings.defaults(), ConnectOptions.DEFAULT, copy, null, Version.HTTP_1_0, false,
                null);
    }

    @Override
    public CheckSettings settings() {
        return settings;
    }

    /** Where it connects. */
    public ConnectOptions connectOptions() {
        return connectOptions;
    }

    /** The URLs fetched by each probe, in order. */
    public List<Url> urls() {
        return urls;
    }

    /** The {@code Host} header for URLs that set none, or {@code null} for the address and port connected to. */
    public String virtualHost() {
        return virtualHost;
    }

    /** The HTTP version of the requests. */
    public Version version() {
        return version;
    }

    /** Whether the requests go over TLS (keepalived's {@code SSL_GET}). */
    public boolean tls() {
        return tls;
    }

    /** The server name sent in the TLS handshake (SNI), or {@code null} to send none. */
    public String serverName() {
        return serverName;
    }

    @Override
    public HttpGetCheck withSettings(CheckSettings settings) {
        return new HttpGetCheck(Checks.checkNotNull(settings, "settings"), connectOptions, urls, virtualHost, version,
                tls, serverName);
    }

    /** A copy that connects elsewhere. */
    public HttpGetCheck withConnectOptions(ConnectOptions options) {
        return new HttpGetCheck(settings, Checks.checkNotNull(options, "connectOptions"), urls, virtualHost, version,
                tls, serverName);
    }

    /**
     * A copy with another default {@code Host} header ({@code null}: the address connected to).
     *
     * @throws IllegalArgumentException if it contains white space or control characters
     */
    public HttpGetCheck withVirtualHost(String virtualHost) {
        return new HttpGetCheck(settings, connectOptions, urls, checkToken(virtualHost, "virtualHost", true), version,
                tls, serverName);
    }

    /** A copy that sends another HTTP version. */
    public HttpGetCheck withVersion(Version version) {
        return new HttpGetCheck(settings, connectOptions, urls, virtualHost, Checks.checkNotNull(version, "version"),
                tls, serverName);
    }

    /** A copy that sends its requests over TLS (keepalived's {@code SSL_GET}), or in the clear. */
    public HttpGetCheck withTls(boolean tls) {
        return new HttpGetCheck(settings, connectOptions, urls, virtualHost, version, tls, serverName);
    }

    /**
     * A copy that sends this server name in the TLS handshake (SNI; {@code null}: none).
     *
     * @throws IllegalArgumentException if it contains white space or control characters
     */
    public HttpGetCheck withServerName(String serverName) {
        return new HttpGetCheck(settings, connectOptions, urls, virtualHost, version, tls,
                checkToken(serverName, "serverName", true));
    }

    /**
     * The {@code Host} header sent for {@code url} when connecting to {@code target}: the URL's virtual host,
     * else the check's, else the address and port (the port omitted when it is 80).
     */
    public String hostHeader(Url url, InetSocketAddress target) {
        if (url.virtualHost() != null) {
            return url.virtualHost();
        }
        if (virtualHost != null) {
            return virtualHost;
        }
        String host = target.getAddress() instanceof Inet6Address ? "[" + Addresses.toString(target.getAddress()) + "]"
                : Addresses.toString(target.getAddress());
        return target.getPort() == (tls ? 443 : 80) ? host : host + ":" + target.getPort();
    }

    @Override
    public String kind() {
        return tls ? "SSL_GET" : "HTTP_GET";
    }

    @Override
    public String describe(InetSocketAddress server) {
        InetSocketAddress target = connectOptions.target(server);
        StringBuilder sb = new StringBuilder(kind()).append(tls ? " https://" : " http://")
                .append(Addresses.toString(target));
        for (int i = 0; i < urls.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(urls.get(i).path());
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof HttpGetCheck)) {
            return false;
        }
        HttpGetCheck that = (HttpGetCheck) o;
        return settings.equals(that.settings) && connectOptions.equals(that.connectOptions) && urls.equals(that.urls)
                && Objects.equals(virtualHost, that.virtualHost) && version == that.version && tls == that.tls
                && Objects.equals(serverName, that.serverName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(settings, connectOptions, urls, virtualHost, version, tls, serverName);
    }

    @Override
    public String toString() {
        return kind() + "[" + urls + " HTTP/" + version.keyword() + (virtualHost == null ? "" : " host " + virtualHost)
                + (serverName == null ? "" : " sni " + serverName)
                + (connectOptions.equals(ConnectOptions.DEFAULT) ? "" : " " + connectOptions) + " " + settings + "]";
    }

    static String checkToken(String value, String name, boolean nullable) {
        if (value == null && nullable) {
            return null;
        }
        Checks.checkNotNull(value, name);
        boolean ok = !value.isEmpty();
        for (int i = 0; ok && i < value.length(); i++) {
            char c = value.charAt(i);
            ok = c > ' ' && c != 0x7f;
        }
        Checks.checkArgument(ok, name, '"' + value + '"', "non-empty, without white space or control characters");
        return value;
    }

    /**
     * One URL of an HTTP GET check (keepalived's {@code url} block): a path, the accepted status codes, and
     * optionally the MD5 digest of the expected body and a {@code Host} header. An immutable value.
     */
    public static final class Url {

        /** The lowest and highest status codes a check can accept, as in keepalived. */
        public static final int MIN_STATUS = 100;
        /** The highest status code a check can accept. */
        public static final int MAX_STATUS = 599;

        private static final BitSet DEFAULT_CODES = new BitSet();

        static {
            DEFAULT_CODES.set(200, 300);
        }

        private final String path;
        private final BitSet statusCodes;
        private final String digest;
        private final String virtualHost;

        private Url(String path, BitSet statusCodes, String digest, String virtualHost) {
            this.path = path;
            this.statusCodes = statusCodes;
            this.digest = digest;
            this.virtualHost = virtualHost;
        }

        /**
         * A URL with this path that accepts status 200-299 and any body.
         *
         * @throws IllegalArgumentException if the path is empty or contains white space or control characters
         */
        public static Url of(String path) {
            return new Url(checkToken(path, "path", false), DEFAULT_CODES, null, null);
        }

        /** The path (and query) sent in the request line. */
        public String path() {
            return path;
        }

        /** Whether the URL accepts this status code. */
        public boolean accepts(int statusCode) {
            return statusCode >= MIN_STATUS && statusCode <= MAX_STATUS && statusCodes.get(statusCode);
        }

        /** The accepted status codes as keepalived's {@code status_code} writes them: {@code 200-299 503}. */
        public String statusCodes() {
            StringBuilder sb = new StringBuilder();
            for (int from = statusCodes.nextSetBit(0); from >= 0; ) {
                int to = statusCodes.nextClearBit(from) - 1;
                sb.append(sb.length() == 0 ? "" : " ").append(from);
                if (to > from) {
                    sb.append('-').append(to);
                }
                from = statusCodes.nextSetBit(to + 1);
            }
            return sb.toString();
        }

        /** The expected MD5 digest of the body, 32 lower-case hex digits, or {@code null} to accept any body. */
        public String digest() {
            return digest;
        }

        /** The {@code Host} header for this URL, or {@code null} for the check's. */
        public String virtualHost() {
            return virtualHost;
        }

        /**
         * A copy that accepts other status codes: codes and ranges separated by spaces, as keepalived's
         * {@code status_code} takes them, for example {@code "200-299 503"}.
         *
         * @throws IllegalArgumentException naming the bad item if one is not a code or range in 100-599
         */
        public Url withStatusCodes(String codes) {
            Checks.checkNotNull(codes, "statusCodes");
            BitSet set = new BitSet();
            for (String item : codes.trim().split("\\s+")) {
                int dash = item.indexOf('-', 1);
                int from = parseCode(dash < 0 ? item : item.substring(0, dash), item);
                int to = dash < 0 ? from : parseCode(item.substring(dash + 1), item);
                Checks.checkArgument(from <= to, "statusCodes", item, "a range low-high");
                set.set(from, to + 1);
            }
            return new Url(path, set, digest, virtualHost);
        }

        private static int parseCode(String s, String item) {
            int code = -1;
            if (!s.isEmpty() && s.length() <= 3 && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                code = Integer.parseInt(s);
            }
            Checks.checkArgument(code >= MIN_STATUS && code <= MAX_STATUS, "statusCodes",
                    item.isEmpty() ? "\"\"" : item, "status codes or ranges in " + MIN_STATUS + "-" + MAX_STATUS);
            return code;
        }

        /**
         * A copy that also requires the body's MD5 digest ({@code null} removes the requirement).
         *
         * @throws IllegalArgumentException unless it is 32 hex digits
         */
        public Url withDigest(String md5Hex) {
            String d = null;
            if (md5Hex != null) {
                boolean ok = md5Hex.length() == 32 && md5Hex.chars().allMatch(c -> Character.digit(c, 16) >= 0);
                Checks.checkArgument(ok, "digest", md5Hex, "32 hex digits (an MD5 digest)");
                d = md5Hex.toLowerCase(Locale.ROOT);
            }
            return new Url(path, statusCodes, d, virtualHost);
        }

        /**
         * A copy with its own {@code Host} header ({@code null}: the check's).
         *
         * @throws IllegalArgumentException if it contains white space or control characters
         */
        public Url withVirtualHost(String virtualHost) {
            return new Url(path, statusCodes, digest, checkToken(virtualHost, "virtualHost", true));
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Url)) {
                return false;
            }
            Url that = (Url) o;
            return path.equals(that.path) && statusCodes.equals(that.statusCodes) && Objects.equals(digest, that.digest)
                    && Objects.equals(virtualHost, that.virtualHost);
        }

        @Override
        public int hashCode() {
            return Objects.hash(path, statusCodes, digest, virtualHost);
        }

        /** For example {@code /health status 200-299 digest 9b3a...}. */
        @Override
        public String toString() {
            return path + " status " + statusCodes() + (digest == null ? "" : " digest " + digest)
                    + (virtualHost == null ? "" : " host " + virtualHost);
        }
    }
}
