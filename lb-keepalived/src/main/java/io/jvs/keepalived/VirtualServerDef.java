package io.jvs.keepalived;

import io.jvs.api.Protocol;
import io.jvs.keepalived.SettingsReader.InheritedSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** What a {@code virtual_server} block says, each value read and checked once; {@code null} where it is not set. */
final class VirtualServerDef {
    final Node node;
    final InheritedSettings settings = new InheritedSettings();
    final List<RealServerDef> servers = new ArrayList<>();
    /** The real servers by address and port as written (0: none), to find duplicates without a quadratic search. */
    final Map<InetSocketAddress, RealServerDef> serversByAddress = new HashMap<>();
    Token scheduler;
    Interpreter.Method method;
    Integer persistence;
    Token granularity;
    Protocol protocol;
    Integer quorum;
    Node quorumNode;
    Integer hysteresis;
    Node hysteresisNode;
    Token sorryToken;
    InetAddress sorryAddress;
    int sorryPort;
    Interpreter.Method sorryMethod;
    Node sorryInhibit;
    StandardProtocolFamily family;
    Node ops;
    final List<Token> flags = new ArrayList<>();
    Integer weight;
    final Map<String, Token> seen = new HashMap<>();

    VirtualServerDef(Node node) {
        this.node = node;
    }

    /** {@code 10.0.0.1 80}, {@code fwmark 7} or {@code group web}: the virtual server's arguments. */
    String label() {
        StringBuilder sb = new StringBuilder();
        node.args.forEach(t -> sb.append(sb.length() == 0 ? "" : " ").append(t.text));
        return sb.toString();
    }
}
