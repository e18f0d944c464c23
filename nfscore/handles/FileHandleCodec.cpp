#include "handles/FileHandleCodec.h"

#include <QMessageAuthenticationCode>

namespace loft {

namespace {
constexpr int kMacSize = 16;

void putU64(char *out, uint64_t v)
{
    for (int i = 7; i >= 0; --i) {
        out[i] = char(v & 0xff);
        v >>= 8;
    }
}

uint64_t getU64(const char *in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | uint8_t(in[i]);
    return v;
}

// Compares without an early exit, so timing does not reveal how many bytes matched.
bool equalConstantTime(const char *a, const char *b, int n)
{
    unsigned char diff = 0;
    for (int i = 0; i < n; ++i)
        diff |= uint8_t(a[i]) ^ uint8_t(b[i]);
    return diff == 0;
}
} // namespace

FileHandleCodec::FileHandleCodec(QByteArray key, QByteArray exportId)
    : key_(std::move(key)), exportId_(std::move(exportId)),
      cache_(std::make_unique<std::array<CacheEntry, kCacheSlots>>())
{
}

QByteArray FileHandleCodec::mac(uint64_t fileId) const
{
    char body[9];
    body[0] = char(kVersion);
    putU64(body + 1, fileId);
    QMessageAuthenticationCode code(QCryptographicHash::Sha256, key_);
    code.addData(exportId_);
    code.addData(body, sizeof body);
    return code.result().left(kMacSize);
}

QByteArray FileHandleCodec::encode(uint64_t fileId) const
{
    CacheEntry *e = slot(fileId);
    if (e->valid && e->fileId == fileId)
        return QByteArray(e->bytes.data(), kSize);
    QByteArray out(kSize, Qt::Uninitialized);
    out[0] = char(kVersion);
    putU64(out.data() + 1, fileId);
    const QByteArray m = mac(fileId);
    std::copy(m.begin(), m.end(), out.begin() + 9);
    e->fileId = fileId;
    e->valid = true;
    std::copy(out.cbegin(), out.cend(), e->bytes.begin());
    return out;
}

std::optional<uint64_t> FileHandleCodec::decode(const QByteArray &handle) const
{
    if (handle.size() != kSize || uint8_t(handle[0]) != kVersion)
        return std::nullopt;
    const uint64_t fileId = getU64(handle.constData() + 1);
    CacheEntry *e = slot(fileId);
    if (e->valid && e->fileId == fileId
        && std::equal(e->bytes.cbegin(), e->bytes.cend(), handle.constData()))
        return fileId;
    const QByteArray expected = mac(fileId);
    if (!equalConstantTime(expected.constData(), handle.constData() + 9, kMacSize))
        return std::nullopt;
    e->fileId = fileId;
    e->valid = true;
    std::copy(handle.cbegin(), handle.cend(), e->bytes.begin());
    return fileId;
}

} // namespace loft
