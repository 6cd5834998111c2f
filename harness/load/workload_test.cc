#include "harness/load/workload.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <map>
#include <new>
#include <set>

#include "harness/load/step_timer.h"

// GCC pairs the replaced operator delete's free() with operator new by name and warns; they match
// here.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
// Counts every heap allocation in this test binary, to prove a step allocates nothing after
// warm-up.
namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace
void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace tbfault::load {
namespace {

LoadProfile Profile(const char* name) {
  LoadProfile p;
  Status s = LoadProfileByName(name, &p);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return p;
}

std::unique_ptr<Workload> Make(const LoadProfile& p, Device device, uint64_t seed,
                               bool sync = false) {
  std::unique_ptr<Workload> w;
  std::string note;
  Status s = MakeWorkload(p, {device, seed, sync}, &w, &note);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return w;
}

// Every value of a run, keyed by "<step> <kind> <tag>[#i]", so runs can be compared.
std::map<std::string, double> Collect(Workload& w, int64_t steps) {
  std::map<std::string, double> values;
  StepTimes times;
  Status s = RunSteps(
      w, 0, steps,
      [&](const StepOutput& out) {
        const std::string at = std::to_string(out.step) + " ";
        for (const ScalarValue& v : out.scalars)
          values[at + "scalar " + std::string(v.tag)] = v.value;
        for (const HistogramValue& h : out.histograms) {
          values[at + "hist-min " + std::string(h.tag)] = h.min;
          values[at + "hist-max " + std::string(h.tag)] = h.max;
          for (int b = 0; b < kHistogramBuckets; ++b) {
            values[at + "hist " + std::string(h.tag) + "#" + std::to_string(b)] = h.counts[b];
          }
        }
        for (const ImageValue& im : out.images) {
          double sum = 0;
          for (int i = 0; i < im.height * im.width * im.channels; ++i) sum += im.pixels[i];
          values[at + "image-mean " + std::string(im.tag)] =
              sum / (im.height * im.width * im.channels);
        }
        for (const TextValue& t : out.texts)
          values[at + "text " + std::string(t.tag)] = t.text.size();
        return Status::Ok();
      },
      &times);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return values;
}

TEST(WorkloadTest, ParseDevice) {
  Device d;
  ASSERT_TRUE(ParseDevice("cpu", &d).ok());
  EXPECT_EQ(d, Device::kCpu);
  ASSERT_TRUE(ParseDevice("auto", &d).ok());
  EXPECT_EQ(d, Device::kAuto);
  ASSERT_TRUE(ParseDevice("gpu", &d).ok());
  EXPECT_EQ(d, Device::kGpu);
  EXPECT_FALSE(ParseDevice("tpu", &d).ok());
}

TEST(WorkloadTest, AutoWithoutGpuPicksCpuAndSaysWhy) {
  std::string why;
  if (GpuAvailable(&why))
    GTEST_SKIP() << "a GPU is usable here; the fallback is tested on machines without one";
  std::unique_ptr<Workload> w;
  std::string note;
  ASSERT_TRUE(MakeWorkload(Profile("small-fast"), {Device::kAuto, 1, false}, &w, &note).ok());
  EXPECT_EQ(w->device(), "cpu");
  EXPECT_NE(note.find("CPU"), std::string::npos) << note;
  EXPECT_NE(note.find(why), std::string::npos) << note;
  EXPECT_EQ(note.find('\n'), std::string::npos);
  // Forcing the GPU is an error, not a silent fallback.
  Status s = MakeWorkload(Profile("small-fast"), {Device::kGpu, 1, false}, &w, &note);
  EXPECT_FALSE(s.ok());
  // Forcing the CPU gives no note.
  ASSERT_TRUE(MakeWorkload(Profile("small-fast"), {Device::kCpu, 1, false}, &w, &note).ok());
  EXPECT_TRUE(note.empty());
}

struct Expected {
  const char* profile;
  size_t scalars_per_step;
  int64_t histogram_every;
  size_t histograms;
  int64_t image_every;
  size_t burst_scalars;
  int64_t burst_every;
};

TEST(WorkloadTest, TagsAndShapesPerProfile) {
  const Expected cases[] = {
      {"small-fast", 10, 1000, 6, 0, 0, 0},
      {"llm-like", 108, 100, 26, 0, 0, 0},
      {"vision", 10, 100, 6, 50, 0, 0},
      {"burst", 10, 100, 6, 0, 500, 100},
  };
  for (const Expected& e : cases) {
    SCOPED_TRACE(e.profile);
    std::unique_ptr<Workload> w = Make(Profile(e.profile), Device::kCpu, 1);
    StepOutput out;
    std::set<std::string> first_tags;
    for (int64_t s = 0; s <= 100; ++s) {
      ASSERT_TRUE(w->Step(s, &out).ok());
      ASSERT_EQ(out.step, s);
      const bool burst = e.burst_every > 0 && s % e.burst_every == 0;
      EXPECT_EQ(out.scalars.size(), e.scalars_per_step + (burst ? e.burst_scalars : 0))
          << "step " << s;
      const bool hist = s % e.histogram_every == 0;
      EXPECT_EQ(out.histograms.size(), hist ? e.histograms : 0) << "step " << s;
      const bool image = e.image_every > 0 && s % e.image_every == 0;
      ASSERT_EQ(out.images.size(), image ? 1u : 0u) << "step " << s;
      if (image) {
        EXPECT_EQ(out.images[0].tag, "layer0/weights_image");
        EXPECT_EQ(out.images[0].height, w->profile().hidden[0]);
        EXPECT_EQ(out.images[0].width, w->profile().input);
        EXPECT_EQ(out.images[0].channels, 1);
      }
      std::set<std::string> tags;
      for (const ScalarValue& v : out.scalars) {
        EXPECT_TRUE(std::isfinite(v.value)) << v.tag;
        EXPECT_TRUE(tags.insert(std::string(v.tag)).second) << "duplicate tag " << v.tag;
      }
      for (const HistogramValue& h : out.histograms) {
        double total = 0;
        for (double c : h.counts) total += c;
        EXPECT_EQ(total, h.num) << h.tag;
        EXPECT_LE(h.Left(0), h.Right(kHistogramBuckets - 1));
        EXPECT_DOUBLE_EQ(h.Right(kHistogramBuckets - 1), h.max);
      }
      if (s == 0) first_tags = tags;
    }
    for (const char* tag : {"loss", "accuracy", "learning_rate", "grad_norm", "layer0/weight_norm",
                            "layer0/grad_norm"}) {
      EXPECT_TRUE(first_tags.count(tag)) << tag;
    }
  }
}

TEST(WorkloadTest, SameSeedSameValuesOtherSeedOtherValues) {
  const LoadProfile p = Profile("vision");
  std::unique_ptr<Workload> a = Make(p, Device::kCpu, 42), b = Make(p, Device::kCpu, 42),
                            c = Make(p, Device::kCpu, 43);
  const auto va = Collect(*a, 101), vb = Collect(*b, 101), vc = Collect(*c, 101);
  EXPECT_EQ(va, vb);
  ASSERT_EQ(va.size(), vc.size());
  EXPECT_NE(va.at("0 scalar loss"), vc.at("0 scalar loss"));
  EXPECT_NE(va.at("100 scalar layer0/weight_norm"), vc.at("100 scalar layer0/weight_norm"));
}

TEST(WorkloadTest, NoAllocationPerStepAfterWarmUp) {
  for (const char* name : {"small-fast", "llm-like", "vision", "burst"}) {
    SCOPED_TRACE(name);
    std::unique_ptr<Workload> w = Make(Profile(name), Device::kCpu, 1);
    StepOutput out;
    // Warm-up: one step of every kind (step 0 has histograms, images, bursts and text in every
    // profile).
    for (int64_t s = 0; s < 2; ++s) ASSERT_TRUE(w->Step(s, &out).ok());
    const int64_t before = g_allocations.load();
    for (int64_t s = 2; s <= 200; ++s) ASSERT_TRUE(w->Step(s, &out).ok());
    EXPECT_EQ(g_allocations.load() - before, 0);
  }
}

// The CUDA model against the CPU model, same seed: same tags and shapes, values within float
// tolerance. Runs only where a GPU is usable.
TEST(WorkloadTest, GpuMatchesCpu) {
  std::string why;
  if (!GpuAvailable(&why))
    GTEST_SKIP() << "no usable GPU (" << why << "): CUDA/CPU agreement not checked";
  for (const char* name : {"small-fast", "llm-like", "vision", "burst"}) {
    SCOPED_TRACE(name);
    const LoadProfile p = Profile(name);
    for (bool sync : {false, true}) {
      std::unique_ptr<Workload> cpu = Make(p, Device::kCpu, 5),
                                gpu = Make(p, Device::kGpu, 5, sync);
      ASSERT_NE(gpu->device().find("gpu"), std::string::npos);
      EXPECT_EQ(gpu->value_lag(), sync ? 0 : 1);
      const auto vc = Collect(*cpu, 101), vg = Collect(*gpu, 101);
      ASSERT_EQ(vc.size(), vg.size());
      int hist_off = 0;
      for (const auto& [key, value] : vc) {
        ASSERT_TRUE(vg.count(key)) << key;
        const double other = vg.at(key);
        if (key.find(" hist ") != std::string::npos) {
          hist_off +=
              static_cast<int>(std::fabs(value - other));  // values on bucket edges may move
        } else if (key.find("image-mean") != std::string::npos) {
          EXPECT_NEAR(value, other, 1.0) << key;
        } else if (key.find("accuracy") != std::string::npos) {
          EXPECT_NEAR(value, other, 2.0 / p.batch + 1e-6) << key;
        } else {
          EXPECT_NEAR(value, other, 1e-3 + 2e-3 * std::fabs(value)) << key;
        }
      }
      EXPECT_LE(hist_off, 8 + static_cast<int>(vc.size() / 100)) << "histogram counts differ";
    }
  }
}

}  // namespace
}  // namespace tbfault::load
