package io.jvs.keepalived;

import static io.jvs.keepalived.KeywordValues.args;
import static io.jvs.keepalived.KeywordValues.bad;
import static io.jvs.keepalived.KeywordValues.error;
import static io.jvs.keepalived.KeywordValues.noBlock;
import static io.jvs.keepalived.KeywordValues.requireBlock;

import io.jvs.health.HttpGetCheck;
import io.jvs.keepalived.CheckerDef.Kind;
import io.jvs.keepalived.SettingsReader.Level;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The checker blocks of a real server: {@code TCP_CHECK}, {@code HTTP_GET}, {@code SSL_GET}, {@code SMTP_CHECK},
 * {@code UDP_CHECK} and {@code MISC_CHECK} with their own keywords; {@code PING_CHECK}, {@code DNS_CHECK},
 * {@code FILE_CHECK} and {@code BFD_CHECK}, which JVS cannot run, become a connect check (see
 * {@link ServiceAssembler}) so that no server is trusted unchecked.
 */
final class CheckerReader {

    private final Warnings warnings;
    private final SettingsReader settings;

    CheckerReader(Warnings warnings, SettingsReader settings) {
        this.warnings = warnings;
        this.settings = settings;
    }

    /** The kind of checker a keyword opens, or {@code null} if it is not a checker. */
    static Kind kind(String keyword) {
        switch (keyword) {
            case "TCP_CHECK":
                return Kind.TCP;
            case "HTTP_GET":
                return Kind.HTTP;
            case "SSL_GET":
                return Kind.SSL;
            case "SMTP_CHECK":
                return Kind.SMTP;
            case "UDP_CHECK":
                return Kind.UDP;
            case "MISC_CHECK":
                return Kind.MISC;
            case "PING_CHECK":
            case "DNS_CHECK":
            case "FILE_CHECK":
            case "BFD_CHECK":
                return Kind.CONNECT;
            default:
                return null;
        }
    }

    /** Reads a checker block; {@code null} if keepalived would ignore it (with a warning). */
    CheckerDef checker(Node n, Kind kind) {
        args(n, 0, 0, "no value, then a block");
        CheckerDef ck = new CheckerDef(n, kind);
        if (n.hasBlock()) {
            for (Node c : n.children) {
                if (settings.read(c, ck.settings, kind == Kind.MISC ? Level.MISC_CHECKER : Level.CHECKER)
                        || keyword(c, ck)) {
                    continue;
                }
                if (kind != Kind.CONNECT) { // the keywords of a checker JVS replaces go with its one warning
                    warnings.unknown(c, n.name());
                }
            }
        }
        if (ck.connectIp != null && ck.bindIp != null
                && KeywordValues.isV4(ck.connectIp) != KeywordValues.isV4(ck.bindIp)) {
            throw bad(ck.bindIpToken, "bindto", "an address of the family of connect_ip "
                    + KeywordValues.text(ck.connectIp));
        }
        if ((kind == Kind.HTTP || kind == Kind.SSL) && ck.urls.isEmpty()) {
            warnings.warn(n, n.name() + " has no url with a path; checker ignored (as keepalived does)");
            return null;
        }
        if (kind == Kind.MISC && ck.command == null) {
            warnings.warn(n, "MISC_CHECK has no misc_path; checker ignored (as keepalived does)");
            return null;
        }
        if (ck.minReplyLength != null && ck.maxReplyLength != null && ck.minReplyLength > ck.maxReplyLength) {
            throw error(ck.replyLengthNode.args.get(0), "min_reply_length: " + ck.minReplyLength
                    + " (expected: at most max_reply_length " + ck.maxReplyLength + ")");
        }
        return ck;
    }

    private boolean keyword(Node c, CheckerDef ck) {
        switch (ck.kind) {
            case MISC:
                return miscKeyword(c, ck);
            case HTTP:
            case SSL:
                return connectKeyword(c, ck) || httpKeyword(c, ck);
            case SMTP:
                return connectKeyword(c, ck) || smtpKeyword(c, ck);
            case UDP:
                return connectKeyword(c, ck) || udpKeyword(c, ck);
            default:
                return connectKeyword(c, ck);
        }
    }

    private boolean connectKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "connect_ip":
                args(c, 1, 1, "an IP address");
                noBlock(c);
                ck.connectIp = KeywordValues.address(c.args.get(0), "connect_ip");
                return true;
            case "connect_port":
                args(c, 1, 1, "a port 1-65535");
                noBlock(c);
                ck.connectPort = KeywordValues.port(c.args.get(0), "connect_port", false);
                return true;
            case "bindto":
                args(c, 1, 1, "an IP address");
                noBlock(c);
                ck.bindIp = KeywordValues.address(c.args.get(0), "bindto");
                ck.bindIpToken = c.args.get(0);
                return true;
            case "bind_port":
                args(c, 1, 1, "a port 1-65535");
                noBlock(c);
                ck.bindPort = KeywordValues.port(c.args.get(0), "bind_port", false);
                return true;
            case "bind_if":
                warnings.unsupported(c, "checks use the routing table's interface");
                return true;
            case "fwmark":
                warnings.unsupported(c, "JVS does not mark check packets");
                return true;
            default:
                return false;
        }
    }

    private boolean httpKeyword(Node c, CheckerDef ck) {
        boolean ssl = ck.kind == Kind.SSL;
        switch (c.name()) {
            case "url":
                HttpGetCheck.Url url = url(c);
                if (url != null) {
                    ck.urls.add(url);
                }
                return true;
            case "http_protocol":
                args(c, 1, 1, "1.0, 1.0C or 1.1");
                noBlock(c);
                ck.version = null;
                for (HttpGetCheck.Version v : HttpGetCheck.Version.values()) {
                    if (v.keyword().equals(c.args.get(0).text)) {
                        ck.version = v;
                    }
                }
                if (ck.version == null) {
                    throw bad(c.args.get(0), "http_protocol", "1.0, 1.0C or 1.1");
                }
                return true;
            case "fast_recovery":
                KeywordValues.flag(c); // JVS always fetches every url of a probe at once, as fast_recovery does
                return true;
            case "tls_compliant":
                if (ssl) {
                    KeywordValues.flag(c); // JVS always ends TLS with a close_notify
                } else {
                    warnings.unsupported(c, "it is for SSL_GET; HTTP_GET does not use TLS");
                }
                return true;
            case "enable_sni":
                if (ssl) {
                    ck.sni = KeywordValues.flag(c);
                } else {
                    warnings.unsupported(c, "it is for SSL_GET; HTTP_GET does not use TLS");
                }
                return true;
            case "sni_name":
                if (ssl) {
                    args(c, 1, 1, "a host name");
                    noBlock(c);
                    ck.sniName = c.args.get(0).text;
                } else {
                    warnings.unsupported(c, "it is for SSL_GET; HTTP_GET does not use TLS");
                }
                return true;
            default:
                return false;
        }
    }

    private boolean smtpKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "helo_name":
                args(c, 1, 1, "a host name");
                noBlock(c);
                ck.heloName = c.args.get(0).text;
                return true;
            case "host":
                warnings.unsupported(c, "keepalived deprecates it; give the real server one SMTP_CHECK per host");
                return true;
            default:
                return false;
        }
    }

    private boolean udpKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "payload":
                args(c, 1, Integer.MAX_VALUE, "hex digits, such as 0a1b2c");
                noBlock(c);
                try {
                    ck.payload = KeywordValues.hex(joined(c.args), false)[0];
                } catch (IllegalArgumentException e) {
                    throw bad(c.args.get(0), "payload", "hex digits, such as 0a1b2c");
                }
                return true;
            case "require_reply":
                args(c, 0, Integer.MAX_VALUE, "optionally the reply's hex digits, x for any");
                noBlock(c);
                ck.requireReply = true;
                if (!c.args.isEmpty()) {
                    ck.replyPattern = joined(c.args);
                    ck.replyPatternToken = c.args.get(0);
                    try {
                        KeywordValues.hex(ck.replyPattern, true);
                    } catch (IllegalArgumentException e) {
                        throw bad(c.args.get(0), "require_reply", "hex digits, x for any, such as 0a1bxx");
                    }
                }
                return true;
            case "min_reply_length":
                ck.minReplyLength = KeywordValues.integer(c, 0, 65535);
                ck.replyLengthNode = c;
                return true;
            case "max_reply_length":
                ck.maxReplyLength = KeywordValues.integer(c, 0, 65535);
                return true;
            default:
                return false;
        }
    }

    private static String joined(List<Token> tokens) {
        StringBuilder sb = new StringBuilder();
        tokens.forEach(t -> sb.append(t.text));
        return sb.toString();
    }

    private HttpGetCheck.Url url(Node n) {
        args(n, 0, 0, "no value, then a block");
        requireBlock(n);
        Token path = null;
        Token digest = null;
        List<Token> codes = null;
        Token host = null;
        Map<String, Token> seen = new HashMap<>();
        for (Node c : n.children) {
            warnings.replaced(seen.put(c.name(), c.keyword), c);
            switch (c.name()) {
                case "path":
                    args(c, 1, 1, "a path such as /index.html");
                    noBlock(c);
                    path = c.args.get(0);
                    break;
                case "digest":
                    args(c, 1, 1, "32 hex digits (an MD5 digest, as genhash prints it)");
                    noBlock(c);
                    digest = c.args.get(0);
                    break;
                case "status_code":
                    args(c, 1, Integer.MAX_VALUE, "status codes or ranges in 100-599");
                    noBlock(c);
                    codes = c.args;
                    break;
                case "virtualhost":
                    args(c, 1, 1, "a host name");
                    noBlock(c);
                    host = c.args.get(0);
                    break;
                case "regex":
                case "regex_no_match":
                case "regex_options":
                case "regex_stack":
                case "regex_min_offset":
                case "regex_max_offset":
                    warnings.unsupported(c, "JVS does not match the body against regular expressions; use digest");
                    break;
                case "tls_compliant":
                    KeywordValues.flag(c); // JVS always ends TLS with a close_notify
                    break;
                default:
                    warnings.unknown(c, "url");
            }
        }
        if (path == null) {
            warnings.warn(n, "url has no path; ignored (as keepalived does)");
            return null;
        }
        HttpGetCheck.Url url;
        try {
            url = HttpGetCheck.Url.of(path.text);
        } catch (IllegalArgumentException e) {
            throw error(path, e.getMessage());
        }
        if (digest != null) {
            try {
                url = url.withDigest(digest.text);
            } catch (IllegalArgumentException e) {
                throw error(digest, e.getMessage());
            }
        }
        if (codes != null) {
            for (Token t : codes) {
                try {
                    HttpGetCheck.Url.of("/").withStatusCodes(t.text);
                } catch (IllegalArgumentException e) {
                    throw bad(t, "status_code", "status codes or ranges in 100-599, such as 200-299 503");
                }
            }
            StringBuilder sb = new StringBuilder();
            codes.forEach(t -> sb.append(t.text).append(' '));
            url = url.withStatusCodes(sb.toString());
        }
        if (host != null) {
            try {
                url = url.withVirtualHost(host.text);
            } catch (IllegalArgumentException e) {
                throw error(host, e.getMessage());
            }
        }
        return url;
    }

    private boolean miscKeyword(Node c, CheckerDef ck) {
        switch (c.name()) {
            case "misc_path":
                args(c, 1, Integer.MAX_VALUE, "the command line, in quotes");
                noBlock(c);
                ck.command = command(c);
                return true;
            case "misc_timeout":
                int s = KeywordValues.integer(c, 0, 86_400);
                ck.miscTimeout = s == 0 ? null : Duration.ofSeconds(s);
                return true;
            case "misc_dynamic":
                args(c, 0, 0, "no value");
                noBlock(c);
                ck.dynamic = true;
                return true;
            case "user":
                warnings.unsupported(c, "the command runs as the user JVS runs as");
                return true;
            default:
                return false;
        }
    }

    /**
     * keepalived's reading of {@code misc_path}: the line is split into words honouring both kinds of quotes, and
     * the first word after the keyword, split again with escapes, is the command and its arguments. Later words
     * are ignored by keepalived, which is worth a warning.
     */
    private List<String> command(Node n) {
        Token at = n.args.get(0);
        Token last = n.args.get(n.args.size() - 1);
        List<String> words = ScriptWords.split(at.source.text.substring(at.start, last.end), false);
        if (words == null || words.isEmpty()) {
            throw bad(at, "misc_path", "a command line with balanced quotes");
        }
        if (words.size() > 1) {
            warnings.warn(n, "misc_path: only the first word is the command line, as in keepalived; '"
                    + String.join(" ", words.subList(1, words.size())) + "' ignored (quote the whole command line)");
        }
        List<String> argv = ScriptWords.split(words.get(0), true);
        if (argv == null || argv.isEmpty() || argv.get(0).isEmpty()) {
            throw bad(at, "misc_path", "a command line with balanced quotes");
        }
        return argv;
    }
}
