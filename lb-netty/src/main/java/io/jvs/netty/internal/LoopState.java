package io.jvs.netty.internal;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;

/**
 * The relays that live on one event loop, in an intrusive list, so that closing the data path can reach every
 * connection without a shared collection. Confined to its loop's thread.
 */
final class LoopState {

    final EventLoop loop;
    private TcpRelay head;

    LoopState(EventLoop loop) {
        this.loop = loop;
    }

    void link(TcpRelay r) {
        r.next = head;
        if (head != null) {
            head.prev = r;
        }
        head = r;
    }

    void unlink(TcpRelay r) {
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

    /** A copy of the live relays (the list changes while they are closed). */
    List<TcpRelay> relays() {
        List<TcpRelay> out = new ArrayList<>();
        for (TcpRelay r = head; r != null; r = r.next) {
            out.add(r);
        }
        return out;
    }
}
