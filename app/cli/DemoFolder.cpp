#include "cli/DemoFolder.h"

#include "state/SourceState.h"

#include <QDir>
#include <QFileInfo>
#include <QFile>

namespace loft {

namespace {
struct SampleFile {
    const char *path;
    const char *content;
};

const SampleFile kSamples[] = {
    {"Welcome.txt",
     "Welcome to Loft.\n\n"
     "This folder is served by `loft serve --demo` through Loft's local provider and\n"
     "mounted by your operating system's own NFS client. Create, edit, rename and delete\n"
     "files here as in any folder: every change lands in the demo folder on disk.\n"},
    {"Documents/Notes.md",
     "# Notes\n\n- Loft serves NFSv3 on 127.0.0.1 only.\n"
     "- The export path is a per-source secret.\n"},
    {"Documents/Shopping list.txt", "bread\ncoffee\noranges\n"},
    {"Photos/README.txt", "Drop pictures here.\n"},
};
} // namespace

QString ensureDemoFolder(const QString &dataDir, QString *error)
{
    const QString root = (dataDir.isEmpty() ? SourceState::defaultDataDir() : dataDir)
        + QStringLiteral("/demo");
    if (QDir(root).exists())
        return root; // keep whatever the user did with it
    for (const SampleFile &f : kSamples) {
        const QString path = root + QLatin1Char('/') + QString::fromUtf8(f.path);
        QDir().mkpath(QFileInfo(path).absolutePath());
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(f.content) < 0) {
            *error = QStringLiteral("cannot create the demo folder %1: %2").arg(root, out.errorString());
            return {};
        }
    }
    return root;
}

} // namespace loft
