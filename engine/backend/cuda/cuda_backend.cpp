// CudaBackend: choosing the GPU, prepare() (every buffer, once), the datasets on the device,
// host copies of the parameters, and the factory. The step calls are in cuda_steps.cpp.
#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "engine/backend/cuda/cuda_backend_impl.h"
#include "engine/backend/stage_checks.h"
#include "engine/metrics/memory_model.h"
#include "engine/model/activation_layout.h"
#include "engine/model/mlp_init.h"

namespace batchlab::cuda {
namespace {

// cuBLAS's recommended workspace (cublasSetWorkspace): 32 MiB on Hopper and later, 4 MiB before.
// Given explicitly so a captured graph never asks cuBLAS to allocate.
std::int64_t blas_workspace_bytes(int cc_major) {
  return (cc_major >= 9 ? 32 : 4) * (std::int64_t{1} << 20);
}

std::string gib(std::int64_t bytes) {
  const double g = static_cast<double>(bytes) / static_cast<double>(std::int64_t{1} << 30);
  const long tenths = static_cast<long>(g * 10.0 + 0.5);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " GiB";
}

}  // namespace

CudaBackend::Identity CudaBackend::select_device(const CudaOptions& options) {
  BATCHLAB_CUDA_CHECK(cudaSetDevice(options.device));
  cudaDeviceProp prop{};
  BATCHLAB_CUDA_CHECK(cudaGetDeviceProperties(&prop, options.device));
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  BATCHLAB_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  Identity id;
  id.total_bytes = static_cast<std::int64_t>(total_bytes);
  id.cc_major = prop.major;
  id.name = "cuda:" + std::to_string(options.device) + " (" + std::string(prop.name) + ", " +
            gib(id.total_bytes) + ", sm_" + std::to_string(prop.major) +
            std::to_string(prop.minor) + ", TF32 " + (options.tf32 ? "on" : "off") + ", graphs " +
            (options.graphs ? "on" : "off") + ")";
  return id;
}

CudaBackend::CudaBackend(const CudaOptions& options)
    : options_(options),
      identity_(select_device(options)),
      name_(identity_.name),
      memory_(options.budget_bytes) {
  if (options.loss_every < 1)
    throw std::invalid_argument("CudaBackend: loss_every must be at least 1");
  // cublasSetStream resets the workspace to cuBLAS's own pool, so it comes first; prepare()
  // then hands cuBLAS the workspace it carved from the accounted buffer.
  BATCHLAB_CUBLAS_CHECK(cublasSetStream(blas_.get(), compute_.get()));
  BATCHLAB_CUBLAS_CHECK(cublasSetMathMode(
      blas_.get(), options.tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
}

CudaBackend::~CudaBackend() {
  // Let queued work finish before its buffers go. A device that cannot (a fault inside a kernel
  // is sticky) is reset once everything is released, so a sweep's next run starts clean.
  const bool healthy =
      cudaSetDevice(options_.device) == cudaSuccess && cudaDeviceSynchronize() == cudaSuccess;
  (void)cudaGetLastError();
  ring_.clear();
  graphs_.clear();
  model_.reset();
  if (!healthy) {
    blas_.reset();
    compute_.reset();
    (void)cudaDeviceReset();
  }
}

void CudaBackend::activate_device() const {
  BATCHLAB_CUDA_CHECK(cudaSetDevice(options_.device));
}

void CudaBackend::require_prepared(const char* call) const {
  if (!model_) throw std::logic_error(std::string(call) + " before prepare");
}

void CudaBackend::require_training(const char* call) const {
  require_prepared(call);
  if (pass_ == Pass::inference)
    throw std::logic_error(std::string(call) + " on a model prepared for inference only");
}

void CudaBackend::require_staged(const char* call) const {
  require_prepared(call);
  if (staged_rows_ == 0)
    throw std::logic_error(std::string(call) + " needs a non-empty stage_batch first");
}

void CudaBackend::release_model() {
  // cudaFree waits for nothing on other streams: finish everything that may touch the buffers.
  if (model_) BATCHLAB_CUDA_CHECK(cudaDeviceSynchronize());
  ring_.clear();
  results_.clear();
  deferred_ = false;
  head_ = 0;
  pending_ = 0;
  open_ = false;
  next_step_ = 0;
  graphs_.clear();
  model_.reset();
  max_rows_ = 0;
  staged_slot_ = -1;
  staged_rows_ = 0;
  adam_t_ = 0;
}

void CudaBackend::allocate(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
                           std::uint64_t seed, Pass pass) {
  check_mlp_spec(spec, max_rows);
  activate_device();
  release_model();  // give the old model's bytes back before asking for new ones

  const bool training = pass == Pass::training;
  const std::int64_t p = mlp_parameter_count(spec);
  const ActivationLayout acts = mlp_activation_layout(spec, pass);
  // Inference keeps no gradient and no optimizer state (zero-byte buffers allocate nothing).
  const std::int64_t grad_values = training ? p : 0;
  const std::int64_t state_values = training ? optimizer_state_values(p, opt) : 0;
  constexpr std::int64_t kFloat = sizeof(float);

  auto m = std::make_unique<Model>();
  m->p = p;
  // Static state first, then what grows with max_rows, so a budget names the per-row buffers
  // when the batch is what does not fit (as on the CPU).
  m->params = DeviceBuffer(memory_, MemCategory::parameters, kFloat * p);
  m->grads = DeviceBuffer(memory_, MemCategory::gradients, kFloat * grad_values);
  m->opt_state = DeviceBuffer(memory_, MemCategory::optimizer, kFloat * state_values);

  BufferPlan ws;
  const std::int64_t blas_bytes = blas_workspace_bytes(identity_.cc_major);
  const std::int64_t at_blas = ws.add<char>(blas_bytes);
  const std::int64_t at_row_loss = ws.add<float>(max_rows);
  const std::int64_t at_row_hit = ws.add<std::int32_t>(max_rows);
  const std::int64_t at_partials = ws.add<double>(kNormBlocks);
  std::int64_t widest = spec.outputs;
  for (auto width : spec.hidden) widest = std::max(widest, width);
  const std::int64_t at_bias_partials = ws.add<double>(kBiasChunks * widest);
  const std::int64_t at_scalars = ws.add<DeviceScalars>(1);
  m->workspace = DeviceBuffer(memory_, MemCategory::workspace, ws.bytes());

  m->activations =
      DeviceBuffer(memory_, MemCategory::activations, kFloat * acts.values_per_row * max_rows);
  BufferPlan batch;
  const auto slots = InputPipeline::plan(spec, max_rows, batch);
  m->batch = DeviceBuffer(memory_, MemCategory::batch, batch.bytes());

  // Pinned host memory: the staging slots (laid out as on the device), then the scalars read
  // back in synchronous mode and the ring of step results read back in deferred mode.
  BufferPlan pinned = batch;
  const std::int64_t at_host_scalars = pinned.add<DeviceScalars>(1);
  const std::int64_t at_results = pinned.add<StepValues>(options_.loss_every);
  m->pinned = PinnedBuffer(pinned.bytes());
  m->input.emplace(spec, slots, m->batch, m->pinned);

  m->norm_partials = m->workspace.at<double>(at_partials);
  m->scalars = m->workspace.at<DeviceScalars>(at_scalars);
  m->host_scalars = m->pinned.at<DeviceScalars>(at_host_scalars);
  m->host_results = m->pinned.at<StepValues>(at_results);
  BATCHLAB_CUBLAS_CHECK(cublasSetWorkspace(blas_.get(), m->workspace.at<void>(at_blas),
                                           static_cast<std::size_t>(blas_bytes)));

  CudaMlp& mlp = m->mlp;
  mlp.activation = spec.activation;
  mlp.task = spec.task;
  mlp.blas = blas_.get();
  mlp.stream = compute_.get();
  mlp.row_loss = m->workspace.at<float>(at_row_loss);
  mlp.row_hit = m->workspace.at<std::int32_t>(at_row_hit);
  mlp.bias_partials = m->workspace.at<double>(at_bias_partials);
  mlp.scalars = m->scalars;
  const auto layout = mlp_layout(spec);
  const std::size_t n_layers = spec.widths().size() - 1;
  float* params = m->params.at<float>(0);
  float* grads = training ? m->grads.at<float>(0) : nullptr;
  float* act = m->activations.at<float>(0);
  for (std::size_t l = 0; l < n_layers; ++l) {
    const ParamEntry& w = layout[2 * l];
    const ParamEntry& bias = layout[2 * l + 1];
    CudaLayer layer;
    layer.fan_in = w.cols;
    layer.fan_out = w.rows;
    layer.weight = params + w.offset;
    layer.bias = params + bias.offset;
    layer.weight_grad = training ? grads + w.offset : nullptr;
    layer.bias_grad = training ? grads + bias.offset : nullptr;
    layer.z = act + acts.layers[l].z_offset * max_rows;
    layer.a = act + acts.layers[l].a_offset * max_rows;  // the logits: a == z
    mlp.layers.push_back(layer);
  }

  // cudaMalloc does not zero: gradients, optimizer state and the scalars start at 0. The
  // parameters come from the host, drawn by the CPU backend's very initialiser.
  const cudaStream_t s = compute_.get();
  if (grad_values > 0)
    BATCHLAB_CUDA_CHECK(
        cudaMemsetAsync(grads, 0, static_cast<std::size_t>(kFloat * grad_values), s));
  if (state_values > 0)
    BATCHLAB_CUDA_CHECK(cudaMemsetAsync(m->opt_state.at<void>(0), 0,
                                        static_cast<std::size_t>(kFloat * state_values), s));
  BATCHLAB_CUDA_CHECK(cudaMemsetAsync(m->scalars, 0, sizeof(DeviceScalars), s));
  std::vector<float> initial(static_cast<std::size_t>(p));
  init_mlp_parameters(spec, seed, initial);
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(params, initial.data(), initial.size() * sizeof(float),
                                      cudaMemcpyHostToDevice, s));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(s));  // `initial` is pageable and about to go

  model_ = std::move(m);
  spec_ = spec;
  opt_ = opt;
  max_rows_ = max_rows;
  pass_ = pass;
}

void CudaBackend::attach_data(const Dataset& train, const Dataset& val) {
  require_prepared("attach_data");
  if (!options_.resident_data) return;
  check_stage_source(spec_, max_rows_, train, 0);
  if (val.rows > 0) check_stage_source(spec_, max_rows_, val, 0);
  activate_device();
  model_->input->attach(train, val, memory_);
}

std::vector<float> CudaBackend::parameters() const {
  require_prepared("parameters");
  activate_device();
  std::vector<float> out(static_cast<std::size_t>(model_->p));
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(out.data(), model_->params.at<float>(0),
                                      out.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                      compute_.get()));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
  return out;
}

std::vector<float> CudaBackend::gradients() const {
  require_prepared("gradients");
  if (pass_ == Pass::inference) return {};  // no gradient buffer
  activate_device();
  std::vector<float> out(static_cast<std::size_t>(model_->p));
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(out.data(), model_->grads.at<float>(0),
                                      out.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                      compute_.get()));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
  return out;
}

std::vector<float> CudaBackend::outputs() const {
  if (!model_ || staged_rows_ == 0) return {};
  activate_device();
  std::vector<float> out(static_cast<std::size_t>(spec_.outputs * staged_rows_));
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(out.data(), model_->mlp.layers.back().z,
                                      out.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                      compute_.get()));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
  return out;
}

void CudaBackend::set_parameters(std::span<const float> values) {
  require_prepared("set_parameters");
  if (static_cast<std::int64_t>(values.size()) != model_->p)
    throw Error("set_parameters: got " + std::to_string(values.size()) +
                " values for a model with " + std::to_string(model_->p) + " parameters");
  activate_device();
  BATCHLAB_CUDA_CHECK(cudaMemcpyAsync(model_->params.at<float>(0), values.data(),
                                      values.size() * sizeof(float), cudaMemcpyHostToDevice,
                                      compute_.get()));
  BATCHLAB_CUDA_CHECK(cudaStreamSynchronize(compute_.get()));
}

CudaStats CudaBackend::stats() const {
  CudaStats s;
  s.graph_captures = graphs_.captures();
  s.graph_launches = graphs_.launches();
  s.eager_passes = eager_passes_ + graphs_.eager_runs();
  s.resident_data = model_ && model_->input && model_->input->resident();
  return s;
}

}  // namespace batchlab::cuda

namespace batchlab {

std::unique_ptr<Backend> make_cuda_backend(const CudaOptions& options) {
  const std::string device = "cuda:" + std::to_string(options.device);
  if (options.device < 0) throw Error("device \"" + device + "\": no such device");
  const GpuProbe probe = probe_gpus(options.device);  // touches no other GPU
  if (probe.gpus.empty())
    throw Error("device \"" + device + "\": " + probe.reason + "; use --device cpu (or auto)");
  const GpuInfo& gpu = probe.gpus.front();
  if (!gpu.unusable.empty())
    throw Error("device \"" + device + "\" (" + gpu.name + "): " + gpu.unusable);
  return std::make_unique<cuda::CudaBackend>(options);
}

CudaStats cuda_stats(const Backend& backend) {
  if (const auto* b = dynamic_cast<const cuda::CudaBackend*>(&backend)) return b->stats();
  return {};
}

}  // namespace batchlab
