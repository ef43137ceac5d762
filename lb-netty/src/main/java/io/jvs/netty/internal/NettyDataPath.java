package io.jvs.netty.internal;

import io.jvs.api.Endpoint;
import io.jvs.api.ForwardingMethod;
import io.jvs.api.LoadBalancerException;
import io.jvs.api.LoadBalancerException.Reason;
import io.jvs.api.Protocol;
import io.jvs.api.VirtualService;
import io.jvs.api.internal.Addresses;
import io.jvs.core.DataPath;
import io.jvs.core.ServiceBinding;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The Netty data path: listeners per service endpoint, and a {@link TcpRelay} per client connection. */
public final class NettyDataPath implements DataPath {

    private static final Logger LOG = System.getLogger("io.jvs.netty.NettyLoadBalancer");

    private final Transports transports;
    private final EventLoopGroup group;
    private final int connectTimeoutMillis;
    private final int connectAttempts;
    private final boolean freeBind;
    private final Map<Key, Channel> listeners = new ConcurrentHashMap<>();

    public NettyDataPath(Transports transports, int ioThreads, int connectTimeoutMillis, int connectAttempts) {
        this(transports, ioThreads, connectTimeoutMillis, connectAttempts, false);
    }

    /**
     * @param freeBind whether listeners set {@code IP_FREEBIND}, so a service can be added before its address exists
     *     on the host; the transport must support it ({@link Transports#freeBindOption()})
     */
    public NettyDataPath(Transports transports, int ioThreads, int connectTimeoutMillis, int connectAttempts,
            boolean freeBind) {
        this.transports = transports;
        this.freeBind = freeBind;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.connectAttempts = connectAttempts;
        this.group = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("jvs-io", true),
                transports.ioHandlerFactory());
        LOG.log(Level.INFO, "JVS data path: " + transports.transport() + " transport, " + ioThreads + " event loops");
    }

    Transports transports() {
        return transports;
    }

    int connectTimeoutMillis() {
        return connectTimeoutMillis;
    }

    int connectAttempts() {
        return connectAttempts;
    }

    @Override
    public Set<ForwardingMethod> supportedForwardingMethods() {
        return EnumSet.of(ForwardingMethod.FULLNAT);
    }

    @Override
    public void check(VirtualService service) {
        for (Endpoint e : service.endpoints()) {
            if (e.protocol() != Protocol.TCP) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": this data path carries TCP only");
            }
            if (e.address().getPort() == 0) {
                throw new LoadBalancerException(Reason.UNSUPPORTED, "endpoint " + e + " of " + service.id()
                        + ": port 0 (every port) needs a packet data path; a socket data path listens on one port");
            }
        }
    }

    @Override
    public CompletableFuture<Void> bind(ServiceBinding binding, Endpoint endpoint) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(transports.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("frontend", new TcpRelay.Frontend(binding, NettyDataPath.this));
                    }
                });
        if (freeBind) {
            b.option(transports.freeBindOption(), true);
        }
        b.bind(endpoint.address()).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                listeners.put(new Key(binding, endpoint), f.channel());
                LOG.log(Level.INFO, "listening on " + endpoint + " for " + binding.id());
                result.complete(null);
            } else {
                result.completeExceptionally(new LoadBalancerException(Reason.BIND_FAILED, "cannot listen on "
                        + endpoint + " for " + binding.id() + ": " + f.cause().getMessage(), f.cause()));
            }
        });
        return result;
    }

    @Override
    public CompletableFuture<Void> unbind(ServiceBinding binding, Endpoint endpoint) {
        Channel ch = listeners.remove(new Key(binding, endpoint));
        if (ch == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        ch.close().addListener((ChannelFutureListener) f -> {
            LOG.log(Level.INFO, "stopped listening on " + endpoint + " for " + binding.id());
            result.complete(null);
        });
        return result;
    }

    @Override
    public void close() {
        for (Channel ch : listeners.values()) {
            ch.close();
        }
        listeners.clear();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** The addresses listened on, for logs. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NettyDataPath[" + transports.transport());
        for (Channel ch : listeners.values()) {
            sb.append(' ').append(Addresses.toString((java.net.InetSocketAddress) ch.localAddress()));
        }
        return sb.append(']').toString();
    }

    private static final class Key {
        final ServiceBinding binding;
        final Endpoint endpoint;

        Key(ServiceBinding binding, Endpoint endpoint) {
            this.binding = binding;
            this.endpoint = endpoint;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key && ((Key) o).binding == binding && ((Key) o).endpoint.equals(endpoint);
        }

        @Override
        public int hashCode() {
            return Objects.hash(System.identityHashCode(binding), endpoint);
        }
    }
}
