// Turns a SOURCE argument (a path, file:///path, and later webdav:// or sftp://) into
// a provider, with one clear error line when it cannot.
#pragma once

#include "FileSystem.h"

#include <QString>
#include <memory>

namespace loft {

struct SourceSpec {
    QString canonical; // stable identity of the source, e.g. "file:///home/me/Docs"
    bool readOnly = false;
};

std::shared_ptr<FileSystem> openSource(const QString &argument, SourceSpec *spec, QString *error);

} // namespace loft
