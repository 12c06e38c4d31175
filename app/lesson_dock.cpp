#include "app/lesson_dock.h"

#include <algorithm>
#include <utility>

#include <QButtonGroup>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QPageLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QPointer>
#include <QPushButton>
#include <QRadioButton>
#include <QScrollArea>
#include <QStackedWidget>
#include <QTextDocument>
#include <QVBoxLayout>
#include <QtConcurrent>

#include "app/run_controller.h"
#include "engine/core/errors.h"
#include "engine/lesson/lesson_io.h"

namespace batchlab {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QLabel* wrapped(QWidget* parent, const QString& name = {}) {
  auto* l = new QLabel(parent);
  l->setWordWrap(true);
  l->setTextFormat(Qt::RichText);
  if (!name.isEmpty()) l->setObjectName(name);
  return l;
}

}  // namespace

LessonDock::LessonDock(EventSink& sink, std::function<std::filesystem::path()> store,
                       QWidget* parent)
    : QDockWidget(tr("Lesson"), parent), sink_(sink), store_(std::move(store)) {
  setObjectName(QStringLiteral("lessonDock"));
  setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
              QDockWidget::DockWidgetClosable);
  buildUi();
  connect(&watcher_, &QFutureWatcher<StepOutcome>::finished, this, &LessonDock::onStepDone);
  updateButtons();
}

LessonDock::~LessonDock() {
  control_.request_stop();
  watcher_.waitForFinished();
}

void LessonDock::buildUi() {
  auto* body = new QWidget(this);
  auto* v = new QVBoxLayout(body);
  auto* top = new QHBoxLayout;
  chooser_ = new QComboBox(body);
  // Its longest entry must not set the panel's width: the list pops up as wide as it needs.
  chooser_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  chooser_->setMinimumContentsLength(12);
  chooser_->addItem(tr("Choose a lesson…"));
  for (const PresetInfo& p : list_lessons()) chooser_->addItem(q(p.name));
  chooser_->addItem(tr("Open a lesson file…"));
  connect(chooser_, &QComboBox::activated, this, [this](int index) {
    if (index == 0) return;
    QString name = chooser_->itemText(index);
    if (index == chooser_->count() - 1) {
      name = QFileDialog::getOpenFileName(this, tr("Open lesson"), {}, tr("Lesson (*.json)"));
      if (name.isEmpty()) return;
    }
    QString error;
    if (!openLesson(name, error)) emit failed(error);
  });
  top->addWidget(chooser_, 1);
  v->addLayout(top);
  title_ = wrapped(body, QStringLiteral("lessonTitle"));
  v->addWidget(title_);
  where_ = wrapped(body, QStringLiteral("lessonWhere"));
  v->addWidget(where_);

  pages_ = new QStackedWidget(body);
  step_page_ = new QWidget(pages_);
  auto* sv = new QVBoxLayout(step_page_);
  sv->setContentsMargins(0, 0, 0, 0);
  question_ = wrapped(step_page_, QStringLiteral("lessonQuestion"));
  sv->addWidget(question_);
  choices_layout_ = new QVBoxLayout;
  sv->addLayout(choices_layout_);
  choices_ = new QButtonGroup(this);
  connect(choices_, &QButtonGroup::idClicked, this, [this](int id) { predict(id); });
  auto* actions = new QVBoxLayout;  // stacked: a narrow panel still holds both at full text
  skip_ = new QPushButton(tr("Skip the prediction"), step_page_);
  connect(skip_, &QPushButton::clicked, this, [this] { predict(kPredictionSkipped); });
  run_ = new QPushButton(tr("Run step"), step_page_);
  run_->setObjectName(QStringLiteral("lessonRun"));
  connect(run_, &QPushButton::clicked, this, &LessonDock::runStep);
  actions->addWidget(skip_);
  actions->addWidget(run_);
  sv->addLayout(actions);
  status_ = wrapped(step_page_);
  sv->addWidget(status_);
  answer_ = wrapped(step_page_, QStringLiteral("lessonAnswer"));
  sv->addWidget(answer_);
  sv->addStretch(1);
  pages_->addWidget(step_page_);

  auto* summary_page = new QWidget(pages_);
  auto* mv = new QVBoxLayout(summary_page);
  mv->setContentsMargins(0, 0, 0, 0);
  summary_ = wrapped(summary_page, QStringLiteral("lessonSummary"));
  mv->addWidget(summary_);
  handout_ = new QPushButton(tr("Export handout (PDF)…"), summary_page);
  connect(handout_, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export handout"),
                                                      q(lesson_->name) + QStringLiteral(".pdf"),
                                                      tr("PDF (*.pdf)"));
    if (path.isEmpty()) return;
    QString error;
    if (!exportHandout(path, error)) emit failed(error);
  });
  mv->addWidget(handout_);
  mv->addStretch(1);
  pages_->addWidget(summary_page);
  v->addWidget(pages_, 1);

  auto* nav = new QHBoxLayout;
  back_ = new QPushButton(tr("◀ Back"), body);
  next_ = new QPushButton(tr("Next ▶"), body);
  back_->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Left));
  next_->setShortcut(QKeySequence(Qt::ALT | Qt::Key_Right));
  connect(back_, &QPushButton::clicked, this, [this] { goToStep(step_ - 1); });
  connect(next_, &QPushButton::clicked, this, [this] { goToStep(step_ + 1); });
  nav->addWidget(back_);
  nav->addStretch(1);
  nav->addWidget(next_);
  v->addLayout(nav);
  // In a scroll area: at 18 pt a long question and its answer can outgrow the screen's height.
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(body);
  scroll->setWidgetResizable(true);
  // Narrower than its rows need (a 1280-pixel screen with the form open), the panel scrolls
  // sideways rather than cutting them or pushing the window past the screen.
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
  // Always there: a scroll bar that appears once the answer is in would narrow the viewport
  // after the labels were wrapped to the wider one, and cut their line ends.
  scroll->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOn);
  scroll->setFrameShape(QFrame::NoFrame);
  setWidget(scroll);
  title_->setText(tr("<b>Lessons</b>: each one asks a question batch size raises, has the "
                     "class predict the answer, runs the experiment and shows what happened."));
}

bool LessonDock::openLesson(const QString& name_or_path, QString& error) {
  if (running()) {
    error = tr("a lesson step is running: stop it first");
    return false;
  }
  try {
    Lesson lesson = load_lesson(name_or_path.toStdString());
    record_ = new_lesson_record(lesson);
    outcomes_.assign(lesson.steps.size(), std::nullopt);
    lesson_ = std::move(lesson);
  } catch (const std::exception& e) {
    error = QString::fromUtf8(e.what());
    return false;
  }
  const int index = chooser_->findText(q(lesson_->name));
  if (index > 0) chooser_->setCurrentIndex(index);
  goToStep(0);
  return true;
}

void LessonDock::goToStep(int index) {
  if (!lesson_ || running()) return;
  step_ = std::clamp(index, 0, static_cast<int>(lesson_->steps.size()));
  if (step_ == static_cast<int>(lesson_->steps.size()))
    showSummary();
  else
    showStep();
  updateButtons();
  emit stepChanged(step_);
}

void LessonDock::showStep() {
  const LessonStep& s = lesson_->steps[static_cast<std::size_t>(step_)];
  title_->setText(QStringLiteral("<b>%1</b><br>%2").arg(q(lesson_->title).toHtmlEscaped(),
                                                     q(lesson_->question).toHtmlEscaped()));
  where_->setText(tr("Step %1 of %2: <b>%3</b>")
                      .arg(step_ + 1)
                      .arg(lesson_->steps.size())
                      .arg(q(s.title).toHtmlEscaped()));
  question_->setText(QStringLiteral("<p style='font-size:large'><b>%1</b></p>")
                         .arg(q(s.prediction.question).toHtmlEscaped()));
  for (QAbstractButton* b : choices_->buttons()) {
    choices_->removeButton(b);
    delete b;
  }
  const int predicted = record_.predictions[static_cast<std::size_t>(step_)];
  for (std::size_t c = 0; c < s.prediction.choices.size(); ++c) {
    auto* b = new QRadioButton(q(s.prediction.choices[c].text), step_page_);
    if (presentation_pt_ > 0) {
      QFont f = b->font();
      f.setPointSizeF(presentation_pt_);
      b->setFont(f);
    }
    choices_->addButton(b, static_cast<int>(c));
    choices_layout_->addWidget(b);
    b->setChecked(static_cast<int>(c) == predicted);
  }
  pages_->setCurrentWidget(step_page_);
  if (outcomes_[static_cast<std::size_t>(step_)]) {
    showAnswer();
  } else {
    answer_->clear();
    status_->setText(tr("Record the class's prediction (or skip it), then Run step."));
  }
}

void LessonDock::predict(int choice) {
  if (!lesson_ || step_ >= static_cast<int>(lesson_->steps.size())) return;
  record_.predictions[static_cast<std::size_t>(step_)] = choice;
  if (choice == kPredictionSkipped)
    for (QAbstractButton* b : choices_->buttons()) {
      // Unchecking needs the group's exclusivity off for a moment.
      choices_->setExclusive(false);
      b->setChecked(false);
      choices_->setExclusive(true);
    }
  status_->setText(choice == kPredictionSkipped
                       ? tr("No prediction recorded for this step. Run step when ready.")
                       : tr("Prediction recorded: %1. Run step when ready.")
                             .arg(q(lesson_->steps[static_cast<std::size_t>(step_)]
                                        .prediction.choices[static_cast<std::size_t>(choice)]
                                        .text)));
  updateButtons();
}

bool LessonDock::servingStep() const {
  if (!lesson_ || step_ >= static_cast<int>(lesson_->steps.size())) return false;
  for (const LessonRunEntry& e : lesson_->steps[static_cast<std::size_t>(step_)].runs)
    if (e.is_serving) return true;
  return false;
}

void LessonDock::runStep() {
  if (!lesson_ || running() || step_ >= static_cast<int>(lesson_->steps.size())) return;
  if (servingStep() && serving_runner_) {
    // The window's serving job runs the sweep, so the Inference view draws it as it goes.
    QString error;
    try {
      const std::optional<ServingConfig> config = serving_step_config(*lesson_, step_);
      if (config && serving_runner_(*config, error)) {
        serving_step_ = step_;
        serving_clock_.start();
        status_->setText(tr("Measuring each batch size once on this machine, then serving the "
                            "sweep's loads…"));
        answer_->clear();
        updateButtons();
        emit stepStarted(step_);
        return;
      }
    } catch (const std::exception& e) {
      error = QString::fromUtf8(e.what());
    }
    servingFailed(error);
    return;
  }
  control_.reset();
  LessonRunOptions options;
  options.store_path = store_ ? store_() : std::filesystem::path{};
  options.extra_sink = &sink_;
  options.control = &control_;
  options.extra_set = rehearsal_;
  options.snapshots = RunController::viewSnapshots();  // the Model dock draws lesson runs too
  QPointer<LessonDock> self(this);
  options.progress = [self](const LessonRunProgress& p) {
    const QString text = p.finished ? tr("Run %1 of %2 (%3) finished.")
                                          .arg(p.index + 1)
                                          .arg(p.total)
                                          .arg(q(p.label))
                                    : tr("Running %1 of %2: %3…")
                                          .arg(p.index + 1)
                                          .arg(p.total)
                                          .arg(q(p.label));
    QMetaObject::invokeMethod(self, [self, text] {
      if (LessonDock* d = self.data(); d && d->status_) d->status_->setText(text);
    }, Qt::QueuedConnection);
  };
  const Lesson lesson = *lesson_;
  const int step = step_;
  status_->setText(tr("Starting the step's runs…"));
  answer_->clear();
  watcher_.setFuture(QtConcurrent::run(
      [lesson, step, options] { return run_lesson_step(lesson, step, options); }));
  updateButtons();
  emit stepStarted(step);
}

void LessonDock::stop() { control_.request_stop(); }  // a serving sweep: the window's Stop

void LessonDock::servingFinished(const ServeSweepResult& sweep) {
  if (serving_step_ < 0 || !lesson_) return;  // not a lesson's sweep
  const int step = std::exchange(serving_step_, -1);
  acceptOutcome(serving_step_outcome(*lesson_, step, sweep,
                                     static_cast<double>(serving_clock_.elapsed()) / 1e3));
}

void LessonDock::servingFailed(const QString& message) {
  const bool was_running = std::exchange(serving_step_, -1) >= 0;
  if (!was_running && message.isEmpty()) return;
  status_->setText(tr("The step could not run: %1").arg(message));
  updateButtons();
  emit failed(message);
}

void LessonDock::acceptOutcome(StepOutcome outcome) {
  record_.answers[static_cast<std::size_t>(outcome.step)] = outcome.answer;
  outcomes_[static_cast<std::size_t>(outcome.step)] = std::move(outcome);
  if (step_ < static_cast<int>(outcomes_.size()) && outcomes_[static_cast<std::size_t>(step_)])
    showAnswer();
  updateButtons();
  emit stepFinished(step_);
}

void LessonDock::onStepDone() {
  try {
    StepOutcome outcome = watcher_.result();
    acceptOutcome(std::move(outcome));
    return;
  } catch (const std::exception& e) {
    status_->setText(tr("The step could not run: %1").arg(QString::fromUtf8(e.what())));
    updateButtons();
    emit failed(QString::fromUtf8(e.what()));
  }
}

void LessonDock::showAnswer() {
  const LessonStep& s = lesson_->steps[static_cast<std::size_t>(step_)];
  const StepOutcome& o = *outcomes_[static_cast<std::size_t>(step_)];
  const int predicted = record_.predictions[static_cast<std::size_t>(step_)];
  const auto text_of = [&](int c) {
    return c >= 0 && c < static_cast<int>(s.prediction.choices.size())
               ? q(s.prediction.choices[static_cast<std::size_t>(c)].text).toHtmlEscaped()
               : tr("none of the choices");
  };
  QString verdict;
  if (predicted == kPredictionSkipped)
    verdict = tr("No prediction was recorded.");
  else if (predicted == o.answer.choice)
    verdict = tr("The class predicted <b>%1</b>: right.").arg(text_of(predicted));
  else
    verdict = tr("The class predicted <b>%1</b>; the answer is <b>%2</b>.")
                  .arg(text_of(predicted), text_of(o.answer.choice));
  status_->setText(o.stopped ? tr("Stopped early after %1 s.").arg(o.seconds, 0, 'f', 1)
                             : tr("The step ran in %1 s.").arg(o.seconds, 0, 'f', 1));
  answer_->setText(tr("<p><b>Answer: %1</b></p><p>%2</p><p>%3</p><p><i>Look at:</i> %4</p>"
                      "<p><i>Takeaway:</i> %5</p>")
                       .arg(text_of(o.answer.choice), q(o.answer.sentence).toHtmlEscaped(),
                            verdict, q(s.point_at).toHtmlEscaped(),
                            q(s.takeaway).toHtmlEscaped()));
}

void LessonDock::showSummary() {
  where_->setText(tr("<b>Summary</b>"));
  summary_->setText(summaryHtml());
  pages_->setCurrentIndex(1);
}

QString LessonDock::summaryHtml() const {
  if (!lesson_) return {};
  const LessonSummary sum = summarize_lesson(*lesson_, record_);
  QString html = QStringLiteral("<h2>%1</h2><p><i>%2</i></p>")
                     .arg(q(sum.title).toHtmlEscaped(), q(sum.question).toHtmlEscaped());
  int n = 0;
  for (const SummaryLine& line : sum.steps) {
    ++n;
    const QString mark = !line.predicted_right ? QString()
                         : *line.predicted_right ? tr(" ✓")
                                                 : tr(" ✗");
    html += tr("<h3>%1. %2</h3><p><b>%3</b></p><p>Prediction: %4%5 · Answer: %6</p>"
               "<p>%7</p><p><i>%8</i></p>")
                .arg(n)
                .arg(q(line.title).toHtmlEscaped(), q(line.question).toHtmlEscaped(),
                     q(line.prediction).toHtmlEscaped(), mark, q(line.answer).toHtmlEscaped(),
                     q(line.outcome).toHtmlEscaped(), q(line.takeaway).toHtmlEscaped());
  }
  if (sum.predicted > 0)
    html += tr("<p>Predicted right: %1 of %2.</p>").arg(sum.right).arg(sum.predicted);
  return html;
}

bool LessonDock::exportHandout(const QString& path, QString& error) const {
  if (!lesson_) {
    error = tr("no lesson is open");
    return false;
  }
  QPdfWriter pdf(path);
  pdf.setPageSize(QPageSize(QPageSize::A4));
  pdf.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter);
  pdf.setResolution(96);
  pdf.setTitle(q(lesson_->title));
  QTextDocument doc;
  // One page: the text is laid out at 10 pt and shrunk to the page if it is longer.
  QFont f = doc.defaultFont();
  f.setPointSizeF(10);
  doc.setDefaultFont(f);
  doc.setHtml(summaryHtml());
  const QRectF page = pdf.pageLayout().paintRectPixels(pdf.resolution());
  doc.setTextWidth(page.width());
  QPainter painter;
  if (!painter.begin(&pdf)) {
    error = tr("%1: cannot write the PDF").arg(path);
    return false;
  }
  const double scale = std::min(1.0, page.height() / doc.size().height());
  painter.scale(scale, scale);
  doc.setTextWidth(page.width() / scale);
  doc.drawContents(&painter);
  painter.end();
  return true;
}

std::vector<PlotName> LessonDock::stepPlots() const {
  std::vector<PlotName> out;
  if (!lesson_ || step_ >= static_cast<int>(lesson_->steps.size())) return out;
  for (const LessonPlot& p : lesson_->steps[static_cast<std::size_t>(step_)].plots)
    out.push_back(p.name);
  return out;
}

QString LessonDock::answerText() const { return answer_->text(); }
QString LessonDock::questionText() const { return question_->text(); }

void LessonDock::setPresentationFont(double pt) {
  presentation_pt_ = pt;
  QFont f = font();
  if (pt > 0) f.setPointSizeF(pt);
  for (QWidget* w : {static_cast<QWidget*>(question_), static_cast<QWidget*>(answer_),
                     static_cast<QWidget*>(status_), static_cast<QWidget*>(where_),
                     static_cast<QWidget*>(title_), static_cast<QWidget*>(summary_)})
    w->setFont(f);
  for (QAbstractButton* b : choices_->buttons()) b->setFont(f);
}

void LessonDock::updateButtons() {
  const bool open = lesson_.has_value();
  const bool busy = running();
  const int steps = open ? static_cast<int>(lesson_->steps.size()) : 0;
  back_->setEnabled(open && !busy && step_ > 0);
  next_->setEnabled(open && !busy && step_ < steps);
  run_->setEnabled(open && !busy && step_ < steps);
  skip_->setEnabled(open && !busy && step_ < steps);
  chooser_->setEnabled(!busy);
  run_->setText(busy ? tr("Running…") : tr("Run step"));
}

}  // namespace batchlab
