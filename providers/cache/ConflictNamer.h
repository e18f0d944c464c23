// The name under which a local version is kept when the remote changed underneath it:
// "report.docx" -> "report (conflict 2026-11-26 044622).docx". Dotfiles keep their whole
// name as the stem (".bashrc (conflict ...)"); only the last extension moves after the
// tag ("a.tar (conflict ...).gz"). `attempt` > 1 adds a counter for a name that is taken.
// The stem is shortened (never inside a UTF-8 sequence) to keep within `maxNameBytes`.
#pragma once

#include <QByteArray>
#include <QDateTime>

namespace loft::cache {

QByteArray conflictName(const QByteArray &name, const QDateTime &when, int attempt = 1,
                        int maxNameBytes = 255);

} // namespace loft::cache
