// The verifiers of the files this provider made by an exclusive CREATE, by path, for
// servers that keep no dead properties (rclone serve webdav, golang.org/x/net/webdav):
// there the PROPPATCH that stores a verifier with the file is refused, and without this
// record a retried CREATE (the client's reply was lost) would fail with "exists" for a
// file the client itself made. A record is dropped when the file is removed or renamed
// through the provider; the oldest go first past kMax (retries come within seconds).
// Used on the provider's thread only.
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>

namespace loft::webdav {

class ExclusiveVerifiers {
public:
    static constexpr qsizetype kMax = 256;

    void remember(const QByteArray &path, const QByteArray &verifierHex)
    {
        if (!byPath_.contains(path))
            order_.append(path);
        byPath_.insert(path, verifierHex);
        while (order_.size() > kMax)
            byPath_.remove(order_.takeFirst());
    }

    bool matches(const QByteArray &path, const QByteArray &verifierHex) const
    {
        const auto it = byPath_.constFind(path);
        return it != byPath_.cend() && *it == verifierHex;
    }

    void forget(const QByteArray &path)
    {
        if (byPath_.remove(path))
            order_.removeOne(path);
    }

private:
    QHash<QByteArray, QByteArray> byPath_;
    QList<QByteArray> order_; // oldest first
};

} // namespace loft::webdav
