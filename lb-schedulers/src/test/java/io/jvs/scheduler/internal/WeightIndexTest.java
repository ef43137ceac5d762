package io.jvs.scheduler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvs.api.Destination;
import io.jvs.scheduler.testing.FakeDestination;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The 16-ary index at its level boundaries, against a linear walk, before and after changes. */
class WeightIndexTest {

    private static int linear(List<FakeDestination> list, int from, int min) {
        for (int i = from; i < list.size(); i++) {
            if (WeightIndex.eligibleWeight(list.get(i)) >= min) {
                return i;
            }
        }
        return WeightIndex.NONE;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 15, 16, 17, 255, 256, 257, 4095, 4096, 4097})
    void findFirstMatchesALinearWalk(int n) {
        SplittableRandom random = new SplittableRandom(n);
        List<FakeDestination> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FakeDestination d = FakeDestination.of("10.4." + (i / 250) + "." + (i % 250 + 1), 80,
                    random.nextInt(10) == 0 ? 50 + random.nextInt(50) : random.nextInt(4));
            d.setOverloaded(random.nextInt(10) == 0);
            list.add(d);
        }
        WeightIndex index = new WeightIndex(new ArrayList<Destination>(list));
        for (int round = 0; round < 2; round++) {
            int max = 0;
            for (FakeDestination d : list) {
                max = Math.max(max, WeightIndex.eligibleWeight(d));
            }
            assertEquals(max, index.max());
            for (int from = 0; from <= n; from += 1 + random.nextInt(3)) {
                for (int min : new int[] {1, 2, 3, 50, 80, 100}) {
                    assertEquals(linear(list, from, min), index.findFirst(from, min), "n " + n + " from " + from
                            + " min " + min + " round " + round);
                }
            }
            // Change a third of the servers, then check again.
            for (int i = 0; i < n; i += 3) {
                FakeDestination d = list.get(i);
                d.setOverloaded(!d.isOverloaded());
                if (random.nextBoolean()) {
                    d.setWeight(random.nextInt(120));
                }
                index.refresh(d);
            }
            assertTrue(index.isExact());
        }
    }
}
