#include "SftpAuth.h"

#include "LibsshPtr.h"

#include <QDir>
#include <QFileInfo>
#include <QStringList>

namespace loft {

namespace {

using Result = SftpAuthOutcome::Result;

// What one libssh authentication call's answer means for the whole login.
enum class Step { Done, Denied, Partial, Failed };

class Login {
public:
    Login(ssh_session session, const SftpOptions &options) : s_(session), o_(options) {}

    SftpAuthOutcome run();

private:
    Step step(int rc);
    std::optional<SftpAuthOutcome> withAgent();
    std::optional<SftpAuthOutcome> withKeyFile(const QString &file, bool explicitlyGiven);
    std::optional<SftpAuthOutcome> withPassword();
    std::optional<SftpAuthOutcome> withKeyboardInteractive();
    SftpAuthOutcome failed() const;
    int methods() { return ssh_userauth_list(s_, nullptr); }

    ssh_session s_;
    const SftpOptions &o_;
    QStringList tried_;
    QStringList problems_;
    SftpAuthOutcome fatal_;
};

Step Login::step(int rc)
{
    switch (rc) {
    case SSH_AUTH_SUCCESS: return Step::Done;
    case SSH_AUTH_DENIED: return Step::Denied;
    case SSH_AUTH_PARTIAL: return Step::Partial;
    case SSH_AUTH_AGAIN:
        fatal_ = {Result::TimedOut,
                  QStringLiteral("%1 did not answer the login in time").arg(o_.displayTarget())};
        return Step::Failed;
    default:
        fatal_ = {Result::ConnectionLost,
                  QStringLiteral("the connection to %1 failed during login: %2")
                      .arg(o_.displayTarget(), QString::fromUtf8(ssh_get_error(s_)))};
        return Step::Failed;
    }
}

std::optional<SftpAuthOutcome> Login::withAgent()
{
    const QString socket = o_.agentSocket.isEmpty()
        ? qEnvironmentVariable("SSH_AUTH_SOCK")
        : o_.agentSocket;
    if (!o_.useAgent || socket.isEmpty() || !QFileInfo::exists(socket))
        return std::nullopt;
    if (!o_.agentSocket.isEmpty())
        ssh_options_set(s_, SSH_OPTIONS_IDENTITY_AGENT, QFile::encodeName(socket).constData());
    tried_ << QStringLiteral("the keys in ssh-agent");
    switch (step(ssh_userauth_agent(s_, nullptr))) {
    case Step::Done: return SftpAuthOutcome{Result::Success, {}};
    case Step::Failed: return fatal_;
    default: return std::nullopt;
    }
}

std::optional<SftpAuthOutcome> Login::withKeyFile(const QString &file, bool explicitlyGiven)
{
    const QFileInfo info(file);
    if (!info.exists()) {
        if (explicitlyGiven)
            problems_ << QStringLiteral("the key file %1 does not exist").arg(file);
        return std::nullopt;
    }
    const QByteArray path = QFile::encodeName(file);
    // Offer the public half first when it lies next to the key: a key the server does
    // not accept is then never decrypted (and its passphrase never needed).
    ssh_key rawPublic = nullptr;
    if (ssh_pki_import_pubkey_file((path + ".pub").constData(), &rawPublic) == SSH_OK) {
        const libssh::KeyPtr publicKey(rawPublic);
        const int rc = ssh_userauth_try_publickey(s_, nullptr, publicKey.get());
        if (rc == SSH_AUTH_DENIED) {
            tried_ << QStringLiteral("the key %1").arg(file);
            return std::nullopt;
        }
        if (step(rc) == Step::Failed)
            return fatal_;
    }
    ssh_key rawKey = nullptr;
    const char *passphrase = o_.keyPassphrase.isEmpty() ? nullptr : o_.keyPassphrase.constData();
    const int imported = ssh_pki_import_privkey_file(path.constData(), passphrase, nullptr,
                                                     nullptr, &rawKey);
    if (imported != SSH_OK) {
        if (imported == SSH_EOF) {
            problems_ << QStringLiteral("the key file %1 cannot be read").arg(file);
        } else if (passphrase) {
            problems_ << QStringLiteral("the key file %1 could not be decrypted with the given "
                                        "passphrase (wrong passphrase, or not a private key)")
                             .arg(file);
        } else {
            problems_ << QStringLiteral("the key file %1 could not be loaded: it needs a "
                                        "passphrase, or is not a private key")
                             .arg(file);
        }
        return std::nullopt;
    }
    const libssh::KeyPtr key(rawKey);
    tried_ << QStringLiteral("the key %1").arg(file);
    switch (step(ssh_userauth_publickey(s_, nullptr, key.get()))) {
    case Step::Done: return SftpAuthOutcome{Result::Success, {}};
    case Step::Failed: return fatal_;
    default: return std::nullopt;
    }
}

std::optional<SftpAuthOutcome> Login::withPassword()
{
    tried_ << QStringLiteral("the password");
    switch (step(ssh_userauth_password(s_, nullptr, o_.password.constData()))) {
    case Step::Done: return SftpAuthOutcome{Result::Success, {}};
    case Step::Failed: return fatal_;
    default: return std::nullopt;
    }
}

std::optional<SftpAuthOutcome> Login::withKeyboardInteractive()
{
    // Answers one hidden prompt (the password) per round; a second hidden prompt in the
    // same round (a one-time code, say) cannot be answered unattended.
    tried_ << QStringLiteral("the password (keyboard-interactive)");
    int rc = ssh_userauth_kbdint(s_, nullptr, nullptr);
    for (int round = 0; rc == SSH_AUTH_INFO && round < 4; ++round) {
        const int prompts = ssh_userauth_kbdint_getnprompts(s_);
        int hidden = 0;
        for (int i = 0; i < prompts; ++i) {
            char echo = 0;
            ssh_userauth_kbdint_getprompt(s_, unsigned(i), &echo);
            const bool secret = !echo;
            hidden += secret;
            ssh_userauth_kbdint_setanswer(s_, unsigned(i),
                                          secret ? o_.password.constData() : "");
        }
        if (hidden > 1)
            return std::nullopt;
        rc = ssh_userauth_kbdint(s_, nullptr, nullptr);
    }
    switch (step(rc)) {
    case Step::Done: return SftpAuthOutcome{Result::Success, {}};
    case Step::Failed: return fatal_;
    default: return std::nullopt;
    }
}

SftpAuthOutcome Login::failed() const
{
    QString message = QStringLiteral("%1 refused the login").arg(o_.displayTarget());
    if (!tried_.isEmpty())
        message += QStringLiteral(" (tried %1)").arg(tried_.join(QStringLiteral(", ")));
    else
        message += QStringLiteral(": Loft had no credentials to offer");
    if (!problems_.isEmpty())
        message += QStringLiteral("; ") + problems_.join(QStringLiteral("; "));
    message += QStringLiteral(". Check the user name, and give a key file the server accepts "
                              "or the account's password.");
    return {Result::Refused, message};
}

SftpAuthOutcome Login::run()
{
    // "none" succeeds on servers that need no login, and makes the others list methods.
    switch (step(ssh_userauth_none(s_, nullptr))) {
    case Step::Done: return {Result::Success, {}};
    case Step::Failed: return fatal_;
    default: break;
    }
    if (methods() & SSH_AUTH_METHOD_PUBLICKEY) {
        if (auto done = withAgent())
            return *done;
        QStringList files;
        if (!o_.identityFile.isEmpty()) {
            files << o_.identityFile;
        } else {
            const QString dir = QDir::homePath() + QStringLiteral("/.ssh/");
            for (const char *name : {"id_ed25519", "id_ecdsa", "id_rsa"})
                files << dir + QLatin1String(name);
        }
        for (const QString &file : files) {
            if (!(methods() & SSH_AUTH_METHOD_PUBLICKEY))
                break;
            if (auto done = withKeyFile(file, !o_.identityFile.isEmpty()))
                return *done;
        }
    }
    if (!o_.password.isEmpty()) {
        if (methods() & SSH_AUTH_METHOD_PASSWORD) {
            if (auto done = withPassword())
                return *done;
        }
        if (methods() & SSH_AUTH_METHOD_INTERACTIVE) {
            if (auto done = withKeyboardInteractive())
                return *done;
        }
    }
    return failed();
}

} // namespace

SftpAuthOutcome sftpAuthenticate(ssh_session_struct *session, const SftpOptions &options)
{
    return Login(session, options).run();
}

} // namespace loft
