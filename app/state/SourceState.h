// What Loft remembers about a source between runs, under the user's data directory:
// the secret export path, the server port, and the file-id journal (so the handles a
// client holds survive a restart), plus the installation's handle MAC key.
#pragma once

#include <QByteArray>
#include <QString>

namespace loft {

class SourceState {
public:
    // `sourceKey` identifies the source (e.g. its canonical URL). `dataDir` defaults to
    // the platform's application data location (XDG_DATA_HOME/loft on Linux).
    static SourceState load(const QString &sourceKey, QString dataDir, QString *error);

    bool valid() const { return !exportPath_.isEmpty(); }
    const QByteArray &exportPath() const { return exportPath_; } // "/<26 base32 chars>"
    const QByteArray &exportId() const { return exportId_; }
    const QByteArray &handleKey() const { return handleKey_; }
    QString journalPath() const { return dir_ + QStringLiteral("/nodes.journal"); }
    quint16 savedPort() const { return port_; }
    bool savePort(quint16 port, QString *error);
    const QString &directory() const { return dir_; }

    static QString defaultDataDir();

private:
    QString dir_;
    QByteArray exportPath_;
    QByteArray exportId_;
    QByteArray handleKey_;
    quint16 port_ = 0;
};

} // namespace loft
