#include "mount/MountHelper.h"

#include "mount/LinuxMountHelper.h"
#include "mount/MacMountHelper.h"
#include "mount/WindowsMountHelper.h"

#include <QDir>
#include <QFileInfo>
#include <QPointer>
#include <QProcess>
#include <QTimer>

namespace loft {

std::unique_ptr<MountHelper> MountHelper::forThisPlatform()
{
#if defined(Q_OS_MACOS)
    return std::make_unique<MacMountHelper>();
#elif defined(Q_OS_WIN)
    return std::make_unique<WindowsMountHelper>();
#else
    return std::make_unique<LinuxMountHelper>(LinuxMountHelper::detectEnvironment());
#endif
}

QString MountHelper::manualMountCommand(const MountRequest &request) const
{
    return shellJoin(mountCommand(request));
}

bool MountHelper::prepareMountPoint(const QString &mountPoint, QString *error) const
{
    const QFileInfo info(mountPoint);
    if (info.exists() && !info.isDir()) {
        *error = tr("%1 is a file, not a folder.").arg(QDir::toNativeSeparators(mountPoint));
        return false;
    }
    if (!info.exists() && !QDir().mkpath(mountPoint)) {
        *error = tr("Loft could not create the folder %1.").arg(QDir::toNativeSeparators(mountPoint));
        return false;
    }
    return true;
}

QString MountHelper::firstLine(const QString &text)
{
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        if (!line.trimmed().isEmpty())
            return line.trimmed();
    return {};
}

QString MountHelper::explainMountFailure(const MountRequest &request, int exitCode,
                                         const QString &output) const
{
    const QString detail = firstLine(output);
    if (exitCode == -1 && detail.isEmpty())
        return tr("Mounting %1 did not finish in time.").arg(request.name);
    return detail.isEmpty() ? tr("Mounting %1 failed (exit code %2).").arg(request.name).arg(exitCode)
                            : tr("Mounting %1 failed: %2").arg(request.name, detail);
}

QString MountHelper::explainUnmountFailure(const QString &mountPoint, int exitCode,
                                           const QString &output) const
{
    const QString detail = firstLine(output);
    return detail.isEmpty()
        ? tr("Unmounting %1 failed (exit code %2).").arg(QDir::toNativeSeparators(mountPoint)).arg(exitCode)
        : tr("Unmounting %1 failed: %2").arg(QDir::toNativeSeparators(mountPoint), detail);
}

QString MountHelper::describeHolders(const QString &mountPoint) const
{
    Q_UNUSED(mountPoint);
    return {};
}

void MountHelper::run(const QStringList &commandLine, QObject *context, RunDone done,
                      int timeoutMs) const
{
    auto *process = new QProcess(context);
    process->setProcessChannelMode(QProcess::MergedChannels);
    process->setProgram(commandLine.value(0));
    process->setArguments(commandLine.mid(1));
    // LC_ALL=C: the words we match in error output are the untranslated ones.
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
    process->setProcessEnvironment(env);
    auto finished = std::make_shared<bool>(false);
    auto finish = [process, finished, done](int code, const QString &output) {
        if (*finished)
            return;
        *finished = true;
        done(code, output);
        process->deleteLater();
    };
    QObject::connect(process, &QProcess::finished, process, [process, finish](int code, QProcess::ExitStatus status) {
        const QString output = QString::fromLocal8Bit(process->readAll());
        finish(status == QProcess::NormalExit ? code : -1, output);
    });
    QObject::connect(process, &QProcess::errorOccurred, process, [process, finish](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            finish(-1, tr("%1 could not be started: %2").arg(process->program(), process->errorString()));
    });
    QTimer::singleShot(timeoutMs, process, [process, finish] {
        process->kill();
        finish(-1, tr("%1 did not answer in time.").arg(process->program()));
    });
    process->start();
}

bool MountHelper::isServedMount(const QString &mountPoint, const QString &exportPath) const
{
    const QString clean = QDir::cleanPath(mountPoint);
    for (const ActiveMount &m : activeMounts()) {
        if (QDir::cleanPath(m.mountPoint).compare(clean, Qt::CaseSensitivity(platformName() != QLatin1String("windows"))) != 0)
            continue;
        QString source = m.source;
        source.replace(QLatin1Char('\\'), QLatin1Char('/'));
        if (source.endsWith(exportPath) && (source.contains(QLatin1String("127.0.0.1")) || source.contains(QLatin1String("localhost"))))
            return true;
    }
    return false;
}

} // namespace loft
