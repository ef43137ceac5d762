package io.jvs.scheduler.contract;

import io.jvs.api.Scheduler;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.SchedulerContractTest;

class MaglevHashingContractTest extends SchedulerContractTest {

    @Override
    protected Scheduler.Factory factory() {
        return Schedulers.mh();
    }

}
