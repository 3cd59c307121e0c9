package redispark.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Training-step throughput of {@link Qwen2Model}: forward + next-token cross-entropy + backward + AdamW on random
 * tokens, with the per-step sub-manager + NDScope recipe and per-thread autograd. {@code tools/parity/bench_torch.py}
 * runs the same model and step in PyTorch eager for comparison.
 */
public final class TrainStepBench {

  private TrainStepBench() {}

  /**
   * Runs {@code steps} timed steps after one untimed warm-up step.
   *
   * @param configJson a Qwen2 {@code config.json}; weights are seeded, not loaded
   * @param threads libtorch intra-op threads for this process
   * @return {@code "train-step params=P tokens_per_s=X"} (plus ms per step and the last loss)
   */
  public static String run(Path configJson, int batch, int seq, int steps, int threads) {
    if (batch < 1 || seq < 2 || steps < 1 || threads < 1) {
      throw new IllegalArgumentException("need batch>=1, seq>=2, steps>=1, threads>=1");
    }
    ModelConfig cfg = ModelConfig.read(configJson);
    Engine.getEngine("PyTorch");
    JniUtils.setNumThreads(threads);
    boolean grad = JniUtils.isGradMode();
    try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Qwen2Model model = Qwen2Model.create(cfg, 1234L, root)) {
      AdamW opt = new AdamW(model.parameters(), 1e-3, 0.9, 0.95, 1e-8, 0.1, root);
      SplittableRandom rng = new SplittableRandom(99);
      float loss = step(model, opt, root, randomTokens(rng, batch, seq, cfg.vocabSize()), batch, seq);
      long rssStart = residentMiB();
      long rssMid = rssStart;
      long t0 = System.nanoTime();
      long c0 = processCpuNanos();
      for (int i = 0; i < steps; i++) {
        loss = step(model, opt, root, randomTokens(rng, batch, seq, cfg.vocabSize()), batch, seq);
        if (i == steps / 2) {
          rssMid = residentMiB();
        }
      }
      double sec = (System.nanoTime() - t0) / 1e9;
      double cpu = (processCpuNanos() - c0) / 1e9;
      long rssEnd = residentMiB();
      // cpu_ms_per_step (all threads of the process) helps read numbers taken on a shared, loaded machine; the
      // resident set after warm-up, half-way and at the end shows whether native memory grows with steps (allocator
      // caches fill early, so a leak is end - mid > 0 on a long run)
      return String.format(Locale.ROOT,
          "train-step params=%d tokens_per_s=%.1f ms_per_step=%.1f cpu_ms_per_step=%.1f loss=%.4f threads=%d "
              + "rss_mib_start=%d rss_mib_mid=%d rss_mib_end=%d",
          model.parameterCount(), (double) batch * seq * steps / sec, 1000 * sec / steps, 1000 * cpu / steps, loss,
          threads, rssStart, rssMid, rssEnd);
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  private static long processCpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
  }

  /** Resident set size of this process in MiB from {@code /proc/self/status}; -1 where there is no procfs. */
  static long residentMiB() {
    try {
      for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        }
      }
    } catch (java.io.IOException | NumberFormatException e) {
      return -1;
    }
    return -1;
  }

  private static long[] randomTokens(SplittableRandom rng, int batch, int seq, int vocab) {
    long[] ids = new long[batch * seq];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = rng.nextInt(vocab);
    }
    return ids;
  }

  /** One step: mean next-token NLL over all positions, backward, AdamW. Returns the loss. */
  static float step(Qwen2Model model, AdamW opt, NDManager root, long[] ids, int batch, int seq) {
    float loss;
    JniUtils.setGradMode(true);
    try (NDManager step = root.newSubManager(); NDScope scope = new NDScope()) {
      NDArray tokens = step.create(ids, new Shape(batch, seq)); // (B, T)
      NDArray mask = step.ones(new Shape(batch, seq - 1), DataType.INT64); // (B, T-1)
      NDArray input = tokens.get(":, :-1"); // (B, T-1)
      NDArray labels = tokens.get(":, 1:"); // (B, T-1)
      NDArray logits = model.forward(input, mask); // (B, T-1, V)
      NDArray nll = LogProbs.gather(logits, labels).mean().neg(); // 0-d
      loss = nll.getFloat();
      JniUtils.backward((PtNDArray) nll, (PtNDArray) step.ones(nll.getShape()), false, false);
    } finally {
      JniUtils.setGradMode(false);
    }
    opt.step();
    return loss;
  }

  /**
   * Minimal AdamW (decoupled weight decay on rank ≥ 2 tensors), run with grad mode off. Reads each gradient through a
   * closed wrapper, updates the weight in place and zeroes the gradient. State lives in its own manager.
   */
  static final class AdamW {
    private final List<NDArray> weights;
    private final List<NDArray> m;
    private final List<NDArray> v;
    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final NDManager state;
    private int t;

    AdamW(Map<String, NDArray> params, double lr, double beta1, double beta2, double eps, double weightDecay,
        NDManager parent) {
      this.weights = new ArrayList<>(params.values());
      this.lr = lr;
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.eps = eps;
      this.weightDecay = weightDecay;
      this.state = parent.newSubManager();
      this.m = new ArrayList<>();
      this.v = new ArrayList<>();
      for (NDArray w : weights) {
        NDArray a = state.zeros(w.getShape(), DataType.FLOAT32);
        NDArray b = state.zeros(w.getShape(), DataType.FLOAT32);
        NDScope.unregister(a, b);
        m.add(a);
        v.add(b);
      }
    }

    NDManager stateManager() {
      return state;
    }

    void step() {
      t++;
      double c1 = 1 - Math.pow(beta1, t);
      double c2 = 1 - Math.pow(beta2, t);
      boolean grad = JniUtils.isGradMode();
      JniUtils.setGradMode(false);
      try {
        for (int i = 0; i < weights.size(); i++) {
          NDArray w = weights.get(i);
          // the scope closes every temporary, whichever manager an op put it in (some land in the state manager)
          try (NDScope scope = new NDScope(); NDArray g = w.getGradient()) {
            m.get(i).muli(beta1).addi(g.mul(1 - beta1)); // m = β1 m + (1-β1) g
            v.get(i).muli(beta2).addi(g.square().muli(1 - beta2)); // v = β2 v + (1-β2) g²
            NDArray denom = v.get(i).div(c2).sqrt().addi(eps); // sqrt(v̂) + ε
            NDArray update = m.get(i).div(c1).divi(denom); // m̂ / (sqrt(v̂) + ε)
            if (w.getShape().dimension() >= 2 && weightDecay > 0) {
              w.muli(1 - lr * weightDecay);
            }
            w.subi(update.muli(lr));
            JniUtils.zeroGrad((PtNDArray) w);
          }
        }
      } finally {
        JniUtils.setGradMode(grad);
      }
    }
  }
}
