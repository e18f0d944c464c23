// A throwaway second local account for access tests (root only): created with useradd,
// its home in a temporary folder, removed with userdel when the object goes. Accounts a
// crashed run left behind (home gone) are removed first.
#pragma once

#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <sys/types.h>

namespace loft::test {

class LocalTestUser {
public:
    LocalTestUser();
    ~LocalTestUser();
    LocalTestUser(const LocalTestUser &) = delete;
    LocalTestUser &operator=(const LocalTestUser &) = delete;

    // False with errorString() when not root or useradd failed.
    bool create();
    QString name() const { return name_; }
    uid_t uid() const { return uid_; }
    QString errorString() const { return error_; }

    struct Result {
        int exitCode = -1; // -1: did not start or timed out
        QByteArray output; // stdout and stderr
    };
    // Runs `program arguments` as this user (runuser), bounded in time.
    Result run(const QString &program, const QStringList &arguments, int timeoutMs = 20'000) const;

private:
    QTemporaryDir homes_;
    QString name_;
    uid_t uid_ = 0;
    QString error_;
};

} // namespace loft::test
