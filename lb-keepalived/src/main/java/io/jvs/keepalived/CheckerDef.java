package io.jvs.keepalived;

import io.jvs.health.HttpGetCheck;
import io.jvs.keepalived.SettingsReader.InheritedSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** What a checker block says ({@code TCP_CHECK}, {@code HTTP_GET}, ...); {@code null} or 0 where it is not set. */
final class CheckerDef {

    /** The checkers JVS runs; the others become {@link #CONNECT} with a warning. */
    enum Kind { TCP, HTTP, SSL, SMTP, UDP, MISC, CONNECT }

    final Node node;
    final Kind kind;
    final InheritedSettings settings = new InheritedSettings();
    InetAddress connectIp;
    int connectPort;
    InetAddress bindIp;
    Token bindIpToken;
    int bindPort;
    // HTTP_GET and SSL_GET
    final List<HttpGetCheck.Url> urls = new ArrayList<>();
    HttpGetCheck.Version version = HttpGetCheck.Version.HTTP_1_0;
    boolean sni;
    String sniName;
    // SMTP_CHECK
    String heloName;
    // UDP_CHECK
    byte[] payload;
    boolean requireReply;
    String replyPattern;
    Token replyPatternToken;
    Integer minReplyLength;
    Integer maxReplyLength;
    Node replyLengthNode;
    // MISC_CHECK
    List<String> command;
    Duration miscTimeout;
    boolean dynamic;

    CheckerDef(Node node, Kind kind) {
        this.node = node;
        this.kind = kind;
    }
}
