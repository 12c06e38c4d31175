// The `// defines:` line that opens a header is its table of contents: every name it lists must
// be declared in that header (a type, function, constant, alias, namespace or macro), not merely
// mentioned in a comment or forward-declared. Walks every .h/.cuh under engine/, widgets/ and
// app/ and reports each header and name that does not hold, all at once. A self-check on an
// in-memory header makes sure the checker can fail.
#include <QtTest>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QSet>
#include <QString>
#include <QStringList>

namespace {

// The entries of the `// defines:` comment: the line itself plus the indented `//` lines that
// continue it, joined, with parenthesised remarks removed (and with them the "()" of a
// function written `f()`), split at commas. "nothing" (a header that only includes) gives no
// entries.
QStringList defined_entries(const QString& text) {
  const QStringList lines = text.split(QLatin1Char('\n'));
  static const QRegularExpression continuation(QStringLiteral("^//\\s{2,}(\\S.*)$"));
  QString joined;
  bool found = false;
  for (const QString& raw : lines) {
    const QString line = raw.trimmed();
    if (!found) {
      if (line.startsWith(QLatin1String("// defines:"))) {
        found = true;
        joined = line.mid(11).trimmed();
      }
      continue;
    }
    const QRegularExpressionMatch m = continuation.match(line);
    if (!m.hasMatch()) break;
    joined += QLatin1Char(' ') + m.captured(1).trimmed();
  }
  if (!found) return {};
  // Drop parenthesised remarks, nested ones included.
  QString bare;
  int depth = 0;
  for (const QChar c : joined) {
    if (c == QLatin1Char('(')) {
      ++depth;
    } else if (c == QLatin1Char(')')) {
      if (depth > 0) {
        --depth;
      } else {
        bare += c;
      }
    } else if (depth == 0) {
      bare += c;
    }
  }
  bare = bare.trimmed();
  if (bare == QLatin1String("nothing") || bare.startsWith(QLatin1String("nothing;"))) return {};
  QStringList entries;
  for (const QString& part : bare.split(QLatin1Char(','))) {
    const QString entry = part.simplified();
    if (!entry.isEmpty()) entries << entry;
  }
  return entries;
}

// The header with comments and the contents of string and character literals blanked out
// (newlines kept), so a name mentioned only in prose or in a message does not count.
QString code_only(const QString& text) {
  QString out = text;
  enum class State { Code, Line, Block, String, Char } state = State::Code;
  for (qsizetype i = 0; i < out.size(); ++i) {
    const QChar c = out[i];
    const QChar next = i + 1 < out.size() ? out[i + 1] : QChar();
    switch (state) {
      case State::Code:
        if (c == QLatin1Char('/') && next == QLatin1Char('/')) {
          state = State::Line;
          out[i] = QLatin1Char(' ');
        } else if (c == QLatin1Char('/') && next == QLatin1Char('*')) {
          state = State::Block;
          out[i] = QLatin1Char(' ');
        } else if (c == QLatin1Char('"')) {
          state = State::String;
        } else if (c == QLatin1Char('\'') && (i == 0 || !out[i - 1].isLetterOrNumber())) {
          state = State::Char;  // not a digit separator (1'000)
        }
        break;
      case State::Line:
        if (c == QLatin1Char('\n')) {
          state = State::Code;
        } else {
          out[i] = QLatin1Char(' ');
        }
        break;
      case State::Block:
        if (c == QLatin1Char('*') && next == QLatin1Char('/')) {
          out[i] = out[i + 1] = QLatin1Char(' ');
          ++i;
          state = State::Code;
        } else if (c != QLatin1Char('\n')) {
          out[i] = QLatin1Char(' ');
        }
        break;
      case State::String:
      case State::Char: {
        const QChar close = state == State::String ? QLatin1Char('"') : QLatin1Char('\'');
        if (c == QLatin1Char('\\')) {
          out[i] = QLatin1Char(' ');
          if (i + 1 < out.size() && out[i + 1] != QLatin1Char('\n')) out[++i] = QLatin1Char(' ');
        } else if (c == close) {
          state = State::Code;
        } else if (c != QLatin1Char('\n')) {
          out[i] = QLatin1Char(' ');
        }
        break;
      }
    }
  }
  return out;
}

// True when `code` (comments stripped) declares `name`.
bool declares(const QString& code, const QString& name) {
  const QString n = QRegularExpression::escape(name);
  const QString attrs = QStringLiteral("(?:\\[\\[[^\\]]*\\]\\]\\s*|alignas\\s*\\([^)]*\\)\\s*)*");
  const QStringList patterns = {
      // A type defined here (not a forward declaration `class X;` nor a friend).
      QStringLiteral("\\b(?:struct|class|union)\\s+") + attrs + QStringLiteral("(?:[A-Z_]+\\s+)?") +
          n + QStringLiteral("\\b(?!\\s*;)"),
      QStringLiteral("\\benum(?:\\s+(?:class|struct))?\\s+") + attrs + n + QStringLiteral("\\b"),
      QStringLiteral("\\b(?:namespace|concept)\\s+") + n + QStringLiteral("\\b"),
      // Aliases.
      QStringLiteral("\\busing\\s+") + n + QStringLiteral("\\s*="),
      QStringLiteral("\\btypedef\\b[^;]*\\b") + n + QStringLiteral("\\s*;"),
      // Macros.
      QStringLiteral("^\\s*#\\s*define\\s+") + n + QStringLiteral("\\b"),
  };
  for (const QString& p : patterns) {
    if (QRegularExpression(p, QRegularExpression::MultilineOption).match(code).hasMatch()) {
      return true;
    }
  }
  // Functions (`T name(`) and constants or variables (`T name =`, `T name{`, `T name;`,
  // `T name[`): the name must follow a type, not `return`, `throw` and the like.
  static const QSet<QString> not_types = {
      QStringLiteral("return"), QStringLiteral("throw"),  QStringLiteral("else"),
      QStringLiteral("new"),    QStringLiteral("delete"), QStringLiteral("co_return"),
      QStringLiteral("case"),   QStringLiteral("goto"),   QStringLiteral("do"),
      QStringLiteral("class"),  QStringLiteral("struct"), QStringLiteral("union"),
      QStringLiteral("enum"),   QStringLiteral("friend"), QStringLiteral("typename")};
  const QRegularExpression typed(QStringLiteral("([\\w:>&*\\]]+)\\s+[&*]*\\s*") + n +
                                 QStringLiteral("\\s*(?:\\(|=|\\{|;|\\[)"));
  for (auto it = typed.globalMatch(code); it.hasNext();) {
    const QRegularExpressionMatch m = it.next();
    if (!not_types.contains(m.captured(1))) return true;
  }
  return false;
}

// What is wrong with the header's `defines:` line: each entry that is not a name ("A::b" is split
// into A and b, each of which must be declared), and each name the header does not declare.
QStringList index_problems(const QString& text) {
  static const QRegularExpression identifier(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
  const QString code = code_only(text);
  QStringList problems;
  for (const QString& entry : defined_entries(text)) {
    const QStringList parts = entry.split(QLatin1String("::"));
    for (const QString& part : parts) {
      if (!identifier.match(part).hasMatch()) {
        problems << QStringLiteral("'%1' is not a name").arg(entry);
        break;
      }
      if (!declares(code, part)) {
        problems << (parts.size() == 1
                         ? QStringLiteral("'%1' is not declared").arg(entry)
                         : QStringLiteral("'%1': '%2' is not declared").arg(entry, part));
      }
    }
  }
  return problems;
}

}  // namespace

class TestHeaderIndex : public QObject {
  Q_OBJECT

 private slots:
  void parsesTheComment() {
    const QString text = QStringLiteral(
        "// defines: Alpha (a remark, with a comma), beta(), Gamma::delta,\n"
        "//          kEpsilon (spanning (nested)\n"
        "//          lines), ZETA\n"
        "// An ordinary comment, not part of the index: Eta, Theta\n"
        "#pragma once\n");
    QCOMPARE(defined_entries(text),
             (QStringList{QStringLiteral("Alpha"), QStringLiteral("beta"),
                          QStringLiteral("Gamma::delta"), QStringLiteral("kEpsilon"),
                          QStringLiteral("ZETA")}));
    QVERIFY(defined_entries(QStringLiteral("// defines: nothing; includes <x>\n")).isEmpty());
    QVERIFY(defined_entries(QStringLiteral("#pragma once\nint x;\n")).isEmpty());
  }

  // The checker must be able to fail: names that are absent, only mentioned in a comment or a
  // string, only forward-declared or only called are reported; declared ones are not.
  void reportsWhatIsMissing() {
    const QString text = QStringLiteral(
        "// defines: Present, Kind, Alias, make_present, kLimit, MACRO, Present::size, absent_fn,\n"
        "//          kGone, Commented, Forward, called, Quoted, not a name\n"
        "#pragma once\n"
        "#define MACRO(x) (x)\n"
        "namespace ns {\n"
        "class Forward;\n"
        "// Commented is only mentioned here, as is kGone = 3.\n"
        "struct Present {\n"
        "  int size() const { return called(1); }\n"
        "};\n"
        "enum class Kind : int { a, b };\n"
        "using Alias = Present;\n"
        "inline constexpr int kLimit = 4;\n"
        "const char* const kText = \"Quoted = 1;\";\n"
        "Present make_present(int n);\n"
        "}  // namespace ns\n");
    const QStringList expected = {
        QStringLiteral("'absent_fn' is not declared"), QStringLiteral("'kGone' is not declared"),
        QStringLiteral("'Commented' is not declared"), QStringLiteral("'Forward' is not declared"),
        QStringLiteral("'called' is not declared"),    QStringLiteral("'Quoted' is not declared"),
        QStringLiteral("'not a name' is not a name")};
    QCOMPARE(index_problems(text), expected);
  }

  void everyHeaderListsWhatItDeclares() {
    const QDir root(QStringLiteral(BATCHLAB_SOURCE_DIR));
    QStringList failures;
    int headers = 0;
    int indexed = 0;
    for (const QString& folder :
         {QStringLiteral("engine"), QStringLiteral("widgets"), QStringLiteral("app")}) {
      QVERIFY2(root.exists(folder), qPrintable(root.filePath(folder) + " is missing"));
      QDirIterator it(root.filePath(folder), {QStringLiteral("*.h"), QStringLiteral("*.cuh")},
                      QDir::Files, QDirIterator::Subdirectories);
      while (it.hasNext()) {
        const QString path = it.next();
        QFile file(path);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable("cannot read " + path));
        const QString text = QString::fromUtf8(file.readAll());
        ++headers;
        if (text.contains(QLatin1String("// defines:"))) ++indexed;
        for (const QString& problem : index_problems(text)) {
          failures << root.relativeFilePath(path) + QStringLiteral(": ") + problem;
        }
      }
    }
    QVERIFY2(headers > 50 && indexed > 50,
             qPrintable(QStringLiteral("only %1 headers, %2 with a defines: line, under %3")
                            .arg(headers)
                            .arg(indexed)
                            .arg(root.path())));
    failures.sort();
    QVERIFY2(
        failures.isEmpty(),
        qPrintable(QStringLiteral("%1 defines: entries do not hold:\n  ").arg(failures.size()) +
                   failures.join(QStringLiteral("\n  "))));
  }
};

QTEST_APPLESS_MAIN(TestHeaderIndex)
#include "test_header_index.moc"
