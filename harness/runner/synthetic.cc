#include "harness/runner/synthetic.h"

#include <time.h>

#include <cmath>

namespace tbfault::runner {
namespace {

// SplitMix64: a value from (seed, a, b) alone, so a restarted process logs the same values.
uint64_t Mix(uint64_t seed, uint64_t a, uint64_t b) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (a + 1) + 0xbf58476d1ce4e5b9ull * (b + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

float Unit(uint64_t bits) { return static_cast<float>(bits >> 40) / static_cast<float>(1 << 24); }

}  // namespace

SyntheticWorkload::SyntheticWorkload(const scenario::Workload& w, uint64_t seed,
                                     const std::string& tag_prefix)
    : w_(w), seed_(seed) {
  for (int i = 0; i < w.scalars_per_step(); ++i) {
    scalar_tags_.push_back(tag_prefix + "scalar/" + std::to_string(i));
  }
  histogram_tag_ = tag_prefix + "histogram/weights";
  image_tag_ = tag_prefix + "image/sample";
  text_tag_ = tag_prefix + "text/note";
  pixels_.resize(16 * 16 * 3);
}

void SyntheticWorkload::Step(int64_t step, bool compute, load::StepOutput* out) {
  if (compute && w_.step_ms() > 0) {
    double ms = w_.step_ms();
    timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(std::fmod(ms, 1000.0) * 1e6)};
    nanosleep(&ts, nullptr);
  }
  out->Clear();
  out->step = step;
  uint64_t s = static_cast<uint64_t>(step);
  for (size_t i = 0; i < scalar_tags_.size(); ++i) {
    float v = 1.0f / (1.0f + 0.01f * static_cast<float>(step)) + 0.01f * Unit(Mix(seed_, i, s));
    out->scalars.push_back({scalar_tags_[i], v});
  }
  auto due = [&](int32_t every) { return every > 0 && step % every == 0; };
  if (due(w_.histogram_every())) {
    load::HistogramValue h;
    h.tag = histogram_tag_;
    h.min = -1;
    h.max = 1;
    for (int i = 0; i < load::kHistogramBuckets; ++i) {
      h.counts[i] = static_cast<double>(Mix(seed_, 1000 + i, s) % 100);
      h.num += h.counts[i];
    }
    out->histograms.push_back(h);
  }
  if (due(w_.image_every())) {
    for (size_t i = 0; i < pixels_.size(); ++i) {
      pixels_[i] = static_cast<uint8_t>(Mix(seed_, 2000 + i / 64, s) >> (8 * (i % 8)));
    }
    out->images.push_back({image_tag_, 16, 16, 3, pixels_.data()});
  }
  if (due(w_.text_every())) {
    text_ = "step " + std::to_string(step) + ": note " + std::to_string(Mix(seed_, 3000, s) % 1000);
    out->texts.push_back({text_tag_, text_});
  }
}

Status SyntheticLoad::Step(int64_t step, load::StepOutput* out) {
  for (size_t k = 0; k < parts_.size(); ++k) {
    if (k == 0) {  // the common case, one writer, copies nothing.
      parts_[0]->Step(step, true, out);
      continue;
    }
    parts_[k]->Step(step, false, &part_);
    out->scalars.insert(out->scalars.end(), part_.scalars.begin(), part_.scalars.end());
    out->histograms.insert(out->histograms.end(), part_.histograms.begin(), part_.histograms.end());
    out->images.insert(out->images.end(), part_.images.begin(), part_.images.end());
    out->texts.insert(out->texts.end(), part_.texts.begin(), part_.texts.end());
  }
  return Status::Ok();
}

}  // namespace tbfault::runner
