#include "harness/load/cpu_mlp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "harness/load/cpu_workload.h"
#include "harness/load/profile.h"

namespace tbfault::load {
namespace {

LoadProfile Small() {
  LoadProfile p;
  EXPECT_TRUE(LoadProfileByName("small-fast", &p).ok());
  return p;
}

double MeanLoss(CpuMlp& mlp, const LoadProfile& p, int64_t first, int64_t n) {
  double sum = 0;
  for (int64_t s = first; s < first + n; ++s) {
    RawStep raw = mlp.Step(s, p.LearningRate(s), 0);
    sum += raw.stats[MlpDims::GlobalIndex(kLossGroup, kSum)] / mlp.dims().batch;
  }
  return sum / n;
}

TEST(CpuMlpTest, TrainingReducesLoss) {
  const LoadProfile p = Small();
  CpuMlp mlp(DimsOf(p), SyntheticData::Make(DimsOf(p), p.batches, 7));
  const double first = MeanLoss(mlp, p, 0, 20);
  MeanLoss(mlp, p, 20, 1000);
  const double last = MeanLoss(mlp, p, 1020, 20);
  EXPECT_TRUE(std::isfinite(first));
  // Cross-entropy starts near log(classes) and must fall well below it on the learnable task.
  EXPECT_NEAR(first, std::log(static_cast<double>(p.classes)), 0.5);
  EXPECT_LT(last, 0.6 * first) << "first " << first << " last " << last;
}

TEST(CpuMlpTest, AccuracyRises) {
  const LoadProfile p = Small();
  CpuMlp mlp(DimsOf(p), SyntheticData::Make(DimsOf(p), p.batches, 3));
  auto accuracy = [&](int64_t first, int64_t n) {
    double sum = 0;
    for (int64_t s = first; s < first + n; ++s) {
      sum += mlp.Step(s, p.LearningRate(s), 0).stats[MlpDims::GlobalIndex(kCorrectGroup, kSum)];
    }
    return sum / (n * p.batch);
  };
  const double before = accuracy(0, 16);
  accuracy(16, 1000);
  EXPECT_GT(accuracy(1016, 16), before + 0.2);
}

TEST(CpuMlpTest, HistogramCountsEveryValueInRange) {
  const LoadProfile p = Small();
  const MlpDims dims = DimsOf(p);
  CpuMlp mlp(dims, SyntheticData::Make(dims, p.batches, 1));
  RawStep raw = mlp.Step(0, 0.1f, kWantHistograms | kWantImage | kWantUnitNorms);
  for (int l = 0; l < dims.num_layers(); ++l) {
    for (int h = 0; h < 2; ++h) {
      double total = 0;
      for (int b = 0; b < kHistogramBuckets; ++b)
        total += raw.histograms[(2 * l + h) * kHistogramBuckets + b];
      EXPECT_EQ(total, raw.stats[MlpDims::StatIndex(l, h == 0 ? kWeights : kActivations, kCount)]);
    }
    EXPECT_LE(raw.stats[MlpDims::StatIndex(l, kWeights, kMin)],
              raw.stats[MlpDims::StatIndex(l, kWeights, kMax)]);
  }
  // The image spans the full grey range: min maps to 0, max to 255.
  int lo = 255, hi = 0;
  for (int i = 0; i < dims.image_height() * dims.image_width(); ++i) {
    lo = std::min<int>(lo, raw.image[i]);
    hi = std::max<int>(hi, raw.image[i]);
  }
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 255);
  for (int u = 0; u < dims.num_units(); ++u) EXPECT_GT(raw.unit_norms[u], 0.0f);
}

TEST(CpuMlpTest, HistogramBucketEdges) {
  EXPECT_EQ(HistogramBucket(0.0, 0.0, 1.0), 0);
  EXPECT_EQ(HistogramBucket(1.0, 0.0, 1.0), kHistogramBuckets - 1);
  EXPECT_EQ(HistogramBucket(0.5, 0.0, 1.0), kHistogramBuckets / 2);
  EXPECT_EQ(HistogramBucket(3.0, 3.0, 3.0), kHistogramBuckets - 1);
}

}  // namespace
}  // namespace tbfault::load
