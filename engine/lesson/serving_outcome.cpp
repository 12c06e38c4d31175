// best_serving_setting: the sweep's points filtered to the choices' settings, then the sweep's
// own best_under_objective, so the lesson names exactly the point the Inference view marks.
#include "engine/lesson/serving_outcome.h"

#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "engine/serve/latency_text.h"

namespace batchlab {
namespace {


bool meets_ignoring_objective_flag(const ServeResult& r, double objective_s) {
  return !r.saturated && r.dropped + r.rejected + r.unfinished == 0 && r.served > 0 &&
         r.p99_s <= objective_s;
}

// What a setting that did not win did: how far it met the objective, and where it broke.
std::string loser_text(const ServingSetting& s, const std::vector<const ServeSweepPoint*>& pts,
                       double objective_s) {
  const ServeSweepPoint* best_met = nullptr;
  const ServeSweepPoint* first_met = nullptr;
  const ServeSweepPoint* first_saturated = nullptr;
  const ServeSweepPoint* first_missed = nullptr;
  for (const ServeSweepPoint* p : pts) {  // rates ascending
    if (meets_ignoring_objective_flag(p->result, objective_s)) {
      if (!first_met) first_met = p;
      if (!best_met || p->result.throughput > best_met->result.throughput) best_met = p;
    } else if (p->result.saturated) {
      if (!first_saturated) first_saturated = p;
    } else if (!first_missed) {
      first_missed = p;
    }
  }
  std::string t = serving_setting_text(s);
  // A batcher that misses at light load (a fixed batch waiting to fill) says where it began.
  const bool late = best_met && first_missed && first_missed->rate < first_met->rate;
  if (late)
    t += " met it only from " + serving_rate_text(first_met->result.throughput) + " to " +
         serving_rate_text(best_met->result.throughput) + " (p99 " +
         format_latency(first_missed->result.p99_s) + " at " +
         serving_rate_text(first_missed->rate) + ")";
  else if (best_met)
    t += " met it up to " + serving_rate_text(best_met->result.throughput);
  else
    t += " met it at no rate tried";
  if (first_saturated) {
    t += best_met ? " and saturated at ≈ " : ", saturated at ≈ ";
    t += serving_rate_text(first_saturated->result.saturated_at);
  } else if (first_missed && !best_met) {
    t += " (p99 " + format_latency(first_missed->result.p99_s) + " at " +
         serving_rate_text(first_missed->rate) + ")";
  }
  return t;
}

}  // namespace

ServingSetting serving_setting_of(const ServeSweepPoint& p) {
  return {p.mode, p.max_batch, p.max_delay_s};
}

std::vector<ServingSetting> serving_sweep_settings(const ServingConfig& c) {
  // As run_serve_sweep walks its axes: an empty axis holds the batcher's own value.
  const auto modes = c.sweep.modes.empty() ? std::vector<BatchMode>{c.batcher.mode} : c.sweep.modes;
  const auto batches = c.sweep.max_batches.empty()
                           ? std::vector<std::int64_t>{c.batcher.max_batch}
                           : c.sweep.max_batches;
  const auto delays =
      c.sweep.max_delays_s.empty() ? std::vector<double>{c.batcher.max_delay_s} : c.sweep.max_delays_s;
  std::vector<ServingSetting> out;
  std::set<std::tuple<int, std::int64_t, double>> seen;
  for (const BatchMode mode : modes)
    for (const std::int64_t b : batches)
      for (const double d : delays) {
        const std::int64_t mb = mode == BatchMode::realtime ? 1 : b;
        const double md = mode == BatchMode::realtime || mode == BatchMode::fixed ? 0.0 : d;
        if (seen.insert({static_cast<int>(mode), mb, md}).second) out.push_back({mode, mb, md});
      }
  return out;
}

std::string serving_setting_text(const ServingSetting& s) {
  switch (s.mode) {
    case BatchMode::realtime:
      return "real-time (batch 1)";
    case BatchMode::fixed:
      return "fixed batch " + std::to_string(s.max_batch);
    case BatchMode::dynamic:
    case BatchMode::adaptive:
      break;
  }
  std::string t = std::string(to_string(s.mode)) + ", max batch " + std::to_string(s.max_batch);
  if (s.max_delay_s > 0) t += ", max delay " + format_latency(s.max_delay_s);
  return t;
}

std::string serving_rate_text(double per_second) {
  if (!std::isfinite(per_second) || per_second < 0) return "— req/s";
  // Three significant digits, then the digits grouped by thousands.
  const double digits = per_second >= 1 ? std::floor(std::log10(per_second)) + 1 : 1;
  const double unit = std::pow(10.0, std::max(0.0, digits - 3));
  const auto n = static_cast<long long>(std::llround(per_second / unit) * static_cast<long long>(unit));
  std::string plain = std::to_string(n), grouped;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && (plain.size() - i) % 3 == 0) grouped += ',';
    grouped += plain[i];
  }
  return grouped + " req/s";
}

RuleAnswer evaluate_serving_outcome(const LessonStep& step, const ServeSweepResult& sweep) {
  RuleAnswer a;
  const auto& choices = step.prediction.choices;
  a.per_run.assign(choices.size(), kNaN);
  const auto choice_of = [&](const ServingSetting& s) {
    for (std::size_t c = 0; c < choices.size(); ++c)
      if (choices[c].setting && *choices[c].setting == s) return static_cast<int>(c);
    return -1;
  };
  // Only the settings the choices name compete, as run answers consider the chosen runs.
  std::vector<ServeSweepPoint> considered;
  std::vector<std::vector<const ServeSweepPoint*>> by_choice(choices.size());
  for (const ServeSweepPoint& p : sweep.points) {
    const int c = choice_of(serving_setting_of(p));
    if (c < 0) continue;
    considered.push_back(p);
    by_choice[static_cast<std::size_t>(c)].push_back(&p);
    if (meets_ignoring_objective_flag(p.result, sweep.objective_s) &&
        !(a.per_run[static_cast<std::size_t>(c)] >= p.result.throughput))
      a.per_run[static_cast<std::size_t>(c)] = p.result.throughput;
  }
  const std::string objective = "p99 ≤ " + format_latency(sweep.objective_s);
  if (considered.empty()) {
    a.sentence = "None of the settings the choices name has run.";
    return a;
  }
  const auto best = best_under_objective(considered, sweep.objective_s);
  if (!best) {
    a.sentence = "No setting met " + objective + " with nothing lost at any rate tried";
    std::string rest;
    for (std::size_t c = 0; c < choices.size(); ++c)
      if (!by_choice[c].empty())
        rest += (rest.empty() ? ": " : "; ") +
                loser_text(*choices[c].setting, by_choice[c], sweep.objective_s);
    a.sentence += rest + ".";
    return a;
  }
  const ServeSweepPoint& b = considered[*best];
  a.choice = choice_of(serving_setting_of(b));
  std::string t = "Under " + objective + " with nothing lost, " +
                  serving_setting_text(serving_setting_of(b)) + " served the most: " +
                  serving_rate_text(b.result.throughput) + " at p99 " +
                  format_latency(b.result.p99_s);
  for (std::size_t c = 0; c < choices.size(); ++c)
    if (static_cast<int>(c) != a.choice && !by_choice[c].empty())
      t += "; " + loser_text(*choices[c].setting, by_choice[c], sweep.objective_s);
  a.sentence = t + ".";
  return a;
}

}  // namespace batchlab
