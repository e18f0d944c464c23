#include "cli/InstanceCommand.h"

#include "gui/SingleInstance.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QTextStream>

namespace loft {

int runInstanceCommand(const QString &command, const QStringList &arguments)
{
    QTextStream out(stdout), err(stderr);
    QJsonObject request{{QStringLiteral("cmd"), command}};
    if (command != QLatin1String("list")) {
        if (arguments.size() != 2) { // "loft NAME"
            err << "loft " << command << ": give the name of one mount (see loft list)\n";
            return 2;
        }
        request.insert(QStringLiteral("name"), arguments.at(1));
    }
    QJsonObject answer;
    QString error;
    if (!SingleInstance::send(SingleInstance::defaultName(), request, &answer, &error)) {
        err << "loft " << command << ": Loft is not running (start it with `loft`).\n";
        return 1;
    }
    if (command == QLatin1String("list")) {
        const QJsonArray mounts = answer.value(QStringLiteral("mounts")).toArray();
        if (mounts.isEmpty()) {
            out << "No mounts yet: add one from the tray menu (Add Mount…).\n";
            return 0;
        }
        int nameWidth = 4, stateWidth = 5, pointWidth = 11;
        for (const QJsonValue &v : mounts) {
            const QJsonObject m = v.toObject();
            nameWidth = std::max(nameWidth, int(m.value(QStringLiteral("name")).toString().size()));
            stateWidth = std::max(stateWidth, int(m.value(QStringLiteral("state")).toString().size()));
            pointWidth = std::max(pointWidth, int(m.value(QStringLiteral("mountPoint")).toString().size()));
        }
        out << QStringLiteral("NAME").leftJustified(nameWidth + 2) << QStringLiteral("STATE").leftJustified(stateWidth + 2)
            << QStringLiteral("MOUNT POINT").leftJustified(pointWidth + 2) << "SOURCE\n";
        for (const QJsonValue &v : mounts) {
            const QJsonObject m = v.toObject();
            out << m.value(QStringLiteral("name")).toString().leftJustified(nameWidth + 2)
                << m.value(QStringLiteral("state")).toString().leftJustified(stateWidth + 2)
                << m.value(QStringLiteral("mountPoint")).toString().leftJustified(pointWidth + 2)
                << m.value(QStringLiteral("source")).toString() << '\n';
        }
        return 0;
    }
    const bool ok = answer.value(QStringLiteral("ok")).toBool();
    const QString message = answer.value(QStringLiteral("message")).toString();
    (ok ? out : err) << (ok ? "" : "loft: ") << message << '\n';
    const QString manual = answer.value(QStringLiteral("manualCommand")).toString();
    if (!manual.isEmpty())
        err << "To mount it yourself, run:\n  " << manual << '\n';
    return ok ? 0 : 1;
}

} // namespace loft
