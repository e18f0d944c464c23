// One running Loft per user. The first instance listens on a local socket that only the
// user can open (QLocalServer::UserAccessOption); a second start asks it to show itself,
// and `loft mount|unmount|list` send it commands. One JSON object per line each way.
#pragma once

#include <QJsonObject>
#include <QObject>
#include <functional>

class QLocalServer;

namespace loft {

class SingleInstance : public QObject {
    Q_OBJECT
public:
    // `name` empty: the per-user default (see defaultName()).
    explicit SingleInstance(const QString &name = QString(), QObject *parent = nullptr);
    ~SingleInstance() override;

    // The socket for this user: $LOFT_INSTANCE_SOCKET, else a name in the user's runtime
    // directory (Linux, macOS) or a per-user pipe name (Windows).
    static QString defaultName();

    // Becomes the primary instance; false when another one already runs (or on error).
    bool listen(QString *error);
    const QString &name() const { return name_; }

    // Handles one request; call `reply` once (possibly later, e.g. after a mount).
    using Reply = std::function<void(const QJsonObject &)>;
    using Handler = std::function<void(const QJsonObject &request, Reply reply)>;
    void setHandler(Handler handler) { handler_ = std::move(handler); }

    // Client side: sends one request to the running instance and waits for the answer.
    static bool send(const QString &name, const QJsonObject &request, QJsonObject *answer,
                     QString *error, int timeoutMs = 180000);

private:
    QString name_;
    QLocalServer *server_ = nullptr;
    Handler handler_;
};

} // namespace loft
