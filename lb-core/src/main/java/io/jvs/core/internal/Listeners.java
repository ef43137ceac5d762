package io.jvs.core.internal;

import io.jvs.api.LoadBalancerListener;
import io.jvs.api.ServiceId;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.util.concurrent.CopyOnWriteArrayList;

/** The load balancer's listeners; each call is guarded so one failing listener cannot hurt the data path. */
public final class Listeners {

    private static final Logger LOG = System.getLogger(Listeners.class.getName());

    private final CopyOnWriteArrayList<LoadBalancerListener> list = new CopyOnWriteArrayList<>();

    public void add(LoadBalancerListener l) {
        list.addIfAbsent(l);
    }

    public void remove(LoadBalancerListener l) {
        list.remove(l);
    }

    void connectFailed(ServiceId service, InetSocketAddress server) {
        for (LoadBalancerListener l : list) {
            try {
                l.connectFailed(service, server);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "listener " + l + " failed", e);
            }
        }
    }
}
