#include "HostKeyVerifier.h"

#include "LibsshPtr.h"

namespace loft {

namespace {

QString shellQuote(const QString &s)
{
    QString quoted = s;
    quoted.replace(QLatin1Char('\''), QLatin1String("'\\''"));
    return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

QString removeHint(const HostKeyInfo &info)
{
    return QStringLiteral("If the server's key was changed on purpose (for example the server "
                          "was reinstalled), remove the old entry with `ssh-keygen -R %1 -f %2` "
                          "and connect again.")
        .arg(shellQuote(info.knownHostsName()), shellQuote(info.knownHostsFile));
}

} // namespace

QString HostKeyInfo::knownHostsName() const
{
    if (port == 22)
        return host;
    return QLatin1Char('[') + host + QLatin1String("]:") + QString::number(port);
}

HostKeyVerdict HostKeyVerifier::verify(ssh_session_struct *session, const QString &host,
                                       uint16_t port) const
{
    HostKeyVerdict v;
    v.info.host = host;
    v.info.port = port;
    v.info.knownHostsFile = policy_.knownHostsFile;

    ssh_key rawKey = nullptr;
    if (ssh_get_server_publickey(session, &rawKey) != SSH_OK || !rawKey) {
        v.message = QStringLiteral("%1 sent no usable host key: %2")
                        .arg(host, QString::fromUtf8(ssh_get_error(session)));
        return v;
    }
    const libssh::KeyPtr key(rawKey);
    v.info.keyType = QString::fromLatin1(ssh_key_type_to_char(ssh_key_type(key.get())));
    unsigned char *rawHash = nullptr;
    size_t hashLength = 0;
    if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &rawHash, &hashLength) != 0) {
        v.message = QStringLiteral("cannot compute the fingerprint of %1's host key").arg(host);
        return v;
    }
    const libssh::HashPtr hash(rawHash);
    const libssh::CharPtr fingerprint(
        ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash.get(), hashLength));
    if (!fingerprint) {
        v.message = QStringLiteral("cannot compute the fingerprint of %1's host key").arg(host);
        return v;
    }
    v.info.fingerprint = QString::fromLatin1(fingerprint.get());

    const QString described = QStringLiteral("%1 key with fingerprint %2")
                                  .arg(v.info.keyType, v.info.fingerprint);

    if (!policy_.pinnedFingerprint.isEmpty()) {
        // Later connections of a run: the key verified at the start, nothing else.
        if (v.info.fingerprint == policy_.pinnedFingerprint) {
            v.info.status = HostKeyStatus::Known;
            v.trusted = true;
            return v;
        }
        v.info.status = HostKeyStatus::Changed;
        v.message = QStringLiteral("The host key of %1 changed while connected: the server now "
                                   "shows an %2, not the key with fingerprint %3 it showed "
                                   "before. Someone may be intercepting the connection; Loft "
                                   "will not connect.")
                        .arg(v.info.knownHostsName(), described, policy_.pinnedFingerprint);
        return v;
    }

    switch (ssh_session_is_known_server(session)) {
    case SSH_KNOWN_HOSTS_OK:
        v.info.status = HostKeyStatus::Known;
        v.trusted = true;
        return v;
    case SSH_KNOWN_HOSTS_CHANGED:
        v.info.status = HostKeyStatus::Changed;
        v.message = QStringLiteral("HOST KEY CHANGED: %1 now shows an %2, which does not match "
                                   "the key recorded for it in %3. Someone may be intercepting "
                                   "the connection; Loft will not connect. %4")
                        .arg(v.info.knownHostsName(), described, policy_.knownHostsFile,
                             removeHint(v.info));
        return v;
    case SSH_KNOWN_HOSTS_OTHER:
        v.info.status = HostKeyStatus::OtherType;
        v.message = QStringLiteral("HOST KEY CHANGED: %1 now shows an %2, but %3 records a key "
                                   "of another type for it. Someone may be intercepting the "
                                   "connection; Loft will not connect. %4")
                        .arg(v.info.knownHostsName(), described, policy_.knownHostsFile,
                             removeHint(v.info));
        return v;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        v.info.status = HostKeyStatus::Unknown;
        break;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        v.message = QStringLiteral("cannot check the host key of %1 against %2: %3")
                        .arg(v.info.knownHostsName(), policy_.knownHostsFile,
                             QString::fromUtf8(ssh_get_error(session)));
        return v;
    }

    // Unknown host: trust only on an explicit decision.
    const bool approved = !policy_.approvedFingerprint.isEmpty()
        && policy_.approvedFingerprint == v.info.fingerprint;
    if (!approved && !policy_.acceptNew) {
        v.message = QStringLiteral("The authenticity of %1 cannot be established: it is not in "
                                   "%2. It shows an %3. Accept this key only if it is the "
                                   "server's (ask its administrator, or run `ssh-keygen -lf` on "
                                   "the server's /etc/ssh/ssh_host_*_key.pub).")
                        .arg(v.info.knownHostsName(), policy_.knownHostsFile, described);
        return v;
    }
    v.trusted = true;
    if (policy_.acceptNew || policy_.saveApproved) {
        if (ssh_session_update_known_hosts(session) == SSH_OK) {
            v.saved = true;
        } else {
            v.saveWarning = QStringLiteral("could not add the host key of %1 to %2: %3")
                                .arg(v.info.knownHostsName(), policy_.knownHostsFile,
                                     QString::fromUtf8(ssh_get_error(session)));
        }
    }
    return v;
}

} // namespace loft
