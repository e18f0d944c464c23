#include "state/SourceState.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSaveFile>
#include <QStandardPaths>

namespace loft {

namespace {
QByteArray randomBytes(int n)
{
    QByteArray out(n, Qt::Uninitialized);
    QRandomGenerator::system()->generate(reinterpret_cast<quint32 *>(out.data()),
                                         reinterpret_cast<quint32 *>(out.data() + n));
    return out;
}

// RFC 4648 base32, lower case, no padding: safe in paths and mount commands.
QByteArray base32(const QByteArray &in)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    QByteArray out;
    uint32_t buffer = 0;
    int bits = 0;
    for (char c : in) {
        buffer = (buffer << 8) | uint8_t(c);
        bits += 8;
        while (bits >= 5) {
            out.append(alphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0)
        out.append(alphabet[(buffer << (5 - bits)) & 31]);
    return out;
}

// Reads a small private file, or creates it with `make()` (mode 0600).
QByteArray readOrCreate(const QString &path, const std::function<QByteArray()> &make,
                        QString *error)
{
    QFile f(path);
    if (f.open(QIODevice::ReadOnly)) {
        const QByteArray content = f.readAll().trimmed();
        if (!content.isEmpty())
            return content;
    }
    const QByteArray content = make();
    QSaveFile out(path);
    if (!out.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("cannot create %1: %2").arg(path, out.errorString());
        return {};
    }
    out.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    out.write(content + '\n');
    if (!out.commit()) {
        *error = QStringLiteral("cannot write %1: %2").arg(path, out.errorString());
        return {};
    }
    return content;
}
} // namespace

QString SourceState::defaultDataDir()
{
    QString base = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation);
    return base + QStringLiteral("/loft");
}

SourceState SourceState::load(const QString &sourceKey, QString dataDir, QString *error)
{
    if (dataDir.isEmpty())
        dataDir = defaultDataDir();
    SourceState s;
    const QByteArray digest =
        QCryptographicHash::hash(sourceKey.toUtf8(), QCryptographicHash::Sha256).toHex().left(20);
    s.dir_ = dataDir + QStringLiteral("/sources/") + QString::fromLatin1(digest);
    if (!QDir().mkpath(s.dir_)) {
        *error = QStringLiteral("cannot create the state directory %1").arg(s.dir_);
        return {};
    }
    QFile::setPermissions(dataDir, QFileDevice::ReadOwner | QFileDevice::WriteOwner
                                       | QFileDevice::ExeOwner);
    // The installation's MAC key is shared by all sources; hex-encoded on disk.
    const QByteArray keyHex = readOrCreate(
        dataDir + QStringLiteral("/handle.key"), [] { return randomBytes(32).toHex(); }, error);
    if (keyHex.isEmpty())
        return {};
    s.handleKey_ = QByteArray::fromHex(keyHex);
    const QByteArray secret = readOrCreate(
        s.dir_ + QStringLiteral("/export"), [] { return '/' + base32(randomBytes(16)); }, error);
    if (secret.isEmpty())
        return {};
    s.exportPath_ = secret;
    s.exportId_ = QCryptographicHash::hash(secret, QCryptographicHash::Sha256).left(16);
    QFile portFile(s.dir_ + QStringLiteral("/port"));
    if (portFile.open(QIODevice::ReadOnly))
        s.port_ = quint16(portFile.readAll().trimmed().toUInt());
    QFile info(s.dir_ + QStringLiteral("/source"));
    if (info.open(QIODevice::WriteOnly | QIODevice::Truncate))
        info.write(sourceKey.toUtf8() + '\n');
    return s;
}

bool SourceState::savePort(quint16 port, QString *error)
{
    QSaveFile out(dir_ + QStringLiteral("/port"));
    if (!out.open(QIODevice::WriteOnly) || out.write(QByteArray::number(port) + '\n') < 0
        || !out.commit()) {
        *error = QStringLiteral("cannot save the port in %1").arg(dir_);
        return false;
    }
    port_ = port;
    return true;
}

} // namespace loft
