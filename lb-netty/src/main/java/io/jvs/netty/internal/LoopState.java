package io.jvs.netty.internal;

import io.jvs.core.FlowRequest;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The relays that live on one event loop, in an intrusive list, so that closing the data path can reach every
 * connection without a shared collection, the buffers its UDP flows reuse, the request its relays and listeners
 * ask the director with, and what its lean relays share. Confined to its loop's thread.
 */
final class LoopState {

    final EventLoop loop;
    /** What this loop's lean relays share; null where the lean relay is not used. */
    private final LeanLoop lean;
    /** The question relays and listeners of this loop ask the director, set anew each time. */
    private final FlowRequest request = new FlowRequest();
    private Relay head;
    /** The read (and PROXY header) buffers of the UDP flows on this loop; made at the first flow. */
    private volatile DatagramReadBuffers udpBuffers;

    LoopState(EventLoop loop, LeanLoop lean) {
        this.loop = loop;
        this.lean = lean;
    }

    /** What this loop's lean relays share; null where the lean relay is not used. */
    LeanLoop lean() {
        return lean;
    }

    /** This loop's {@link FlowRequest}: for its own thread only, valid until the next question. */
    FlowRequest request() {
        return request;
    }

    void link(Relay r) {
        r.next = head;
        if (head != null) {
            head.prev = r;
        }
        head = r;
    }

    void unlink(Relay r) {
        if (r.prev != null) {
            r.prev.next = r.next;
        } else if (head == r) {
            head = r.next;
        }
        if (r.next != null) {
            r.next.prev = r.prev;
        }
        r.prev = null;
        r.next = null;
    }

    /**
     * The buffers of UDP flows' sockets on this loop, {@code size} bytes each: a reply is read into one, a datagram
     * with a PROXY header is written from one. Called on this loop.
     */
    DatagramReadBuffers udpBuffers(int size, io.netty.buffer.ByteBufAllocator fallback) {
        DatagramReadBuffers b = udpBuffers;
        if (b == null) {
            udpBuffers = b = new DatagramReadBuffers(size, 256, fallback);
        }
        return b;
    }

    /** A copy of the live relays (the list changes while they are closed). */
    List<Relay> relays() {
        List<Relay> out = new ArrayList<>();
        for (Relay r = head; r != null; r = r.next) {
            out.add(r);
        }
        return out;
    }
}
