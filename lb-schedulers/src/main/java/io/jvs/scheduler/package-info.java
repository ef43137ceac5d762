/**
 * The IPVS scheduling algorithms: {@link io.jvs.scheduler.Schedulers} creates them; each is also registered by its
 * ipvsadm name ({@code rr, wrr, lc, wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos, none}) for
 * {@link io.jvs.api.Scheduler.Factory#byName(String)}.
 *
 * <p>Every scheduler makes exactly the choice of the Linux kernel module of the same name, over the newest-first
 * server list, and picks without locking or allocating.
 */
package io.jvs.scheduler;
