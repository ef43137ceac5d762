package io.jvs.scheduler.contract;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.SchedulerContractTest;

class LocalityBasedLeastConnectionContractTest extends SchedulerContractTest {

    @Override
    protected Scheduler.Factory factory() {
        return Schedulers.lblc();
    }

    @Override
    protected boolean alwaysSkipsOverloaded() {
        return false; // a cache hit ignores the OVERLOAD flag, as in the kernel
    }
}
