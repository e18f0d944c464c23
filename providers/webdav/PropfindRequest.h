// The XML bodies Loft sends: PROPFIND asking for exactly the properties it uses (never
// allprop, which makes some servers compute expensive ones), and the PROPPATCH that
// stores an exclusive-create verifier as a dead property.
#pragma once

#include <QByteArray>

namespace loft::webdav {

enum class PropfindKind {
    Attributes, // resourcetype, getcontentlength, getlastmodified, getetag
    Quota,      // quota-available-bytes, quota-used-bytes
    Verifier,   // Attributes plus Loft's create-verifier dead property
};

QByteArray propfindBody(PropfindKind kind);
QByteArray proppatchVerifierBody(const QByteArray &verifierHex);

} // namespace loft::webdav
