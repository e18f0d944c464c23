#include "LocalTestUser.h"

#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRandomGenerator>

#include <pwd.h>
#include <unistd.h>

namespace loft::test {

namespace {
constexpr char kPrefix[] = "loftacc";

bool runRoot(const QString &program, const QStringList &args, QString *error)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(20'000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        *error = QStringLiteral("%1 %2 failed: %3")
                     .arg(program, args.join(QLatin1Char(' ')),
                          QString::fromLocal8Bit(p.readAll()).trimmed());
        return false;
    }
    return true;
}
} // namespace

LocalTestUser::LocalTestUser() = default;

LocalTestUser::~LocalTestUser()
{
    if (!name_.isEmpty()) {
        QString ignored;
        runRoot(QStringLiteral("userdel"), {QStringLiteral("-f"), name_}, &ignored);
    }
}

bool LocalTestUser::create()
{
    if (::geteuid() != 0) {
        error_ = QStringLiteral("creating a user needs root");
        return false;
    }
    QFile passwdFile(QStringLiteral("/etc/passwd"));
    if (passwdFile.open(QIODevice::ReadOnly)) {
        for (const QByteArray &line : passwdFile.readAll().split('\n')) {
            const QList<QByteArray> f = line.split(':');
            if (f.size() > 5 && f.at(0).startsWith(kPrefix) && f.at(5).startsWith("/tmp/")
                && !QFileInfo::exists(QString::fromLocal8Bit(f.at(5)))) {
                QString ignored;
                runRoot(QStringLiteral("userdel"), {QStringLiteral("-f"), QString::fromLocal8Bit(f.at(0))},
                        &ignored);
            }
        }
    }
    const QString name = QLatin1String(kPrefix)
                         + QString::number(QRandomGenerator::global()->bounded(100000, 999999));
    const QString home = homes_.path() + QLatin1Char('/') + name;
    if (!runRoot(QStringLiteral("useradd"),
                 {QStringLiteral("-M"), QStringLiteral("-d"), home, QStringLiteral("-s"),
                  QStringLiteral("/bin/sh"), name},
                 &error_))
        return false;
    name_ = name;
    const struct passwd *pw = ::getpwnam(name.toLocal8Bit().constData());
    if (!pw) {
        error_ = QStringLiteral("useradd made no %1").arg(name);
        return false;
    }
    uid_ = pw->pw_uid;
    return true;
}

LocalTestUser::Result LocalTestUser::run(const QString &program, const QStringList &arguments,
                                         int timeoutMs) const
{
    Result r;
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.setWorkingDirectory(QStringLiteral("/"));
    p.start(QStringLiteral("runuser"),
            QStringList{QStringLiteral("-u"), name_, QStringLiteral("--"), program} + arguments);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.output = p.readAll();
        return r;
    }
    r.output = p.readAll();
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

} // namespace loft::test
