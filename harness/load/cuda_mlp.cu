// CUDA C++17. See cuda_mlp.h.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <vector>

#include "harness/load/cuda_mlp.h"

namespace tbfault::load::cuda {
namespace {

constexpr int kThreads = 256;

int Blocks(size_t n) {
  return static_cast<int>(std::min<size_t>((n + kThreads - 1) / kThreads, 4096));
}

bool Check(cudaError_t e, const char* what, std::string* error) {
  if (e == cudaSuccess) return true;
  *error = std::string(what) + ": " + cudaGetErrorName(e) + " (" +
           std::to_string(static_cast<int>(e)) + "): " + cudaGetErrorString(e);
  return false;
}

bool CheckBlas(cublasStatus_t s, const char* what, std::string* error) {
  if (s == CUBLAS_STATUS_SUCCESS) return true;
  *error = std::string(what) + ": cuBLAS status " + std::to_string(static_cast<int>(s));
  return false;
}

// z[b*out + o] += bias[o]; ReLU when `relu`.
__global__ void BiasRelu(float* z, const float* bias, int out, int batch, bool relu) {
  const size_t n = static_cast<size_t>(out) * batch;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    float v = z[i] + bias[i % out];
    z[i] = relu ? fmaxf(v, 0.0f) : v;
  }
}

// One thread per sample: softmax cross-entropy, dz = (softmax - onehot) / batch.
__global__ void SoftmaxLoss(const float* logits, const int* labels, int classes, int batch,
                            float* dz, float* loss, float* correct) {
  const int b = blockIdx.x * blockDim.x + threadIdx.x;
  if (b >= batch) return;
  const float* x = logits + static_cast<size_t>(b) * classes;
  float* d = dz + static_cast<size_t>(b) * classes;
  float mx = x[0];
  int arg = 0;
  for (int c = 1; c < classes; ++c) {
    if (x[c] > mx) mx = x[c], arg = c;
  }
  float denom = 0;
  for (int c = 0; c < classes; ++c) denom += expf(x[c] - mx);
  const int label = labels[b];
  for (int c = 0; c < classes; ++c)
    d[c] = (expf(x[c] - mx) / denom - (c == label ? 1.0f : 0.0f)) / batch;
  loss[b] = logf(denom) - (x[label] - mx);
  correct[b] = arg == label ? 1.0f : 0.0f;
}

// dz[i] = act[i] > 0 ? dz[i] : 0 (the ReLU's backward, in place on W^T dz).
__global__ void ReluMask(float* dz, const float* act, size_t n) {
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    if (!(act[i] > 0)) dz[i] = 0;
  }
}

// db[o] = sum over b of dz[b*out + o].
__global__ void ColumnSum(const float* dz, int out, int batch, float* db) {
  const int o = blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= out) return;
  float s = 0;
  for (int b = 0; b < batch; ++b) s += dz[static_cast<size_t>(b) * out + o];
  db[o] = s;
}

// One block: [sum, sumsq, min, max, max|x|, zeros, count] of x into group (doubles), deterministic
// order.
__global__ void Reduce(const float* x, size_t n, double* group) {
  __shared__ double sh[kGroupSize - 1][kThreads];
  double sum = 0, sumsq = 0, mn = DBL_MAX, mx = -DBL_MAX, maxabs = 0, zeros = 0;
  for (size_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double v = x[i];
    sum += v;
    sumsq += v * v;
    mn = fmin(mn, v);
    mx = fmax(mx, v);
    maxabs = fmax(maxabs, fabs(v));
    zeros += v == 0 ? 1 : 0;
  }
  const int t = threadIdx.x;
  sh[0][t] = sum, sh[1][t] = sumsq, sh[2][t] = mn, sh[3][t] = mx, sh[4][t] = maxabs,
  sh[5][t] = zeros;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (t < stride) {
      sh[0][t] += sh[0][t + stride];
      sh[1][t] += sh[1][t + stride];
      sh[2][t] = fmin(sh[2][t], sh[2][t + stride]);
      sh[3][t] = fmax(sh[3][t], sh[3][t + stride]);
      sh[4][t] = fmax(sh[4][t], sh[4][t + stride]);
      sh[5][t] += sh[5][t + stride];
    }
    __syncthreads();
  }
  if (t == 0) {
    for (int f = 0; f < kCount; ++f) group[f] = sh[f][0];
    group[kCount] = static_cast<double>(n);
  }
}

// Counts x into kHistogramBuckets buckets over [group[kMin], group[kMax]] (read on the device).
__global__ void Histogram(const float* x, size_t n, const double* group, unsigned int* counts) {
  __shared__ unsigned int local[kHistogramBuckets];
  if (threadIdx.x < kHistogramBuckets) local[threadIdx.x] = 0;
  __syncthreads();
  const double mn = group[kMin], mx = group[kMax];
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    atomicAdd(&local[HistogramBucket(x[i], mn, mx)], 1u);
  }
  __syncthreads();
  if (threadIdx.x < kHistogramBuckets) atomicAdd(&counts[threadIdx.x], local[threadIdx.x]);
}

// image[r*width + c] = weight (unit r, input c) scaled over [min, max] of the weights.
__global__ void Image(const float* w, int height, int width, const double* group,
                      unsigned char* image) {
  const size_t n = static_cast<size_t>(height) * width;
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    const size_t r = i / width, c = i % width;
    image[i] = ImagePixel(w[c * height + r], group[kMin], group[kMax]);
  }
}

// norms[o] = L2 norm of unit o's incoming weights (row o of the column-major [out x in] matrix).
__global__ void UnitNorms(const float* w, int in, int out, float* norms) {
  const int o = blockIdx.x * blockDim.x + threadIdx.x;
  if (o >= out) return;
  double s = 0;
  for (int i = 0; i < in; ++i) {
    const double v = w[static_cast<size_t>(i) * out + o];
    s += v * v;
  }
  norms[o] = static_cast<float>(sqrt(s));
}

__global__ void Sgd(float* w, const float* g, float lr, size_t n) {
  for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    w[i] -= lr * g[i];
}

template <typename T>
bool DeviceAlloc(T** p, size_t n, std::string* error) {
  return Check(cudaMalloc(reinterpret_cast<void**>(p), std::max<size_t>(n, 1) * sizeof(T)),
               "cudaMalloc", error);
}
template <typename T>
bool HostAlloc(T** p, size_t n, std::string* error) {
  return Check(cudaHostAlloc(reinterpret_cast<void**>(p), std::max<size_t>(n, 1) * sizeof(T),
                             cudaHostAllocDefault),
               "cudaHostAlloc", error);
}

}  // namespace

bool DeviceCount(int* count, std::string* error) {
  *count = 0;
  return Check(cudaGetDeviceCount(count), "cudaGetDeviceCount", error);
}

std::string DeviceName() {
  int device = 0;
  cudaDeviceProp prop;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaGetDeviceProperties(&prop, device) != cudaSuccess)
    return "?";
  return prop.name;
}

struct GpuMlp::Impl {
  struct Slot {
    cudaEvent_t ready = nullptr;
    int64_t step = -1;
    unsigned flags = 0;
    double* stats = nullptr;
    unsigned int* histograms = nullptr;
    float* unit_norms = nullptr;
    unsigned char* image = nullptr;
  };

  MlpDims dims;
  int batches = 0;
  cudaStream_t stream = nullptr;
  cublasHandle_t blas = nullptr;
  float* inputs = nullptr;  // [batches][input * batch]
  int* labels = nullptr;    // [batches][batch]
  std::vector<float*> w, b, dw, db, act, dz;
  float *loss = nullptr, *correct = nullptr;
  double* stats = nullptr;
  unsigned int* histograms = nullptr;
  float* unit_norms = nullptr;
  unsigned char* image = nullptr;
  Slot slots[kRingSlots];

  ~Impl() {
    if (stream != nullptr) cudaStreamSynchronize(stream);
    for (auto* v : {&w, &b, &dw, &db, &act, &dz}) {
      for (float* p : *v) cudaFree(p);
    }
    for (void* p :
         {static_cast<void*>(inputs), static_cast<void*>(labels), static_cast<void*>(loss),
          static_cast<void*>(correct), static_cast<void*>(stats), static_cast<void*>(histograms),
          static_cast<void*>(unit_norms), static_cast<void*>(image)}) {
      cudaFree(p);
    }
    for (Slot& s : slots) {
      if (s.ready != nullptr) cudaEventDestroy(s.ready);
      cudaFreeHost(s.stats);
      cudaFreeHost(s.histograms);
      cudaFreeHost(s.unit_norms);
      cudaFreeHost(s.image);
    }
    if (blas != nullptr) cublasDestroy(blas);
    if (stream != nullptr) cudaStreamDestroy(stream);
  }
};

GpuMlp::GpuMlp(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GpuMlp::~GpuMlp() = default;

std::unique_ptr<GpuMlp> GpuMlp::Create(const MlpDims& dims, const SyntheticData& data,
                                       std::string* error) {
  auto m = std::make_unique<Impl>();
  m->dims = dims;
  m->batches = static_cast<int>(data.inputs.size());
  const int layers = dims.num_layers(), batch = dims.batch;
  const size_t in_size = static_cast<size_t>(dims.in(0)) * batch;
  if (!Check(cudaStreamCreateWithFlags(&m->stream, cudaStreamNonBlocking), "cudaStreamCreate",
             error) ||
      !CheckBlas(cublasCreate(&m->blas), "cublasCreate", error) ||
      !CheckBlas(cublasSetStream(m->blas, m->stream), "cublasSetStream", error) ||
      !CheckBlas(cublasSetMathMode(m->blas, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode", error) ||
      !DeviceAlloc(&m->inputs, in_size * m->batches, error) ||
      !DeviceAlloc(&m->labels, static_cast<size_t>(batch) * m->batches, error)) {
    return nullptr;
  }
  for (int k = 0; k < m->batches; ++k) {
    if (!Check(cudaMemcpy(m->inputs + in_size * k, data.inputs[k].data(), in_size * sizeof(float),
                          cudaMemcpyHostToDevice),
               "cudaMemcpy inputs", error) ||
        !Check(cudaMemcpy(m->labels + static_cast<size_t>(batch) * k, data.labels[k].data(),
                          batch * sizeof(int), cudaMemcpyHostToDevice),
               "cudaMemcpy labels", error)) {
      return nullptr;
    }
  }
  m->w.assign(layers, nullptr), m->b.assign(layers, nullptr), m->dw.assign(layers, nullptr);
  m->db.assign(layers, nullptr), m->act.assign(layers, nullptr), m->dz.assign(layers, nullptr);
  for (int l = 0; l < layers; ++l) {
    const size_t wn = static_cast<size_t>(dims.in(l)) * dims.out(l),
                 an = static_cast<size_t>(dims.out(l)) * batch;
    if (!DeviceAlloc(&m->w[l], wn, error) || !DeviceAlloc(&m->dw[l], wn, error) ||
        !DeviceAlloc(&m->b[l], dims.out(l), error) || !DeviceAlloc(&m->db[l], dims.out(l), error) ||
        !DeviceAlloc(&m->act[l], an, error) || !DeviceAlloc(&m->dz[l], an, error) ||
        !Check(
            cudaMemcpy(m->w[l], data.weights[l].data(), wn * sizeof(float), cudaMemcpyHostToDevice),
            "cudaMemcpy weights", error) ||
        !Check(cudaMemset(m->b[l], 0, dims.out(l) * sizeof(float)), "cudaMemset", error)) {
      return nullptr;
    }
  }
  const size_t hist_n = static_cast<size_t>(dims.num_histograms()) * kHistogramBuckets;
  const size_t image_n = static_cast<size_t>(dims.image_height()) * dims.image_width();
  if (!DeviceAlloc(&m->loss, batch, error) || !DeviceAlloc(&m->correct, batch, error) ||
      !DeviceAlloc(&m->stats, dims.num_stats(), error) ||
      !DeviceAlloc(&m->histograms, hist_n, error) ||
      !DeviceAlloc(&m->unit_norms, dims.num_units(), error) ||
      !DeviceAlloc(&m->image, image_n, error)) {
    return nullptr;
  }
  for (Impl::Slot& s : m->slots) {
    if (!Check(cudaEventCreateWithFlags(&s.ready, cudaEventDisableTiming), "cudaEventCreate",
               error) ||
        !HostAlloc(&s.stats, dims.num_stats(), error) || !HostAlloc(&s.histograms, hist_n, error) ||
        !HostAlloc(&s.unit_norms, dims.num_units(), error) ||
        !HostAlloc(&s.image, image_n, error)) {
      return nullptr;
    }
  }
  return std::unique_ptr<GpuMlp>(new GpuMlp(std::move(m)));
}

bool GpuMlp::Enqueue(int64_t step, float lr, unsigned flags, std::string* error) {
  Impl& m = *impl_;
  const MlpDims& d = m.dims;
  const int layers = d.num_layers(), batch = d.batch;
  const size_t k = static_cast<size_t>(step % m.batches);
  const float* x0 = m.inputs + k * static_cast<size_t>(d.in(0)) * batch;
  const int* labels = m.labels + k * batch;
  const float one = 1.0f, zero = 0.0f;
  cudaStream_t st = m.stream;

  for (int l = 0; l < layers; ++l) {
    const int in = d.in(l), out = d.out(l);
    const float* x = l == 0 ? x0 : m.act[l - 1];
    if (!CheckBlas(cublasSgemm(m.blas, CUBLAS_OP_N, CUBLAS_OP_N, out, batch, in, &one, m.w[l], out,
                               x, in, &zero, m.act[l], out),
                   "forward sgemm", error)) {
      return false;
    }
    BiasRelu<<<Blocks(static_cast<size_t>(out) * batch), kThreads, 0, st>>>(m.act[l], m.b[l], out,
                                                                            batch, l + 1 < layers);
  }
  SoftmaxLoss<<<(batch + kThreads - 1) / kThreads, kThreads, 0, st>>>(
      m.act[layers - 1], labels, d.classes(), batch, m.dz[layers - 1], m.loss, m.correct);
  for (int l = layers - 1; l >= 0; --l) {
    const int in = d.in(l), out = d.out(l);
    const float* x = l == 0 ? x0 : m.act[l - 1];
    if (!CheckBlas(cublasSgemm(m.blas, CUBLAS_OP_N, CUBLAS_OP_T, out, in, batch, &one, m.dz[l], out,
                               x, in, &zero, m.dw[l], out),
                   "weight-gradient sgemm", error)) {
      return false;
    }
    ColumnSum<<<(out + kThreads - 1) / kThreads, kThreads, 0, st>>>(m.dz[l], out, batch, m.db[l]);
    if (l == 0) continue;
    if (!CheckBlas(cublasSgemm(m.blas, CUBLAS_OP_T, CUBLAS_OP_N, in, batch, out, &one, m.w[l], out,
                               m.dz[l], out, &zero, m.dz[l - 1], in),
                   "input-gradient sgemm", error)) {
      return false;
    }
    const size_t n = static_cast<size_t>(in) * batch;
    ReluMask<<<Blocks(n), kThreads, 0, st>>>(m.dz[l - 1], m.act[l - 1], n);
  }

  Reduce<<<1, kThreads, 0, st>>>(m.loss, batch, m.stats + MlpDims::GlobalIndex(kLossGroup, 0));
  Reduce<<<1, kThreads, 0, st>>>(m.correct, batch,
                                 m.stats + MlpDims::GlobalIndex(kCorrectGroup, 0));
  for (int l = 0; l < layers; ++l) {
    const size_t wn = static_cast<size_t>(d.in(l)) * d.out(l),
                 an = static_cast<size_t>(d.out(l)) * batch;
    Reduce<<<1, kThreads, 0, st>>>(m.w[l], wn, m.stats + MlpDims::StatIndex(l, kWeights, 0));
    Reduce<<<1, kThreads, 0, st>>>(m.dw[l], wn, m.stats + MlpDims::StatIndex(l, kGrads, 0));
    Reduce<<<1, kThreads, 0, st>>>(m.act[l], an, m.stats + MlpDims::StatIndex(l, kActivations, 0));
  }
  const size_t hist_n = static_cast<size_t>(d.num_histograms()) * kHistogramBuckets;
  if (flags & kWantHistograms) {
    if (!Check(cudaMemsetAsync(m.histograms, 0, hist_n * sizeof(unsigned int), st),
               "cudaMemsetAsync", error)) {
      return false;
    }
    for (int l = 0; l < layers; ++l) {
      const size_t wn = static_cast<size_t>(d.in(l)) * d.out(l),
                   an = static_cast<size_t>(d.out(l)) * batch;
      Histogram<<<Blocks(wn), kThreads, 0, st>>>(
          m.w[l], wn, m.stats + MlpDims::StatIndex(l, kWeights, 0),
          m.histograms + static_cast<size_t>(2 * l) * kHistogramBuckets);
      Histogram<<<Blocks(an), kThreads, 0, st>>>(
          m.act[l], an, m.stats + MlpDims::StatIndex(l, kActivations, 0),
          m.histograms + static_cast<size_t>(2 * l + 1) * kHistogramBuckets);
    }
  }
  const size_t image_n = static_cast<size_t>(d.image_height()) * d.image_width();
  if (flags & kWantImage) {
    Image<<<Blocks(image_n), kThreads, 0, st>>>(m.w[0], d.image_height(), d.image_width(),
                                                m.stats + MlpDims::StatIndex(0, kWeights, 0),
                                                m.image);
  }
  if (flags & kWantUnitNorms) {
    int u = 0;
    for (int l = 0; l < layers; ++l) {
      UnitNorms<<<(d.out(l) + kThreads - 1) / kThreads, kThreads, 0, st>>>(
          m.w[l], d.in(l), d.out(l), m.unit_norms + u);
      u += d.out(l);
    }
  }
  for (int l = 0; l < layers; ++l) {
    const size_t wn = static_cast<size_t>(d.in(l)) * d.out(l);
    Sgd<<<Blocks(wn), kThreads, 0, st>>>(m.w[l], m.dw[l], lr, wn);
    Sgd<<<Blocks(d.out(l)), kThreads, 0, st>>>(m.b[l], m.db[l], lr, d.out(l));
  }
  // cudaErrorNotReady is a cudaEventQuery answer, not a launch failure, should a runtime record it.
  if (cudaError_t e = cudaGetLastError(); e != cudaErrorNotReady && !Check(e, "kernel launch", error)) {
    return false;
  }

  Impl::Slot& slot = m.slots[step % kRingSlots];
  slot.step = step;
  slot.flags = flags;
  if (!Check(cudaMemcpyAsync(slot.stats, m.stats, d.num_stats() * sizeof(double),
                             cudaMemcpyDeviceToHost, st),
             "cudaMemcpyAsync stats", error)) {
    return false;
  }
  if ((flags & kWantHistograms) &&
      !Check(cudaMemcpyAsync(slot.histograms, m.histograms, hist_n * sizeof(unsigned int),
                             cudaMemcpyDeviceToHost, st),
             "cudaMemcpyAsync histograms", error)) {
    return false;
  }
  if ((flags & kWantImage) &&
      !Check(cudaMemcpyAsync(slot.image, m.image, image_n, cudaMemcpyDeviceToHost, st),
             "cudaMemcpyAsync image", error)) {
    return false;
  }
  if ((flags & kWantUnitNorms) &&
      !Check(cudaMemcpyAsync(slot.unit_norms, m.unit_norms, d.num_units() * sizeof(float),
                             cudaMemcpyDeviceToHost, st),
             "cudaMemcpyAsync unit norms", error)) {
    return false;
  }
  return Check(cudaEventRecord(slot.ready, st), "cudaEventRecord", error);
}

bool GpuMlp::Collect(int64_t step, RawStep* out, bool* waited, std::string* error) {
  Impl::Slot& slot = impl_->slots[step % kRingSlots];
  if (slot.step != step) {
    *error = "step " + std::to_string(step) + " is not staged (slot holds step " +
             std::to_string(slot.step) + ")";
    return false;
  }
  *waited = false;
  cudaError_t e = cudaEventQuery(slot.ready);
  if (e == cudaErrorNotReady) {
    *waited = true;
    e = cudaEventSynchronize(slot.ready);
  }
  if (!Check(e, "cudaEventQuery", error)) return false;
  out->step = step;
  out->flags = slot.flags;
  out->stats = slot.stats;
  out->histograms = slot.histograms;
  out->unit_norms = slot.unit_norms;
  out->image = slot.image;
  return true;
}

}  // namespace tbfault::load::cuda
