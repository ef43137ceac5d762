package io.jvs.api;

import io.jvs.api.internal.Addresses;
import io.jvs.api.internal.Checks;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A real server (RS): the address and port a virtual service forwards to, with its weight, forwarding
 * method and connection thresholds. An immutable value; the {@code with*} methods return modified copies.
 *
 * <p>Within one service a real server is identified by its {@link #address() address and port}: adding a
 * second server with the same address and port is an error, and editing replaces the server with that
 * address and port.
 *
 * <pre>{@code
 * RealServer rs = RealServer.of("10.0.0.11", 8080)   // weight 1, FULLNAT
 *         .withWeight(5)                               // ipvsadm -w 5
 *         .withThresholds(1000, 800);                  // ipvsadm -x 1000 -y 800
 * }</pre>
 *
 * @since 0.1
 */
public final class RealServer {

    /** The largest weight ipvsadm accepts. */
    public static final int MAX_WEIGHT = 65535;

    private final InetSocketAddress address;
    private final int weight;
    private final ForwardingMethod forwardingMethod;
    private final int upperThreshold;
    private final int lowerThreshold;
    private final ProxyProtocol proxyProtocol;
    private final TunnelType tunnelType;
    private final int tunnelPort;
    private final TunnelChecksum tunnelChecksum;

    private RealServer(InetSocketAddress address, int weight, ForwardingMethod forwardingMethod, int upperThreshold,
            int lowerThreshold, ProxyProtocol proxyProtocol) {
        this(address, weight, forwardingMethod, upperThreshold, lowerThreshold, proxyProtocol, TunnelType.IPIP, 0,
                TunnelChecksum.NONE);
    }

    private RealServer(InetSocketAddress address, int weight, ForwardingMethod forwardingMethod, int upperThreshold,
            int lowerThreshold, ProxyProtocol proxyProtocol, TunnelType tunnelType, int tunnelPort,
            TunnelChecksum tunnelChecksum) {
        this.address = address;
        this.weight = weight;
        this.forwardingMethod = forwardingMethod;
        this.upperThreshold = upperThreshold;
        this.lowerThreshold = lowerThreshold;
        this.proxyProtocol = proxyProtocol;
        this.tunnelType = tunnelType;
        this.tunnelPort = tunnelPort;
        this.tunnelChecksum = tunnelChecksum;
    }

    /**
     * A real server at {@code host:port} with weight 1, {@link ForwardingMethod#FULLNAT} and no thresholds.
     * An IP literal is parsed without a lookup; a host name is resolved once, now, with the system resolver.
     *
     * @param port 0-65535; 0 means "the port the client connected to" (useful for firewall-mark services)
     * @throws NullPointerException if {@code host} is null
     * @throws IllegalArgumentException if the port is out of range or the name does not resolve
     */
    public static RealServer of(String host, int port) {
        Checks.checkNotNull(host, "host");
        Checks.checkInRange(port, 0, 65535, "port");
        return of(new InetSocketAddress(Addresses.resolve(host, "host"), port));
    }

    /**
     * A real server at {@code address:port} with weight 1, {@link ForwardingMethod#FULLNAT} and no thresholds.
     *
     * @throws NullPointerException if {@code address} is null
     * @throws IllegalArgumentException if the port is out of range
     */
    public static RealServer of(InetAddress address, int port) {
        Checks.checkNotNull(address, "address");
        Checks.checkInRange(port, 0, 65535, "port");
        return of(new InetSocketAddress(address, port));
    }

    /**
     * A real server at a resolved socket address with weight 1, {@link ForwardingMethod#FULLNAT} and no
     * thresholds.
     *
     * @throws NullPointerException if {@code address} is null
     * @throws IllegalArgumentException if the address is unresolved or is a wildcard or multicast address
     */
    public static RealServer of(InetSocketAddress address) {
        Checks.checkNotNull(address, "address");
        Checks.checkArgument(!address.isUnresolved(), "address", address, "a resolved address");
        InetAddress ip = address.getAddress();
        Checks.checkArgument(!ip.isAnyLocalAddress() && !ip.isMulticastAddress(), "address",
                Addresses.toString(ip), "a unicast address");
        return new RealServer(address, 1, ForwardingMethod.FULLNAT, 0, 0, ProxyProtocol.NONE);
    }

    /** The real server's address and port; port 0 means "the port the client connected to". */
    public InetSocketAddress address() {
        return address;
    }

    /** The weight, 0-65535. A weight of 0 quiesces the server: it gets no new connections. */
    public int weight() {
        return weight;
    }

    /** How connections are forwarded to this server. */
    public ForwardingMethod forwardingMethod() {
        return forwardingMethod;
    }

    /**
     * The upper connection threshold (ipvsadm {@code -x}): once active plus inactive connections reach it the
     * server is marked overloaded and gets no new connections. 0 means no limit.
     */
    public int upperThreshold() {
        return upperThreshold;
    }

    /**
     * The lower connection threshold (ipvsadm {@code -y}): an overloaded server takes new connections again
     * once active plus inactive connections fall below it. 0 means three quarters of the upper threshold,
     * as in IPVS.
     */
    public int lowerThreshold() {
        return lowerThreshold;
    }

    /**
     * Whether connections to this server start with a PROXY protocol header carrying the client's address;
     * {@link ProxyProtocol#NONE} (the default) sends none.
     *
     * @since 0.1
     */
    public ProxyProtocol proxyProtocol() {
        return proxyProtocol;
    }

    /**
     * A copy whose connections start with a PROXY protocol header of {@code version} (HAProxy
     * {@code send-proxy} / {@code send-proxy-v2}), or with none for {@link ProxyProtocol#NONE}. The server must
     * expect the header.
     *
     * @throws NullPointerException if {@code version} is null
     * @since 0.1
     */
    public RealServer withProxyProtocol(ProxyProtocol version) {
        Checks.checkNotNull(version, "proxyProtocol");
        return new RealServer(address, weight, forwardingMethod, upperThreshold, lowerThreshold, version, tunnelType,
                tunnelPort, tunnelChecksum);
    }

    /**
     * A copy with another weight.
     *
     * @throws IllegalArgumentException if the weight is not in 0-65535
     */
    public RealServer withWeight(int weight) {
        Checks.checkInRange(weight, 0, MAX_WEIGHT, "weight");
        return new RealServer(address, weight, forwardingMethod, upperThreshold, lowerThreshold, proxyProtocol,
                tunnelType, tunnelPort, tunnelChecksum);
    }

    /**
     * A copy with another forwarding method. Whether a load balancer supports it is checked when the server
     * is added to a running service.
     *
     * @throws NullPointerException if {@code method} is null
     */
    public RealServer withForwardingMethod(ForwardingMethod method) {
        Checks.checkNotNull(method, "forwardingMethod");
        return new RealServer(address, weight, method, upperThreshold, lowerThreshold, proxyProtocol, tunnelType,
                tunnelPort, tunnelChecksum);
    }

    /**
     * A copy with both connection thresholds (ipvsadm {@code -x upper -y lower}); 0 disables the upper one
     * and makes the lower one three quarters of the upper.
     *
     * @throws IllegalArgumentException if {@code upper} is negative, or {@code lower} is negative or greater
     *     than {@code upper}
     */
    public RealServer withThresholds(int upper, int lower) {
        Checks.checkInRange(upper, 0, Integer.MAX_VALUE, "upperThreshold");
        Checks.checkInRange(lower, 0, upper, "lowerThreshold");
        return new RealServer(address, weight, forwardingMethod, upper, lower, proxyProtocol, tunnelType, tunnelPort,
                tunnelChecksum);
    }

    /**
     * How packets to this server are encapsulated when its method is {@link ForwardingMethod#TUN}; the default is
     * {@link TunnelType#IPIP}. Ignored for other methods.
     *
     * @since 0.1
     */
    public TunnelType tunnelType() {
        return tunnelType;
    }

    /** The UDP port of a {@link TunnelType#GUE} tunnel, 1-65535; 0 for IPIP (ipvsadm {@code --tun-port}). */
    public int tunnelPort() {
        return tunnelPort;
    }

    /** Whether a GUE tunnel's UDP header carries a checksum; {@link TunnelChecksum#NONE} for IPIP. */
    public TunnelChecksum tunnelChecksum() {
        return tunnelChecksum;
    }

    /**
     * A copy with other tunnel settings (ipvsadm 1.31 {@code --tun-type}, {@code --tun-port}, {@code --tun-nocsum} or
     * {@code --tun-csum}), used when the forwarding method is {@link ForwardingMethod#TUN}:
     * {@code withTunnel(TunnelType.IPIP, 0, TunnelChecksum.NONE)} (the default) or, for example,
     * {@code withTunnel(TunnelType.GUE, 6080, TunnelChecksum.NONE)}. The method is not changed.
     *
     * @param port 0 for IPIP; 1-65535 for GUE (it has no default port)
     * @param checksum {@link TunnelChecksum#NONE} for IPIP
     * @throws NullPointerException if {@code type} or {@code checksum} is null
     * @throws IllegalArgumentException if the port or the checksum does not fit the tunnel type
     * @since 0.1
     */
    public RealServer withTunnel(TunnelType type, int port, TunnelChecksum checksum) {
        Checks.checkNotNull(type, "tunnelType");
        Checks.checkNotNull(checksum, "tunnelChecksum");
        if (type == TunnelType.GUE) {
            Checks.checkInRange(port, 1, 65535, "tunnelPort");
        } else {
            Checks.checkArgument(port == 0, "tunnelPort", port, "0 for an IPIP tunnel");
            Checks.checkArgument(checksum == TunnelChecksum.NONE, "tunnelChecksum", checksum,
                    "NONE for an IPIP tunnel");
        }
        return new RealServer(address, weight, forwardingMethod, upperThreshold, lowerThreshold, proxyProtocol, type,
                port, checksum);
    }

    /**
     * The TunnelInfo column of {@code ipvsadm -L --tun-info}: {@code ipip}, {@code gue:<port>:<-c|+c>} for a tunnel
     * server, {@code n/a} for other methods.
     *
     * @since 0.1
     */
    public String tunnelInfo() {
        if (forwardingMethod != ForwardingMethod.TUN) {
            return "n/a";
        }
        return tunnelType == TunnelType.IPIP ? "ipip" : "gue:" + tunnelPort + ":" + tunnelChecksum.listingName();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RealServer)) {
            return false;
        }
        RealServer that = (RealServer) o;
        return weight == that.weight && upperThreshold == that.upperThreshold
                && lowerThreshold == that.lowerThreshold && forwardingMethod == that.forwardingMethod
                && proxyProtocol == that.proxyProtocol && address.equals(that.address) && tunnelType == that.tunnelType
                && tunnelPort == that.tunnelPort && tunnelChecksum == that.tunnelChecksum;
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, weight, forwardingMethod, upperThreshold, lowerThreshold, proxyProtocol, tunnelType,
                tunnelPort, tunnelChecksum);
    }

    /**
     * For example {@code 10.0.0.11:8080 FullNat weight 5}, with {@code thresholds 1000/800} and
     * {@code proxy-protocol V2} when set; a tunnel server adds its tunnel, for example {@code tunnel gue:6080:-c}.
     */
    @Override
    public String toString() {
        String s = Addresses.toString(address) + " " + forwardingMethod.listingName() + " weight " + weight;
        if (forwardingMethod == ForwardingMethod.TUN) {
            s += " tunnel " + tunnelInfo();
        }
        if (upperThreshold != 0 || lowerThreshold != 0) {
            s += " thresholds " + upperThreshold + "/" + lowerThreshold;
        }
        return proxyProtocol == ProxyProtocol.NONE ? s : s + " proxy-protocol " + proxyProtocol;
    }
}
