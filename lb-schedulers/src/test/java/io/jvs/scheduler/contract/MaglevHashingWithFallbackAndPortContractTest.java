package io.jvs.scheduler.contract;

import io.jvs.api.Scheduler;
import io.jvs.api.SchedulerFlag;
import io.jvs.scheduler.Schedulers;
import io.jvs.scheduler.testing.SchedulerContractTest;
import java.util.EnumSet;
import java.util.Set;

class MaglevHashingWithFallbackAndPortContractTest extends SchedulerContractTest {

    @Override
    protected Scheduler.Factory factory() {
        return Schedulers.mh();
    }

    @Override
    protected Set<SchedulerFlag> flags() {
        return EnumSet.of(SchedulerFlag.FLAG_1, SchedulerFlag.FLAG_2);
    }
}
