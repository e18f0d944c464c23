// Checks an address as the user types it: a local folder, a WebDAV URL or an SFTP
// address. Says in plain words what is wrong, or what will be used.
#pragma once

#include "models/MountConfig.h"

#include <QCoreApplication>
#include <QString>

namespace loft::ui {

struct AddressCheck {
    enum class Level { Ok, Warning, Error };
    Level level = Level::Error;
    QString message;
    QString normalized; // the address as it will be stored
    bool acceptable() const { return level != Level::Error; }
};

class AddressValidator {
    Q_DECLARE_TR_FUNCTIONS(AddressValidator)
public:
    static AddressCheck check(ProviderKind kind, const QString &text);
    static QString placeholder(ProviderKind kind);
};

} // namespace loft::ui
