#include "gui/TrayApp.h"

#include "EnglishPlurals.h"
#include "TrayIcons.h"
#include "gui/AppLog.h"
#include "gui/DesktopController.h"
#include "gui/SingleInstance.h"

#include <QApplication>
#include <QJsonObject>
#include <QSystemTrayIcon>
#include <QTextStream>
#include <QTimer>

namespace loft {

int runTrayApp(int &argc, char **argv)
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("loft"));
    QApplication::setApplicationDisplayName(QStringLiteral("Loft"));
    QApplication::setOrganizationName(QStringLiteral("Loft"));
    QApplication::setDesktopFileName(QStringLiteral("loft"));
    QApplication::setQuitOnLastWindowClosed(false);
    ui::TrayIcons::initResources();
    ui::EnglishPlurals::install();
    QApplication::setWindowIcon(ui::TrayIcons::appIcon());

    SingleInstance instance;
    QString error;
    if (!instance.listen(&error)) {
        QJsonObject answer;
        QString sendError;
        if (SingleInstance::send(instance.name(), {{QStringLiteral("cmd"), QStringLiteral("raise")}},
                                 &answer, &sendError, 5000))
            return 0; // the running instance shows itself
        QTextStream(stderr) << "loft: " << error << '\n';
        return 1;
    }

    DesktopController controller(DesktopOptions{});
    AppLog::install(controller.log());
    instance.setHandler([&controller](const QJsonObject &request, SingleInstance::Reply reply) {
        controller.handleInstanceRequest(request, std::move(reply));
    });
    QObject::connect(&controller, &DesktopController::quitReady, &app, &QApplication::quit);
    controller.start();
    qInfo("Loft %s started", qPrintable(QApplication::applicationVersion()));
    // Without a system tray (some desktops), the status window is the way in.
    QTimer::singleShot(3000, &controller, [&controller] {
        if (!QSystemTrayIcon::isSystemTrayAvailable()) {
            qWarning("No system tray on this desktop: showing the status window instead.");
            controller.showStatus();
        }
    });
    const int code = app.exec();
    AppLog::uninstall();
    return code;
}

} // namespace loft
