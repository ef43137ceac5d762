/**
 * The IPVS scheduling algorithms, one class per kernel module ({@code ip_vs_rr.c} &rarr;
 * {@link io.jvs.scheduler.internal.RoundRobinScheduler}, ...), each registered by a nested {@code Provider}. Not
 * API: create them through {@link io.jvs.scheduler.Schedulers} or by name.
 *
 * <h2>Indexes</h2>
 * The kernel scans the destination list on every new connection. Here:
 * <ul>
 *   <li>{@link io.jvs.scheduler.internal.RankedTable}: a tournament tree whose root is the least-connection
 *       family's choice ({@code lc, wlc, sed, nq, fo, ovf}, and {@code lblc}/{@code lblcr}'s service-wide one);</li>
 *   <li>{@link io.jvs.scheduler.internal.WeightIndex}: a 16-ary max tree of eligible weights, for {@code rr} and
 *       {@code wrr}'s "next server after p with weight &ge; cw";</li>
 *   <li>a Fenwick tree of eligible weights for {@code twos};</li>
 *   <li>lookup tables rebuilt on update for {@code dh}, {@code sh} and {@code mh}, as in the kernel.</li>
 * </ul>
 * Every index returns exactly the server the kernel's scan would, ties included (the earlier, newer server).
 *
 * <h2>Threads</h2>
 * {@code update} runs on the control thread: it builds a new index from the list, publishes it with a volatile
 * write, then re-reads every server once, so a counter change whose thread still saw the old index is not lost.
 * {@code countersChanged} runs on data-path threads, several at once: leaves change by compare-and-set and are
 * re-checked against the live counters; tree nodes carry a version so that a stale recomputation cannot
 * overwrite a newer one. {@code select} reads the index without locking or allocating.
 */
package io.jvs.scheduler.internal;
