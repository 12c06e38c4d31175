// defines: DataParallelBackend (R replicas behind the Backend interface), make_data_parallel
// The Trainer drives it like one device (DESIGN §7 "Parallel"). Each pass's staged rows are cut
// into one shard per replica (shard_split.h); replica r runs forward_backward on its shard with
// grad_scale · shard/rows, so the replicas' gradients sum to the single-device gradient. In the
// pass that ends the step (sync_next_backward) the gradients are all-reduced in place, bucket by
// bucket (gradient_buckets.h): with parallel.overlap a layer's bucket is reduced as soon as every
// replica has finished it in its backward pass, while earlier layers still compute. The sum lands
// in every replica's buffer and every replica then takes the same optimizer step: the same inputs
// through the same code give the same bits, so replicas stay identical without a broadcast of
// parameters (and the CPU backend's deferred, fused update keeps working per replica).
// Replicas run on persistent worker threads (replica_workers.h); staging, apply_update and the
// slow-path copies run on the caller's thread while the workers sleep. Nothing is allocated
// after prepare(). Memory: each replica is one device (device_memory), memory() their sum; a
// budget applies per device. A multi-GPU version keeps this class and swaps the reduction for
// NCCL's (see docs/ARCHITECTURE.md "Data-parallel training").
// Threading: all calls from one thread, as for any Backend.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "engine/backend/backend.h"
#include "engine/parallel/gradient_buckets.h"
#include "engine/parallel/replica_workers.h"

namespace batchlab {

class DataParallelBackend final : public Backend {
 public:
  // made[r] are unprepared backends of one kind (Backend::make_replica).
  DataParallelBackend(std::vector<std::unique_ptr<Backend>> made, bool overlap);
  ~DataParallelBackend() override;

  int replicas() const { return static_cast<int>(replicas_.size()); }
  const Backend& replica(int r) const { return *replicas_[static_cast<std::size_t>(r)]; }
  bool overlaps() const { return overlap_; }

  std::string device_name() const override;
  std::int64_t device_total_bytes() const override;
  void prepare(const MlpSpec& spec, const OptimizerConfig& opt, std::int64_t max_rows,
               std::uint64_t seed) override;
  void prepare_inference(const MlpSpec& spec, std::int64_t max_rows, std::uint64_t seed) override;
  void stage_batch(const Dataset& data, std::span<const std::int64_t> rows) override;
  void zero_grad() override;
  double forward_backward(float grad_scale) override;
  double grad_norm2() override;
  void apply_update(double lr) override;
  EvalTotals evaluate_staged() override;
  void infer_staged(std::span<float> outputs) override;
  const MemoryAccountant& memory() const override { return total_; }
  int device_count() const override { return replicas(); }
  const MemoryAccountant& device_memory(int device) const override;
  void attach_data(const Dataset& train, const Dataset& val) override;
  void sync_next_backward() override { sync_next_ = true; }
  ReplicaStep replica_step() const override { return step_; }
  std::vector<float> parameters() const override;
  void set_parameters(std::span<const float> values) override;
  std::vector<float> gradients() const override;
  std::vector<float> outputs() const override;

 private:
  using Clock = std::chrono::steady_clock;

  // One replica's part of the current pass; a cache line or more each, so workers do not share.
  struct alignas(64) Slot {
    std::int64_t offset = 0;  // its shard within the staged rows
    std::int64_t rows = 0;
    std::int64_t step_rows = 0;  // rows of the current step so far
    bool stand_in = false;       // no rows, but its gradient must be written: one row, weight 0
    float scale = 0.0f;
    double loss = 0.0;
    EvalTotals totals;
    int arrived = 0;      // layers this pass has announced as final
    int next_bucket = 0;  // highest bucket whose chunk this replica has not reduced yet
    double compute_ms = 0.0;
    double reduce_in_ms = 0.0;    // reducing inside its own backward pass (overlap)
    double compute_end_ms = 0.0;  // since the pass began: the end of its backward
  };
  struct alignas(64) Arrivals {
    std::atomic<int> count{0};  // replicas whose gradient of this layer is final
  };
  struct Hook final : GradientReadyHook {
    DataParallelBackend* owner = nullptr;
    int replica = 0;
    void gradient_ready(int layer) override { owner->layer_ready(replica, layer); }
  };
  enum class Job { train, reduce, evaluate, infer };

  void run(Job job);
  void work(int r);
  void train_pass(int r);
  void layer_ready(int r, int layer);
  void arrive(int r, int layer);
  // Reduces replica r's chunks from its next bucket down: only the ready ones unless `wait`.
  void reduce_ready(int r, bool wait);
  void finish_sync();
  void mirror_memory();
  void require_staged(const char* call) const;
  double elapsed_ms(Clock::time_point since) const {
    return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
  }

  std::vector<std::unique_ptr<Backend>> replicas_;
  bool overlap_ = true;
  bool hooks_ok_ = false;  // every replica calls its hook: the overlap is possible
  std::unique_ptr<Hook[]> hooks_;
  std::unique_ptr<Slot[]> slots_;
  std::unique_ptr<Arrivals[]> arrivals_;  // one per layer
  std::vector<float*> grads_;             // each replica's gradient buffer
  std::vector<std::int64_t> sizes_;       // shard sizes, reused by every stage_batch
  std::vector<double> norms_;             // |Σ|² per (layer, replica) chunk, layer-major
  GradientBuckets buckets_;
  MemoryAccountant total_;
  std::int64_t params_ = 0;
  std::int64_t staged_rows_ = 0;
  int rotation_ = 0;         // where the next pass's leftover rows start (shard_split.h)
  int passes_ = 0;           // forward_backward passes since zero_grad
  bool sync_next_ = false;   // the next pass all-reduces
  bool sync_ = false;        // the current pass all-reduces (read by the workers)
  bool synced_ = false;      // this step's gradient is reduced
  double norm2_ = 0.0;       // |g|² of the reduced gradient
  float pass_scale_ = 0.0f;  // grad_scale of the current pass
  std::span<float> infer_out_;
  Job job_ = Job::train;
  Clock::time_point pass_start_;
  ReplicaStep step_;
  ReplicaWorkers workers_;  // last: joined before the state above goes away
};

// R replicas made by prototype.make_replica (each its share of the prototype's threads), behind
// one Backend. Throws Error when the prototype's kind cannot make replicas.
std::unique_ptr<DataParallelBackend> make_data_parallel(const Backend& prototype, int replicas,
                                                        bool overlap);

}  // namespace batchlab
