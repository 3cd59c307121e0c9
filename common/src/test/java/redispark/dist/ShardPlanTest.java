package redispark.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The driver's schedule: every item once per epoch, every rank in every step, balanced slices, N-independent. */
class ShardPlanTest {

    @Test
    void everyItemOncePerEpochAndSlicesDifferByAtMostOne() {
        int items = 37;
        int steps = ShardPlan.stepsPerEpoch(items, 8);
        assertThat(steps).isEqualTo(5);
        List<List<ShardPlan.Slot>> slots = ShardPlan.assign(items, steps, 3, 3, 11, 0);
        for (int e = 0; e < 3; e++) {
            int[][] perStepRank = new int[steps][3];
            Set<String> positions = new HashSet<>();
            for (List<ShardPlan.Slot> item : slots) {
                ShardPlan.Slot s = item.get(e);
                assertThat(s.epoch()).isEqualTo(e);
                perStepRank[s.step()][s.rank()]++;
                assertThat(positions.add(s.step() + "/" + s.rank() + "/" + s.position()))
                        .isTrue();
            }
            for (int[] ranks : perStepRank) {
                int min = Math.min(ranks[0], Math.min(ranks[1], ranks[2]));
                int max = Math.max(ranks[0], Math.max(ranks[1], ranks[2]));
                assertThat(max - min).isLessThanOrEqualTo(1);
                assertThat(min).isPositive();
            }
        }
    }

    @Test
    void theGlobalBatchesDoNotDependOnTheNumberOfRanks() {
        int items = 29;
        int steps = ShardPlan.stepsPerEpoch(items, 6);
        List<List<ShardPlan.Slot>> one = ShardPlan.assign(items, steps, 2, 1, 5, 0);
        List<List<ShardPlan.Slot>> four = ShardPlan.assign(items, steps, 2, 4, 5, 0);
        for (int e = 0; e < 2; e++) {
            for (int k = 0; k < steps; k++) {
                // the items of step k, in order: rank by rank, position by position
                assertThat(batch(four, e, k, 4)).isEqualTo(batch(one, e, k, 1));
            }
        }
        // another epoch is another order; the negatives' salt gives another order too
        assertThat(batch(one, 0, 0, 1)).isNotEqualTo(batch(one, 1, 0, 1));
        assertThat(batch(ShardPlan.assign(items, steps, 1, 1, 5, ShardPlan.SECOND_KIND), 0, 0, 1))
                .isNotEqualTo(batch(one, 0, 0, 1));
    }

    private static List<Integer> batch(List<List<ShardPlan.Slot>> slots, int epoch, int step, int world) {
        List<Integer> out = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            for (int p = 0; ; p++) {
                int found = -1;
                for (int i = 0; i < slots.size(); i++) {
                    ShardPlan.Slot s = slots.get(i).get(epoch);
                    if (s.step() == step && s.rank() == r && s.position() == p) {
                        found = i;
                    }
                }
                if (found < 0) {
                    break;
                }
                out.add(found);
            }
        }
        return out;
    }
}
