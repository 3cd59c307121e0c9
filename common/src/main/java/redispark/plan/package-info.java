/**
 * Sizing a training run from arithmetic: {@link redispark.plan.TrainPlan} turns a {@link redispark.plan.PlanRequest}
 * (model shape, sequence length, compute settings, machine) into the per-GPU peak memory by term, the step time and
 * the gradient traffic ({@code redi plan}); {@link redispark.plan.GpuCheckPlan} writes its predictions for the device
 * check ({@code tools/gpu-check/plan.json}).
 */
package redispark.plan;
