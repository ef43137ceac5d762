package io.jvs.netty.internal;

import io.jvs.api.Protocol;
import io.jvs.api.internal.Addresses;
import io.jvs.core.Connection;
import io.jvs.core.FlowRequest;
import io.jvs.core.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One UDP socket listening on a service endpoint (with SO_REUSEPORT, one per event loop), and the flows of the
 * clients whose datagrams it receives. Confined to its event loop: every flow it creates, and every socket of those
 * flows, lives on the same loop, so no datagram or reply crosses threads.
 *
 * <p>Per datagram: the client's flow is looked up here, then the director is asked as for every datagram
 * ({@code RunningService.open}; for a client without a flow here the data path's flow limit goes with the request, as
 * admission's last check, so a flood of new source ports never creates entries it would have to drop, and a client
 * refused for another reason is counted under that reason), and the datagram is written to the flow's socket toward its
 * real server. Those writes are flushed together when the read batch ends (one {@code recvmmsg} in, the sends
 * out). Replies leave through this socket, so their source is the virtual address and port the client sent to;
 * they are flushed at the end of the event loop's round, or every {@value #FLUSH_BATCH} replies, so replies of many
 * flows go out in one {@code sendmmsg}.
 */
final class UdpListener extends ChannelInboundHandlerAdapter {

    /** Replies written before the listener is flushed at the latest. */
    private static final int FLUSH_BATCH = 64;

    final RelayContext context;
    final DataPathCounters counters;
    /** The question this listener asks the director for each datagram (confined to its loop). */
    private final FlowRequest request = new FlowRequest();
    final ServiceState service;
    /** The endpoint: the address and port clients reach, the flows' virtual address. */
    final InetSocketAddress virtual;
    /** Buffer slot per datagram: one byte more than the largest datagram relayed, so a longer one fills it. */
    final int slot;
    private final Map<InetSocketAddress, UdpFlow> flows = new HashMap<>();
    private final Runnable flushTask = this::flushTask;
    private Channel channel;
    private UdpLeg[] dirty = new UdpLeg[16];
    private int dirtyCount;
    private int pendingReplies;
    private boolean flushScheduled;
    private boolean closed;

    UdpListener(RelayContext context, ServiceState service, InetSocketAddress virtual, int slot) {
        this.context = context;
        this.counters = context.counters();
        this.service = service;
        this.virtual = virtual;
        this.slot = slot;
    }

    EventLoop loop() {
        return channel.eventLoop();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    // ---- datagrams from clients

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket p = (DatagramPacket) msg;
        receive(p.sender(), p.content());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        flushLegs();
    }

    /** One datagram from {@code client}; takes ownership of {@code data}. */
    private void receive(InetSocketAddress client, ByteBuf data) {
        if (closed) {
            data.release();
            return;
        }
        if (data.readableBytes() >= slot) {
            counters.udpOversized(data.readableBytes(), slot - 1);
            data.release();
            return;
        }
        if (!data.isReadable() && !context.setup().relaysEmptyDatagrams()) {
            counters.udpDropped.increment(); // the transport would count it sent and send nothing
            data.release();
            return;
        }
        UdpFlow f = flows.get(client);
        if (f == null) {
            place(client, data, false, null);
            return;
        }
        FlowRequest r = f.request; // the flow's own, set once: no address is read per datagram
        Outcome o = service.service.open(r);
        if (!o.admitted()) {
            counters.count(o); // (a flow whose server was deleted: dropped until it expires, as in IPVS)
            data.release();
            return;
        }
        Connection c = r.connection();
        if (f.accepts(c)) {
            dirty(f.forward(c, data));
            return;
        }
        // The flow's entry expired (its closer is on its way) or the service turned one-packet scheduling on or off:
        // this flow ends, and a new one takes its place, its slot and the connection just found. If the director
        // expired the entry inside open() (expireNodestConn, on this thread), the closer already ended the flow and
        // gave its slot back: the new flow must take a slot of its own.
        boolean slotHeld = !f.isClosed();
        f.closeNow(false);
        place(client, data, slotHeld, c);
    }

    /**
     * Starts a flow for a client this listener has none for.
     *
     * @param slotHeld whether the flow takes over the slot of one that just ended (no limit is checked)
     * @param c the connection {@code ServiceBinding.open} already returned for this datagram, or null
     */
    private void place(InetSocketAddress client, ByteBuf data, boolean slotHeld, Connection c) {
        AcceptGate gate = context.gate();
        if (c == null) {
            // The data path's flow limit is admission's last check: a new flow takes its permit in the director,
            // after every other check, so a client refused for another reason is counted under that reason.
            FlowRequest r = request.set(Protocol.UDP, client, virtual).flowLimit(gate.udpFlows());
            Outcome o = service.service.open(r);
            if (!o.admitted()) {
                counters.count(o); // the director counted it for its service
                if (o == Outcome.FLOW_LIMIT) {
                    gate.udpFlowLimitReached();
                }
                data.release();
                return;
            }
            c = r.connection();
            // PLACED: the new flow took its permit. FOUND: the director had the client's entry already (its flow
            // lives on another listener, or ended while the entry stays): the data path's flow takes a permit here.
            if (o != Outcome.PLACED && !gate.acquireUdpFlow(service)) {
                data.release();
                return;
            }
            if (service.service.atConnectionLimit()) {
                service.refresh(); // a firewall-mark group's TCP listeners stop accepting too
            }
        } else if (!slotHeld && !gate.acquireUdpFlow(service)) {
            data.release();
            return;
        }
        Connection.Closer owner = c.attached();
        if (owner instanceof UdpFlow && !((UdpFlow) owner).isClosed()) {
            // The flow lives on another listener of the endpoint (the kernel moved the client to another socket of
            // the SO_REUSEPORT group while it was being formed): it carries on there.
            gate.udpFlowClosed(service);
            ((UdpFlow) owner).forwardFromElsewhere(c, data);
            return;
        }
        UdpFlow f = new UdpFlow(this, client, c.isOnePacket() ? null : c);
        flows.put(client, f);
        dirty(f.forward(c, data));
    }

    /** A flow ended: forget it (it keeps its entry until it expires). */
    void removed(UdpFlow f) {
        flows.remove(f.client, f);
    }

    /** Marks {@code leg} to be flushed when this read batch ends. */
    private void dirty(UdpLeg leg) {
        if (leg == null || leg.dirty) {
            return;
        }
        leg.dirty = true;
        if (dirtyCount == dirty.length) {
            dirty = Arrays.copyOf(dirty, dirtyCount * 2);
        }
        dirty[dirtyCount++] = leg;
    }

    private void flushLegs() {
        for (int i = 0; i < dirtyCount; i++) {
            UdpLeg l = dirty[i];
            dirty[i] = null;
            l.dirty = false;
            l.flush();
        }
        dirtyCount = 0;
    }

    // ---- replies to clients

    /** Sends a reply to {@code client} from the virtual address; takes ownership of {@code data}. */
    void reply(InetSocketAddress client, ByteBuf data) {
        Channel ch = channel;
        if (closed || !ch.isWritable()) {
            counters.udpDropped.increment();
            data.release();
            return;
        }
        ch.write(new DatagramPacket(data, client), ch.voidPromise());
        if (++pendingReplies >= FLUSH_BATCH) {
            flushReplies();
        } else if (!flushScheduled) {
            flushScheduled = true;
            ch.eventLoop().execute(flushTask); // after every ready socket of this round was read
        }
    }

    private void flushTask() {
        flushScheduled = false;
        if (pendingReplies > 0) {
            flushReplies();
        }
    }

    private void flushReplies() {
        pendingReplies = 0;
        channel.flush();
    }

    // ---- endings

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        close();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        close();
    }

    /** The listening socket closed (the service stopped, or the data path): its flows end, their entries stay. */
    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (UdpFlow f : new ArrayList<>(flows.values())) {
            f.closeNow(true);
        }
        flows.clear();
        Arrays.fill(dirty, null);
        dirtyCount = 0;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A send to one client failed (for example, its network is unreachable): the socket serves the others.
        counters.udpErrorLog.log(() -> service.service.id() + ": UDP listener " + Addresses.toString(virtual) + ": "
                + cause);
    }

    /** The number of flows on this listener (tests). */
    int flows() {
        return flows.size();
    }
}
