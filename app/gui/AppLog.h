// The desktop app's log: every qDebug/qInfo/qWarning line goes to a log file (rotated at
// 2 MB) and to the GUI's log model, and to stderr as before. Nothing logs a secret; a
// test checks the file and the model after a password has gone through the app.
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

namespace loft {
namespace ui {
class LogModel;
}

class AppLog {
public:
    // Installs the message handler. `file` empty: loft.log in the app's data location.
    static void install(ui::LogModel *model, const QString &file = QString());
    static void uninstall();
    static QString fileName();
};

} // namespace loft
