package io.jvs.keepalived;

import io.jvs.keepalived.SettingsReader.InheritedSettings;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a {@code real_server} block says; {@code null} where it is not set. */
final class RealServerDef {
    final Node node;
    final InetAddress address;
    /** The port, or 0 for the virtual server's. */
    final int port;
    final InheritedSettings settings = new InheritedSettings();
    final List<CheckerDef> checks = new ArrayList<>();
    Integer weight;
    Interpreter.Method method;
    Long upper;
    Long lower;
    Token lowerToken;
    final Map<String, Token> seen = new HashMap<>();

    RealServerDef(Node node, InetAddress address, int port) {
        this.node = node;
        this.address = address;
        this.port = port;
    }
}
