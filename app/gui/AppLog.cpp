#include "gui/AppLog.h"

#include "models/LogModel.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMutex>
#include <QStandardPaths>

#include <cstdio>

namespace loft {

namespace {
QMutex mutex;
QFile *logFile = nullptr;
QPointer<ui::LogModel> logModel;
QtMessageHandler previous = nullptr;
constexpr qint64 kRotateAt = 2 * 1024 * 1024;

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QDateTime now = QDateTime::currentDateTime();
    const QString line = qFormatLogMessage(type, context, message);
    {
        QMutexLocker lock(&mutex);
        if (logFile) {
            if (logFile->size() > kRotateAt) {
                const QString name = logFile->fileName();
                logFile->close();
                QFile::remove(name + QStringLiteral(".1"));
                QFile::rename(name, name + QStringLiteral(".1"));
                logFile->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text);
            }
            logFile->write(line.toUtf8() + '\n');
            logFile->flush();
        }
        if (logModel) {
            ui::LogEntry entry{now, type, QString::fromLatin1(context.category ? context.category : "default"), message};
            QPointer<ui::LogModel> model = logModel;
            QMetaObject::invokeMethod(model, [model, entry] { if (model) model->append(entry); },
                                      Qt::QueuedConnection);
        }
    }
    if (previous)
        previous(type, context, message);
    else
        std::fprintf(stderr, "%s\n", qPrintable(line));
}
} // namespace

void AppLog::install(ui::LogModel *model, const QString &file)
{
    QMutexLocker lock(&mutex);
    QString path = file;
    if (path.isEmpty())
        path = QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/loft.log");
    QDir().mkpath(QFileInfo(path).absolutePath());
    delete logFile;
    logFile = new QFile(path);
    if (!logFile->open(QIODevice::WriteOnly | QIODevice::Append | QIODevice::Text)) {
        delete logFile;
        logFile = nullptr;
    } else {
        logFile->setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    }
    logModel = model;
    QtMessageHandler old = qInstallMessageHandler(handler);
    if (old != handler)
        previous = old;
}

void AppLog::uninstall()
{
    QMutexLocker lock(&mutex);
    qInstallMessageHandler(previous);
    previous = nullptr;
    delete logFile;
    logFile = nullptr;
    logModel = nullptr;
}

QString AppLog::fileName()
{
    QMutexLocker lock(&mutex);
    return logFile ? logFile->fileName() : QString();
}

} // namespace loft
