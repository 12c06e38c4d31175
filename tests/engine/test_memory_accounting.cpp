// Memory: the accountant's bookkeeping and budget, the memory model's formulas, and the CPU
// backend's measured bytes against the model category by category. The GUI shows measured
// beside predicted and answers "largest batch that fits", so the two must agree exactly.
#include <QTest>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend_test_data.h"
#include "engine/backend/backend.h"
#include "engine/core/errors.h"
#include "engine/metrics/memory_accountant.h"
#include "engine/metrics/memory_model.h"
#include "engine/model/activation_layout.h"

using namespace batchlab;

namespace {

std::int64_t at(const MemoryBytes& m, MemCategory c) {
  return m[static_cast<int>(c)];
}

MlpSpec fmnist_spec() {
  MlpSpec s;
  s.inputs = 784;
  s.hidden = {256, 256};
  s.outputs = 10;
  return s;
}

OptimizerConfig sgd(double momentum) {
  OptimizerConfig o;
  o.momentum = momentum;
  return o;
}

OptimizerConfig adam() {
  OptimizerConfig o;
  o.kind = OptimizerKind::adam;
  return o;
}

QString describe(const MemoryBytes& m) {
  QStringList parts;
  for (int c = 0; c < kMemCategoryCount; ++c)
    parts << QString("%1=%2")
                 .arg(QString::fromUtf8(memory_category_name(static_cast<MemCategory>(c)).data()))
                 .arg(m[c]);
  return parts.join(' ');
}

}  // namespace

class MemoryAccounting : public QObject {
  Q_OBJECT

 private slots:
  void layout_is_contiguous_and_named() {
    const auto layout = mlp_layout(fmnist_spec());
    QCOMPARE(layout.size(), std::size_t{6});
    QCOMPARE(layout[0].name, std::string("layer0.weight"));
    QCOMPARE(layout[0].rows, std::int64_t{256});
    QCOMPARE(layout[0].cols, std::int64_t{784});
    QCOMPARE(layout[1].name, std::string("layer0.bias"));
    QCOMPARE(layout[1].offset, std::int64_t{256 * 784});
    QCOMPARE(layout[1].cols, std::int64_t{1});
    QCOMPARE(layout[5].name, std::string("layer2.bias"));
    std::int64_t next = 0;
    for (const auto& e : layout) {
      QCOMPARE(e.offset, next);
      next += e.size();
    }
    // 784·256 + 256 + 256·256 + 256 + 256·10 + 10
    QCOMPARE(mlp_parameter_count(fmnist_spec()), std::int64_t{269322});
    QCOMPARE(next, std::int64_t{269322});
    QCOMPARE(fmnist_spec().widths(), (std::vector<std::int64_t>{784, 256, 256, 10}));
  }

  void accountant_tracks_total_and_peak() {
    MemoryAccountant m;
    m.reserve(MemCategory::parameters, 100);
    m.reserve(MemCategory::activations, 50);
    QCOMPARE(m.total(), std::int64_t{150});
    m.release(MemCategory::activations, 50);
    m.reserve(MemCategory::batch, 20);
    QCOMPARE(m.total(), std::int64_t{120});
    QCOMPARE(m.peak(), std::int64_t{150});
    QCOMPARE(at(m.current(), MemCategory::batch), std::int64_t{20});
    QVERIFY_THROWS_EXCEPTION(std::logic_error, m.release(MemCategory::batch, 21));
  }

  void accountant_refuses_past_budget_without_recording() {
    MemoryAccountant m(3 * 1024 * 1024);
    m.reserve(MemCategory::parameters, 1024 * 1024);
    try {
      m.reserve(MemCategory::activations, 2 * 1024 * 1024 + 1);
      QFAIL("a reservation past the budget was accepted");
    } catch (const OutOfMemoryError& e) {
      QCOMPARE(e.requested, std::int64_t{2 * 1024 * 1024 + 1});
      QCOMPARE(e.in_use, std::int64_t{1024 * 1024});
      QCOMPARE(e.limit, std::int64_t{3 * 1024 * 1024});
      const std::string what = e.what();
      QVERIFY2(what.find("memory budget of 3.0 MiB exceeded") != std::string::npos, e.what());
      QVERIFY2(what.find("activations needs 2.0 MiB more with 1.0 MiB in use") != std::string::npos,
               e.what());
      QVERIFY2(what.find("batch.size") != std::string::npos, e.what());
    }
    QCOMPARE(m.total(), std::int64_t{1024 * 1024});
    m.reserve(MemCategory::activations, 2 * 1024 * 1024);  // exactly the budget fits
    QCOMPARE(m.total(), std::int64_t{3 * 1024 * 1024});
  }

  void model_matches_design_formulas() {
    const std::int64_t p = 269322;
    const MlpSpec s = fmnist_spec();
    const MemoryBytes plain = predict_mlp_memory(s, sgd(0.0), 64);
    QCOMPARE(at(plain, MemCategory::parameters), 4 * p);
    QCOMPARE(at(plain, MemCategory::gradients), 4 * p);
    QCOMPARE(at(plain, MemCategory::optimizer), std::int64_t{0});
    QCOMPARE(at(predict_mlp_memory(s, sgd(0.9), 64), MemCategory::optimizer), 4 * p);
    QCOMPARE(at(predict_mlp_memory(s, adam(), 64), MemCategory::optimizer), 8 * p);
    // Per row: z and a of both hidden layers plus the logits; the input row and its label.
    QCOMPARE(at(plain, MemCategory::activations), std::int64_t{4 * 64 * (2 * 256 + 2 * 256 + 10)});
    QCOMPARE(at(plain, MemCategory::batch), std::int64_t{4 * 64 * (784 + 1)});
    QCOMPARE(mlp_bytes_per_row(s), std::int64_t{4 * (1034 + 785)});
    MlpSpec reg = s;
    reg.task = Task::regression;
    QCOMPARE(at(predict_mlp_memory(reg, sgd(0.0), 64), MemCategory::batch),
             std::int64_t{4 * 64 * (784 + 10)});
  }

  void backend_measures_what_the_model_predicts_data() {
    QTest::addColumn<int>("optimizer");  // 0 sgd, 1 momentum, 2 adam
    QTest::addColumn<bool>("classification");
    for (int o = 0; o < 3; ++o)
      for (bool cls : {true, false})
        QTest::newRow(qPrintable(QString("%1/%2")
                                     .arg(o == 0   ? "sgd"
                                          : o == 1 ? "momentum"
                                                   : "adam")
                                     .arg(cls ? "classification" : "regression")))
            << o << cls;
  }

  void backend_measures_what_the_model_predicts() {
    QFETCH(int, optimizer);
    QFETCH(bool, classification);
    MlpSpec spec;
    spec.inputs = 13;
    spec.hidden = {17, 9, 5};
    spec.outputs = 3;
    spec.task = classification ? Task::classification : Task::regression;
    const OptimizerConfig opt = optimizer == 0 ? sgd(0.0) : optimizer == 1 ? sgd(0.9) : adam();

    auto backend = make_cpu_backend(1, 0);
    MemoryBytes previous{};
    std::int64_t previous_rows = 0;
    const std::int64_t p = mlp_parameter_count(spec);
    const std::int64_t state = optimizer == 0 ? 0 : optimizer == 1 ? p : 2 * p;
    for (std::int64_t rows : {1, 40, 79}) {
      backend->prepare(spec, opt, rows, 1);
      const MemoryBytes measured = backend->memory().current();
      const MemoryBytes predicted = predict_mlp_memory(spec, opt, rows);
      QVERIFY2(measured == predicted,
               qPrintable("measured " + describe(measured) + " predicted " + describe(predicted)));
      QCOMPARE(at(measured, MemCategory::parameters), 4 * p);
      QCOMPARE(at(measured, MemCategory::optimizer), 4 * state);
      // Per-row categories are proportional to max_rows: equal steps for equal row steps.
      std::int64_t per_row_total = 0;
      for (MemCategory c : {MemCategory::activations, MemCategory::batch, MemCategory::workspace}) {
        QCOMPARE(at(measured, c) % rows, std::int64_t{0});
        if (previous_rows > 0)
          QCOMPARE((at(measured, c) - at(previous, c)) / (rows - previous_rows),
                   at(measured, c) / rows);
        per_row_total += at(measured, c);
      }
      QCOMPARE(per_row_total, rows * mlp_bytes_per_row(spec));
      QCOMPARE(backend->memory().total(), total_bytes(predicted));
      previous = measured;
      previous_rows = rows;
    }
    QVERIFY(at(previous, MemCategory::activations) > 0);
    QVERIFY(at(previous, MemCategory::batch) > 0);
  }

  void tiny_budget_makes_prepare_throw() {
    auto backend = make_cpu_backend(1, 4096);
    try {
      backend->prepare(fmnist_spec(), sgd(0.9), 64, 1);
      QFAIL("prepare() fit a 784-256-256-10 MLP into 4 KiB");
    } catch (const OutOfMemoryError& e) {
      QCOMPARE(e.requested, std::int64_t{4 * 269322});  // the parameters, the first buffer
      QCOMPARE(e.in_use, std::int64_t{0});
      QCOMPARE(e.limit, std::int64_t{4096});
      QVERIFY2(std::string(e.what()).find("parameters needs") != std::string::npos, e.what());
    }
    QCOMPARE(backend->memory().total(), std::int64_t{0});
  }

  // Room for the model but not for a big batch: the error names the activations and the
  // backend holds nothing afterwards; the same backend then fits a smaller batch.
  void budget_names_the_batch_when_the_batch_does_not_fit() {
    const MlpSpec spec = fmnist_spec();
    const MemoryBytes need_small = predict_mlp_memory(spec, sgd(0.9), 32);
    auto backend = make_cpu_backend(1, total_bytes(need_small));
    try {
      backend->prepare(spec, sgd(0.9), 1024, 1);
      QFAIL("a batch of 1024 fit in the budget of a batch of 32");
    } catch (const OutOfMemoryError& e) {
      QCOMPARE(e.requested, at(predict_mlp_memory(spec, sgd(0.9), 1024), MemCategory::activations));
      QCOMPARE(e.in_use, 3 * 4 * std::int64_t{269322});
      QVERIFY2(std::string(e.what()).find("activations needs") != std::string::npos, e.what());
      QVERIFY2(std::string(e.what()).find("lower batch.size") != std::string::npos, e.what());
    }
    QCOMPARE(backend->memory().total(), std::int64_t{0});
    backend->prepare(spec, sgd(0.9), 32, 1);  // exactly the budget
    QCOMPARE(backend->memory().total(), total_bytes(need_small));
    QCOMPARE(backend->memory().peak(), total_bytes(need_small));
  }

  // The activation layout table: training keeps z and a of every hidden layer, end to end;
  // inference shares one z slot and alternates two a slots, never aliasing what a layer reads
  // with what it writes.
  void activation_layout_for_training_and_inference() {
    const MlpSpec s = fmnist_spec();
    const ActivationLayout train = mlp_activation_layout(s, Pass::training);
    QCOMPARE(train.values_per_row, std::int64_t{2 * 256 + 2 * 256 + 10});
    QCOMPARE(train.layers.size(), std::size_t{3});
    std::int64_t at_value = 0;
    for (std::size_t l = 0; l < train.layers.size(); ++l) {
      const auto& layer = train.layers[l];
      QCOMPARE(layer.z_offset, at_value);
      at_value += layer.fan_out;
      if (l + 1 < train.layers.size()) {
        QCOMPARE(layer.a_offset, at_value);
        at_value += layer.fan_out;
      } else {
        QCOMPARE(layer.a_offset, layer.z_offset);  // the logits
      }
    }

    MlpSpec deep;
    deep.inputs = 5;
    deep.hidden = {7, 30, 4, 12, 3};
    deep.outputs = 9;
    for (const MlpSpec& spec : {s, deep}) {
      const ActivationLayout inf = mlp_activation_layout(spec, Pass::inference);
      QVERIFY(inf.values_per_row < mlp_activation_layout(spec, Pass::training).values_per_row);
      const auto overlaps = [](std::int64_t a, std::int64_t an, std::int64_t b, std::int64_t bn) {
        return a < b + bn && b < a + an;
      };
      for (std::size_t l = 0; l < inf.layers.size(); ++l) {
        const auto& layer = inf.layers[l];
        QVERIFY(layer.z_offset + layer.fan_out <= inf.values_per_row);
        QVERIFY(layer.a_offset + layer.fan_out <= inf.values_per_row);
        const bool hidden = l + 1 < inf.layers.size();
        if (hidden)  // z and a are written by one kernel: they must not share storage
          QVERIFY(!overlaps(layer.z_offset, layer.fan_out, layer.a_offset, layer.fan_out));
        if (l > 0) {  // what the layer writes must not touch its input, the previous a
          const auto& prev = inf.layers[l - 1];
          QVERIFY(!overlaps(layer.z_offset, layer.fan_out, prev.a_offset, prev.fan_out));
          if (hidden)
            QVERIFY(!overlaps(layer.a_offset, layer.fan_out, prev.a_offset, prev.fan_out));
        }
      }
    }
    // 784-256-256-10: z slot 256, a slots 256 and 256.
    QCOMPARE(mlp_activation_layout(s, Pass::inference).values_per_row, std::int64_t{768});
  }

  // Forward only: parameters, inference activations and the staged batch, exactly as the model
  // predicts; the outputs are those of a training-prepared backend with the same parameters,
  // and the training calls refuse.
  void inference_preparation_holds_no_gradient_and_gives_the_same_outputs() {
    MlpSpec spec;
    spec.inputs = 13;
    spec.hidden = {17, 9, 5};
    spec.outputs = 3;
    const Dataset data = testdata::random_classification(50, 13, 3, 4);
    std::vector<std::int64_t> rows(37);
    std::iota(rows.begin(), rows.end(), 5);

    auto train = make_cpu_backend(1, 0);
    train->prepare(spec, adam(), 40, 11);
    auto infer = make_cpu_backend(1, 0);
    infer->prepare_inference(spec, 40, 11);
    const MemoryBytes measured = infer->memory().current();
    QVERIFY2(measured == predict_mlp_inference_memory(spec, 40),
             qPrintable("measured " + describe(measured) + " predicted " +
                        describe(predict_mlp_inference_memory(spec, 40))));
    QCOMPARE(at(measured, MemCategory::gradients), std::int64_t{0});
    QCOMPARE(at(measured, MemCategory::optimizer), std::int64_t{0});
    QVERIFY(total_bytes(measured) < total_bytes(train->memory().current()));
    QCOMPARE(at(measured, MemCategory::activations) + at(measured, MemCategory::batch),
             40 * mlp_bytes_per_row(spec, Pass::inference));

    QCOMPARE(infer->parameters(), train->parameters());  // one initialiser for both
    train->stage_batch(data, rows);
    infer->stage_batch(data, rows);
    std::vector<float> a(static_cast<std::size_t>(3 * 37)), b(a.size());
    train->infer_staged(a);
    infer->infer_staged(b);
    QCOMPARE(a, b);
    // The logits are those evaluation reads: the same loss either way.
    QCOMPARE(infer->evaluate_staged().loss_sum, train->evaluate_staged().loss_sum);
    QVERIFY(std::any_of(b.begin(), b.end(), [](float v) { return v != 0.0f; }));

    // A stored model is loaded into an inference backend with set_parameters.
    std::vector<float> other(static_cast<std::size_t>(mlp_parameter_count(spec)), 0.01f);
    infer->set_parameters(other);
    infer->infer_staged(b);
    QVERIFY(a != b);

    std::vector<float> wrong(5);
    QVERIFY_THROWS_EXCEPTION(std::logic_error, infer->infer_staged(wrong));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, infer->zero_grad());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, infer->forward_backward(1.0f));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, infer->grad_norm2());
    QVERIFY_THROWS_EXCEPTION(std::logic_error, infer->apply_update(0.1));
    QVERIFY(infer->gradients().empty());

    // Preparing for training again gives the gradient and state back.
    infer->prepare(spec, adam(), 40, 11);
    QCOMPARE(infer->memory().current(), predict_mlp_memory(spec, adam(), 40));
  }

  void prepare_again_replaces_the_buffers() {
    const MlpSpec spec = fmnist_spec();
    auto backend = make_cpu_backend(1, 0);
    backend->prepare(spec, adam(), 256, 1);
    const std::int64_t big = backend->memory().total();
    backend->prepare(spec, sgd(0.0), 8, 1);
    QCOMPARE(backend->memory().current(), predict_mlp_memory(spec, sgd(0.0), 8));
    QCOMPARE(backend->memory().peak(), big);
  }
};

QTEST_APPLESS_MAIN(MemoryAccounting)
#include "test_memory_accounting.moc"
