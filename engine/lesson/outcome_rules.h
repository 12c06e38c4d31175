// defines: LessonRunResult, RuleAnswer, evaluate_outcome, nearest_batch_choice, path_wander
// The outcome rules of lesson.h (OutcomeKind): each computes the right choice of a step's
// prediction from what its runs did, and says why in one sentence with the numbers that decide
// it ("B = 256 reached 90 % validation accuracy in 1.4 s; B = 32 took 2.9 s"). Pure functions
// of plain data, so the window, the handout and the tests all read the same answer.
//
//   throughput_knee         batch  throughput_knee (metrics/scaling_fit.h) of the median samples/s
//                                  of the runs that trained: the smallest batch within 10 % of
//                                  the best.
//   fastest_to_target       run    the chosen run with the least time_to_target_s.
//   largest_fitting_batch   batch  the largest batch whose run did not end out_of_memory.
//   out_of_memory_run       run    the one chosen run that ended out_of_memory (none or several:
//                                  no choice is right, and the sentence says so).
//   highest_final_accuracy  run    the chosen run with the best final validation accuracy.
//   most_wandering_path     run    the chosen run whose parameters lie furthest, on average over
//                                  the steps both took, from the reference run's at the same step.
//   critical_batch          batch  B_noise of S = S_min(1 + B_noise/B) fitted to every run's steps
//                                  to target (fit_steps_to_target).
//   best_serving_setting    setting the serving sweep's setting with the highest throughput whose
//                                  p99 meets the objective, nothing lost, not saturated
//                                  (best_under_objective); judged by serving_outcome.h.
// Run answers consider the runs the choices name; a batch answer picks the choice whose batch is
// nearest on a log₂ scale. Ties go to the earlier run.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/core/events.h"
#include "engine/core/run_config.h"
#include "engine/lesson/lesson.h"
#include "engine/metrics/scaling_fit.h"

namespace batchlab {

struct LessonRunResult {
  std::string label;
  RunConfig config;
  std::int64_t batch_size = 0;  // the effective batch it ran at (full batch: the training rows)
  RunFinished finished;         // status and summary, as execute_run returned them
  // Parameters before the first step, then after each step; empty unless the step traced paths
  // (a loss_surface plot or the most_wandering_path rule).
  std::vector<std::vector<float>> path;
};

struct RuleAnswer {
  int choice = -1;              // the right choice; -1 when none is (the sentence says why)
  std::string sentence;         // the numbers that decide it, one sentence
  int run = -1;                 // run answers: the deciding run's index into the results
  std::optional<double> batch;  // batch answers: the batch the rule computed
  // The number the rule compared, per run in the results' order (samples/s, seconds to target,
  // peak bytes, accuracy, mean distance, steps to target); NaN where a run has none.
  std::vector<double> per_run;
  std::optional<ScalingFit> fit;  // critical_batch
};

RuleAnswer evaluate_outcome(const LessonStep& step, std::span<const LessonRunResult> runs);

// The choice whose batch is nearest `batch` on a log₂ scale (the earlier on a tie); -1 when no
// choice has a batch.
int nearest_batch_choice(const LessonPrediction& prediction, double batch);

// The mean Euclidean distance between `path` and `reference` at the same step, over the steps
// both took after the start (index 0, the same point for runs from one seed); NaN when there is
// no such step.
double path_wander(const std::vector<std::vector<float>>& path,
                   const std::vector<std::vector<float>>& reference);

}  // namespace batchlab
