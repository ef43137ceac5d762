/**
 * The IPVS scheduling algorithms. {@link io.jvs.scheduler.Schedulers} creates them; each is also registered by
 * its ipvsadm name for {@link io.jvs.api.Scheduler.Factory#byName(String)}.
 */
package io.jvs.scheduler;
