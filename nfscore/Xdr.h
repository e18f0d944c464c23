// XDR (RFC 4506) for both directions from one description per type.
//
// A type describes itself once with a member template
//     template <class X> void xdr(X &x) { x(field1); x(field2); }
// and XdrReader / XdrWriter walk that description to decode or encode it, so the two
// directions can never drift apart. Variable-length data carries its bound in its type
// (XdrOpaque<Max>), so a length from the wire is checked before anything is allocated.
#pragma once

#include <QByteArray>
#include <QList>
#include <array>
#include <cstdint>
#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <type_traits>

#include <sys/types.h>

namespace loft {

// Bytes of an encoded record that are not in memory but can put themselves on a socket
// (a READ's file region, sent with sendfile(2) so it never passes through user space).
class XdrExternalBytes {
public:
    virtual ~XdrExternalBytes() = default;
    virtual uint32_t size() const = 0;
    // Writes bytes [from, size()) to the non-blocking socket `fd`, as many as it takes
    // now: the count written, or -1 with errno (EAGAIN: try again when writable).
    virtual ssize_t sendTo(int fd, uint32_t from) const = 0;
};

// One piece of an encoded record: bytes in memory, or external bytes.
struct XdrChunk {
    QByteArray bytes;
    std::shared_ptr<const XdrExternalBytes> external;
    XdrChunk(QByteArray b = {}) : bytes(std::move(b)) {}
    explicit XdrChunk(std::shared_ptr<const XdrExternalBytes> e) : external(std::move(e)) {}
    qsizetype size() const { return external ? qsizetype(external->size()) : bytes.size(); }
};

// Variable-length opaque or string with an upper bound on its length. When encoding into
// chunks (XdrWriter with spill), its content may be `external` instead of `bytes`.
template <uint32_t Max>
struct XdrOpaque {
    static constexpr uint32_t maxSize = Max;
    QByteArray bytes;
    std::shared_ptr<const XdrExternalBytes> external;
    XdrOpaque() = default;
    XdrOpaque(QByteArray b) : bytes(std::move(b)) {}
    friend bool operator==(const XdrOpaque &a, const XdrOpaque &b)
    {
        return a.bytes == b.bytes && a.external == b.external;
    }
};

// Fixed-length opaque.
template <uint32_t N>
struct XdrFixed {
    std::array<uint8_t, N> bytes{};
    friend bool operator==(const XdrFixed &, const XdrFixed &) = default;
};

// Counted array with an upper bound.
template <class T, uint32_t Max>
struct XdrArray {
    QList<T> items;
    friend bool operator==(const XdrArray &, const XdrArray &) = default;
};

// XDR "optional-data" linked list (`T *next`): each item preceded by TRUE, ended by FALSE.
// Max bounds decoding.
template <class T, uint32_t Max>
struct XdrList {
    QList<T> items;
    friend bool operator==(const XdrList &, const XdrList &) = default;
};

template <class T, class X>
concept XdrDescribed = requires(T &t, X &x) { t.xdr(x); };

class XdrReader {
public:
    static constexpr bool decoding = true;

    XdrReader(const char *data, qsizetype size) : p_(data), end_(data + size) {}
    explicit XdrReader(const QByteArray &b) : XdrReader(b.constData(), b.size()) {}
    // Reads [data, data + size) inside `*owner`, which the reader may take over: a large
    // opaque that ends the input (WRITE data) then becomes `*owner` itself, trimmed to
    // the opaque in place, instead of a copy. `*owner` is left empty when that happens.
    XdrReader(const char *data, qsizetype size, QByteArray *owner)
        : p_(data), end_(data + size), owner_(owner) {}
    static constexpr qsizetype kAdoptSize = 64 * 1024;

    bool ok() const { return ok_; }
    void fail() { ok_ = false; }
    qsizetype remaining() const { return end_ - p_; }
    const char *position() const { return p_; }

    void operator()(uint32_t &v)
    {
        if (!need(4)) {
            v = 0;
            return;
        }
        v = load32(p_);
        p_ += 4;
    }
    void operator()(int32_t &v)
    {
        uint32_t u;
        (*this)(u);
        v = int32_t(u);
    }
    void operator()(uint64_t &v)
    {
        uint32_t hi, lo;
        (*this)(hi);
        (*this)(lo);
        v = (uint64_t(hi) << 32) | lo;
    }
    void operator()(int64_t &v)
    {
        uint64_t u;
        (*this)(u);
        v = int64_t(u);
    }
    void operator()(bool &v)
    {
        uint32_t u;
        (*this)(u);
        if (u > 1)
            fail();
        v = u == 1;
    }
    template <class E>
        requires std::is_enum_v<E>
    void operator()(E &e)
    {
        uint32_t u;
        (*this)(u);
        e = E(u);
    }
    template <uint32_t Max>
    void operator()(XdrOpaque<Max> &o)
    {
        uint32_t len;
        (*this)(len);
        if (!ok_ || len > Max || !need(padded(len))) {
            fail();
            o.bytes.clear();
            return;
        }
        if (owner_ && len >= kAdoptSize && p_ + padded(len) == end_) {
            // Qt 6 drops leading bytes of an unshared QByteArray by moving its start
            // pointer, and trims the end in place: no byte is copied.
            const qsizetype offset = p_ - owner_->constData();
            o.bytes = std::move(*owner_);
            *owner_ = QByteArray();
            owner_ = nullptr;
            o.bytes.remove(0, offset);
            o.bytes.truncate(len);
            p_ = end_;
            return;
        }
        o.bytes = QByteArray(p_, len);
        p_ += padded(len);
    }
    template <uint32_t N>
    void operator()(XdrFixed<N> &f)
    {
        if (!need(padded(N)))
            return;
        std::memcpy(f.bytes.data(), p_, N);
        p_ += padded(N);
    }
    template <class T>
    void operator()(std::optional<T> &o)
    {
        bool present;
        (*this)(present);
        if (present && ok_) {
            o.emplace();
            (*this)(*o);
        } else {
            o.reset();
        }
    }
    template <class T, uint32_t Max>
    void operator()(XdrArray<T, Max> &a)
    {
        uint32_t n;
        (*this)(n);
        a.items.clear();
        if (!ok_ || n > Max || qsizetype(n) * 4 > remaining()) {
            fail();
            return;
        }
        a.items.resize(n);
        for (auto &item : a.items)
            (*this)(item);
    }
    template <class T, uint32_t Max>
    void operator()(XdrList<T, Max> &l)
    {
        l.items.clear();
        for (;;) {
            bool more;
            (*this)(more);
            if (!ok_ || !more)
                return;
            if (uint32_t(l.items.size()) >= Max) {
                fail();
                return;
            }
            l.items.emplace_back();
            (*this)(l.items.back());
        }
    }
    template <class T>
        requires XdrDescribed<T, XdrReader>
    void operator()(T &t)
    {
        t.xdr(*this);
    }

    static uint32_t load32(const char *p)
    {
        const auto *u = reinterpret_cast<const unsigned char *>(p);
        return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | u[3];
    }
    static constexpr qsizetype padded(uint32_t n) { return (qsizetype(n) + 3) & ~qsizetype(3); }

private:
    bool need(qsizetype n)
    {
        if (!ok_ || remaining() < n) {
            ok_ = false;
            return false;
        }
        return true;
    }

    const char *p_;
    const char *end_;
    QByteArray *owner_ = nullptr; // see the three-argument constructor
    bool ok_ = true;
};

class XdrWriter {
public:
    static constexpr bool decoding = false;

    // Appends to `out`. Bytes go straight into `out`'s storage, which grows in large
    // steps; `out` gets its exact size back at flush() or when the writer is destroyed.
    // (QByteArray::append per 4-byte field was a quarter of a READDIRPLUS reply's cost.)
    explicit XdrWriter(QByteArray &out) : out_(out), pos_(out.size()) {}
    // With `spill`, opaques of kSpillSize bytes or more are not copied: the bytes
    // written so far move to `spill`, the opaque's own QByteArray follows (shared), and
    // writing goes on in a fresh buffer. The record is then spill + out, in order.
    // External bytes always go to `spill` (a writer without one cannot encode them).
    XdrWriter(QByteArray &out, QList<XdrChunk> *spill) : XdrWriter(out) { spill_ = spill; }
    static constexpr qsizetype kSpillSize = 16 * 1024;
    XdrWriter(const XdrWriter &) = delete;
    XdrWriter &operator=(const XdrWriter &) = delete;
    ~XdrWriter() { flush(); }

    // Gives `out` its exact size; call before handing `out` on while the writer lives.
    void flush()
    {
        if (buf_ && out_.constData() == buf_) // not if `out` was moved away meanwhile
            out_.resize(pos_);
        buf_ = nullptr;
    }

    void operator()(const uint32_t &v)
    {
        char *p = room(4);
        p[0] = char(v >> 24);
        p[1] = char(v >> 16);
        p[2] = char(v >> 8);
        p[3] = char(v);
    }
    void operator()(const int32_t &v) { (*this)(uint32_t(v)); }
    void operator()(const uint64_t &v)
    {
        (*this)(uint32_t(v >> 32));
        (*this)(uint32_t(v));
    }
    void operator()(const int64_t &v) { (*this)(uint64_t(v)); }
    void operator()(const bool &v) { (*this)(uint32_t(v ? 1 : 0)); }
    template <class E>
        requires std::is_enum_v<E>
    void operator()(const E &e)
    {
        (*this)(uint32_t(e));
    }
    template <uint32_t Max>
    void operator()(const XdrOpaque<Max> &o)
    {
        if (o.external) {
            const uint32_t size = spill_ ? o.external->size() : 0; // no spill: a bug, write it empty
            (*this)(size);
            if (size)
                spillThen(XdrChunk(o.external), size);
            return;
        }
        if (spill_ && o.bytes.size() >= kSpillSize) {
            (*this)(uint32_t(o.bytes.size()));
            spillThen(XdrChunk(o.bytes), uint32_t(o.bytes.size()));
            return;
        }
        writeOpaque(o.bytes.constData(), uint32_t(o.bytes.size()));
    }
    template <uint32_t N>
    void operator()(const XdrFixed<N> &f)
    {
        put(f.bytes.data(), N);
        pad(N);
    }
    template <class T>
    void operator()(const std::optional<T> &o)
    {
        (*this)(o.has_value());
        if (o)
            (*this)(*o);
    }
    template <class T, uint32_t Max>
    void operator()(const XdrArray<T, Max> &a)
    {
        (*this)(uint32_t(a.items.size()));
        for (const auto &item : a.items)
            (*this)(item);
    }
    template <class T, uint32_t Max>
    void operator()(const XdrList<T, Max> &l)
    {
        for (const auto &item : l.items) {
            (*this)(true);
            (*this)(item);
        }
        (*this)(false);
    }
    template <class T>
        requires XdrDescribed<T, XdrWriter>
    void operator()(const T &t)
    {
        // Descriptions are written once for both directions; encoding does not modify.
        const_cast<T &>(t).xdr(*this);
    }

    void writeOpaque(const char *data, uint32_t len)
    {
        (*this)(len);
        put(data, len);
        pad(len);
    }
    void pad(uint32_t len)
    {
        if (len % 4)
            std::memset(room(4 - len % 4), 0, 4 - len % 4);
    }

private:
    // The bytes so far move to spill_, then `chunk`, then writing goes on in a fresh
    // buffer with the chunk's padding.
    void spillThen(XdrChunk chunk, uint32_t size)
    {
        flush();
        spill_->append(XdrChunk(std::move(out_)));
        out_ = QByteArray();
        pos_ = 0;
        spill_->append(std::move(chunk));
        pad(size);
    }
    void put(const void *data, size_t n)
    {
        if (n)
            std::memcpy(room(n), data, n);
    }
    // Reserves n bytes at the end and returns where they start.
    char *room(size_t n)
    {
        if (!buf_ || pos_ + qsizetype(n) > out_.size())
            grow(qsizetype(n));
        char *p = buf_ + pos_;
        pos_ += qsizetype(n);
        return p;
    }
    void grow(qsizetype n)
    {
        out_.resize(std::max({pos_ + n, 2 * out_.size(), qsizetype(256)}));
        buf_ = out_.data();
    }

    QByteArray &out_;
    qsizetype pos_;
    char *buf_ = nullptr; // out_'s storage while the writer owns the bytes past pos_
    QList<XdrChunk> *spill_ = nullptr;
};

// Convenience: encode a value into a fresh buffer.
template <class T>
QByteArray xdrEncode(const T &value)
{
    QByteArray out;
    XdrWriter w(out);
    w(value);
    w.flush();
    return out;
}

// Decode a whole buffer into value; false when malformed or when bytes are left over.
template <class T>
bool xdrDecode(const QByteArray &in, T &value)
{
    XdrReader r(in);
    r(value);
    return r.ok() && r.remaining() == 0;
}

} // namespace loft
