// nfssink — a do-nothing NFSv3 server that answers from memory, to measure nfsbench's
// own ceiling. It is NOT a file server: every answer is canned, nothing touches a disk.
//
// One TCP port on 127.0.0.1 carries MOUNT v3 (MNT) and NFS v3 (NULL, GETATTR, LOOKUP,
// READ, WRITE, CREATE, MKDIR, REMOVE, RMDIR, READDIRPLUS, FSINFO, COMMIT). The tree it pretends to have
// is the one bench/run prepares:
//
//   /bigfile   --file-size bytes of zeros (default 512 MiB)
//   /bigdir/   --dir-entries synthetic entries (default 10000)
//   /scratch/  any name LOOKUPs / CREATEs / MKDIRs / REMOVEs successfully; WRITEs are
//              discarded
//
// Single-threaded epoll; replies are written with writev straight from a static zero
// buffer, so a READ costs the sink far less than it costs the client. It prints
// "nfs://127.0.0.1:PORT/sink" as its first stdout line and runs until SIGTERM/SIGINT or
// --lifetime seconds (default 3600) have passed.

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr uint32_t kMountProg = 100005, kNfsProg = 100003;
constexpr uint64_t kRoot = 1, kBigFile = 2, kBigDir = 3, kScratch = 4, kScratchFile = 5, kSubDir = 6;
constexpr uint32_t kMaxIo = 1024 * 1024;
constexpr uint32_t kMaxRecord = kMaxIo + 64 * 1024;

uint64_t gFileSize = 512ull * 1024 * 1024;
uint32_t gDirEntries = 10000;
volatile sig_atomic_t gStop = 0;
const std::vector<char> gZeros(kMaxIo, 0);

// --- XDR ---------------------------------------------------------------------------

struct Out {
    std::string b;
    void u32(uint32_t v)
    {
        v = htonl(v);
        b.append(reinterpret_cast<const char*>(&v), 4);
    }
    void u64(uint64_t v)
    {
        u32(uint32_t(v >> 32));
        u32(uint32_t(v));
    }
    void opaque(std::string_view s)
    {
        u32(uint32_t(s.size()));
        fixed(s);
    }
    void fixed(std::string_view s)
    {
        b.append(s);
        b.append((4 - s.size() % 4) % 4, '\0');
    }
};

struct In {
    const unsigned char* p;
    size_t n;
    bool ok = true;
    uint32_t u32()
    {
        if (n < 4) {
            ok = false;
            return 0;
        }
        uint32_t v = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
        p += 4;
        n -= 4;
        return v;
    }
    uint64_t u64()
    {
        uint64_t hi = u32();
        return hi << 32 | u32();
    }
    std::string_view opaque(uint32_t max)
    {
        uint32_t len = u32();
        size_t padded = (size_t(len) + 3) & ~size_t(3);
        if (!ok || len > max || padded > n) {
            ok = false;
            return {};
        }
        std::string_view s(reinterpret_cast<const char*>(p), len);
        p += padded;
        n -= padded;
        return s;
    }
    void skip(size_t k)
    {
        if (k > n) {
            ok = false;
            return;
        }
        p += k;
        n -= k;
    }
};

std::string handle(uint64_t id)
{
    std::string h(8, '\0');
    for (int i = 0; i < 8; ++i)
        h[size_t(i)] = char(id >> (56 - 8 * i));
    return h;
}

uint64_t handleId(std::string_view h)
{
    if (h.size() != 8)
        return 0;
    uint64_t id = 0;
    for (char c : h)
        id = id << 8 | uint8_t(c);
    return id;
}

bool isDir(uint64_t id) { return id == kRoot || id == kBigDir || id == kScratch || id == kSubDir; }

void fattr(Out& o, uint64_t id)
{
    bool dir = isDir(id);
    uint64_t size = id == kBigFile ? gFileSize : dir ? 4096 : 0;
    o.u32(dir ? 2 : 1);       // type
    o.u32(dir ? 0755 : 0644); // mode
    o.u32(dir ? 2 : 1);       // nlink
    o.u32(0);                 // uid
    o.u32(0);                 // gid
    o.u64(size);
    o.u64(size);
    o.u32(0);
    o.u32(0); // rdev
    o.u64(42); // fsid
    o.u64(id); // fileid
    for (int i = 0; i < 3; ++i) {
        o.u32(1700000000);
        o.u32(0);
    }
}

void postOpAttr(Out& o, uint64_t id)
{
    o.u32(1);
    fattr(o, id);
}

void noWcc(Out& o)
{
    o.u32(0); // pre_op_attr
    o.u32(0); // post_op_attr
}

// --- connections ----------------------------------------------------------------------

struct Conn {
    int fd;
    std::vector<unsigned char> in;
    size_t inLen = 0;
    std::string frag;                // fragments of a record in progress
    std::deque<std::string> pending; // replies: record marker, RPC header, results
    std::deque<uint32_t> pendingZeros; // zero bytes (READ data + padding) after each
    size_t sentOfFront = 0;
};

// Queues one reply: record marker + accepted-RPC header + `body`, then `zeros` bytes of
// READ data (sent from gZeros) and their XDR padding.
void queueReply(Conn& c, uint32_t xid, Out& body, uint32_t zeros)
{
    Out h;
    uint32_t pad = (4 - zeros % 4) % 4;
    uint32_t len = uint32_t(24 + body.b.size() + zeros + pad);
    h.u32(0x80000000u | len);
    h.u32(xid);
    h.u32(1); // REPLY
    h.u32(0); // MSG_ACCEPTED
    h.u32(0); // verf AUTH_NONE
    h.u32(0);
    h.u32(0); // SUCCESS
    h.b += body.b;
    c.pending.push_back(std::move(h.b));
    c.pendingZeros.push_back(zeros + pad);
}

void queueError(Conn& c, uint32_t xid, uint32_t acceptStat)
{
    Out h;
    h.u32(0x80000000u | 24);
    h.u32(xid);
    h.u32(1);
    h.u32(0);
    h.u32(0);
    h.u32(0);
    h.u32(acceptStat);
    c.pending.push_back(std::move(h.b));
    c.pendingZeros.push_back(0);
}

void readdirplus(In& a, Out& o)
{
    uint64_t dir = handleId(a.opaque(64));
    uint64_t cookie = a.u64();
    a.skip(8); // verifier
    a.u32();   // dircount
    uint32_t maxcount = a.u32();
    if (!a.ok)
        return;
    if (!isDir(dir)) {
        o.u32(20); // NOTDIR
        o.u32(0);
        return;
    }
    uint32_t entries = dir == kBigDir ? gDirEntries : 0;
    o.u32(0);
    postOpAttr(o, dir);
    o.fixed(std::string_view("sinkverf", 8));
    size_t budget = maxcount > 512 ? maxcount - 200 : 0;
    size_t start = o.b.size();
    uint64_t i = cookie;
    char name[32];
    while (i < entries) {
        Out e;
        e.u32(1);
        e.u64(1000 + i);
        int n = std::snprintf(name, sizeof name, "entry-%06u", unsigned(i + 1));
        e.opaque(std::string_view(name, size_t(n)));
        e.u64(i + 1);
        postOpAttr(e, 1000 + i);
        e.u32(1);
        e.opaque(handle(1000 + i));
        if (o.b.size() - start + e.b.size() > budget)
            break;
        o.b += e.b;
        ++i;
    }
    o.u32(0);               // no more entries in this reply
    o.u32(i >= entries ? 1 : 0); // eof
}

void handleCall(Conn& c, const unsigned char* p, size_t n)
{
    In a { p, n };
    uint32_t xid = a.u32();
    uint32_t type = a.u32();
    uint32_t rpcvers = a.u32();
    uint32_t prog = a.u32();
    uint32_t vers = a.u32();
    uint32_t proc = a.u32();
    a.u32();
    a.opaque(400); // credentials
    a.u32();
    a.opaque(400); // verifier
    if (!a.ok || type != 0 || rpcvers != 2)
        return;
    Out o;
    uint32_t zeros = 0;
    if (prog == kMountProg && vers == 3) {
        if (proc == 0) {
        } else if (proc == 1) { // MNT
            o.u32(0);
            o.opaque(handle(kRoot));
            o.u32(1);
            o.u32(1); // AUTH_UNIX
        } else if (proc == 3) { // UMNT
        } else {
            return queueError(c, xid, 3); // PROC_UNAVAIL
        }
        return queueReply(c, xid, o, 0);
    }
    if (prog != kNfsProg || vers != 3)
        return queueError(c, xid, 1); // PROG_UNAVAIL
    switch (proc) {
    case 0: // NULL
        break;
    case 1: { // GETATTR
        uint64_t id = handleId(a.opaque(64));
        if (id == 0) {
            o.u32(10001); // BADHANDLE
            break;
        }
        o.u32(0);
        fattr(o, id);
        break;
    }
    case 3: { // LOOKUP
        uint64_t dir = handleId(a.opaque(64));
        std::string_view name = a.opaque(255);
        uint64_t id = 0;
        if (dir == kRoot)
            id = name == "bigfile" ? kBigFile : name == "bigdir" ? kBigDir : name == "scratch" ? kScratch : 0;
        else if (dir == kScratch || dir == kSubDir)
            id = kScratchFile;
        if (id == 0) {
            o.u32(2); // NOENT
            o.u32(0);
            break;
        }
        o.u32(0);
        o.opaque(handle(id));
        postOpAttr(o, id);
        o.u32(0);
        break;
    }
    case 6: { // READ
        uint64_t id = handleId(a.opaque(64));
        uint64_t off = a.u64();
        uint32_t count = a.u32();
        uint64_t size = id == kBigFile ? gFileSize : 0;
        if (count > kMaxIo)
            count = kMaxIo;
        uint32_t got = off >= size ? 0 : uint32_t(std::min<uint64_t>(count, size - off));
        o.u32(0);
        postOpAttr(o, id);
        o.u32(got);
        o.u32(off + got >= size ? 1 : 0);
        o.u32(got);
        zeros = got;
        break;
    }
    case 7: { // WRITE
        a.opaque(64);
        a.u64();
        uint32_t count = a.u32();
        o.u32(0);
        noWcc(o);
        o.u32(count);
        o.u32(0); // UNSTABLE
        o.fixed(std::string_view("sinkverf", 8));
        break;
    }
    case 8: // CREATE
        o.u32(0);
        o.u32(1);
        o.opaque(handle(kScratchFile));
        postOpAttr(o, kScratchFile);
        noWcc(o);
        break;
    case 9: // MKDIR
        o.u32(0);
        o.u32(1);
        o.opaque(handle(kSubDir));
        postOpAttr(o, kSubDir);
        noWcc(o);
        break;
    case 12: // REMOVE
    case 13: // RMDIR
        o.u32(0);
        noWcc(o);
        break;
    case 17: // READDIRPLUS
        readdirplus(a, o);
        break;
    case 19: // FSINFO
        o.u32(0);
        o.u32(0);
        o.u32(kMaxIo);
        o.u32(kMaxIo);
        o.u32(4096);
        o.u32(kMaxIo);
        o.u32(kMaxIo);
        o.u32(4096);
        o.u32(65536);
        o.u64(~0ull >> 1);
        o.u32(0);
        o.u32(1);
        o.u32(0x1b);
        break;
    case 21: // COMMIT
        o.u32(0);
        noWcc(o);
        o.fixed(std::string_view("sinkverf", 8));
        break;
    default:
        o.u32(10004); // NOTSUPP
        o.u32(0);
        break;
    }
    if (!a.ok)
        return queueError(c, xid, 4); // GARBAGE_ARGS
    queueReply(c, xid, o, zeros);
}

// Writes as much of the pending replies as the socket takes. Returns false on a dead socket.
bool flush(Conn& c)
{
    while (!c.pending.empty()) {
        iovec iov[64];
        int n = 0;
        size_t skip = c.sentOfFront;
        for (size_t i = 0; i < c.pending.size() && n + 1 < 64; ++i) {
            const std::string& h = c.pending[i];
            uint32_t z = c.pendingZeros[i];
            size_t hs = h.size();
            if (skip >= hs) {
                skip -= hs;
            } else {
                iov[n++] = { const_cast<char*>(h.data() + skip), hs - skip };
                skip = 0;
            }
            if (z) {
                if (skip >= z) {
                    skip -= z;
                } else {
                    iov[n++] = { const_cast<char*>(gZeros.data()), z - skip };
                    skip = 0;
                }
            }
        }
        ssize_t w = ::writev(c.fd, iov, n);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return true;
            if (errno == EINTR)
                continue;
            return false;
        }
        size_t done = c.sentOfFront + size_t(w);
        while (!c.pending.empty() && done >= c.pending.front().size() + c.pendingZeros.front()) {
            done -= c.pending.front().size() + c.pendingZeros.front();
            c.pending.pop_front();
            c.pendingZeros.pop_front();
        }
        c.sentOfFront = done;
    }
    return true;
}

// Reads until EAGAIN (the socket is edge-triggered) and answers every complete record.
// Returns false to drop the peer.
bool readable(Conn& c)
{
    for (;;) {
        if (c.in.size() - c.inLen < 256 * 1024)
            c.in.resize(std::max(c.in.size() * 2, size_t(4 * 1024 * 1024)));
        ssize_t r = ::recv(c.fd, c.in.data() + c.inLen, c.in.size() - c.inLen, 0);
        if (r == 0)
            return false;
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            return false;
        }
        c.inLen += size_t(r);
        size_t pos = 0;
        while (c.inLen - pos >= 4) {
            const unsigned char* m = c.in.data() + pos;
            uint32_t marker = uint32_t(m[0]) << 24 | uint32_t(m[1]) << 16 | uint32_t(m[2]) << 8 | m[3];
            uint32_t len = marker & 0x7fffffffu;
            if (len > kMaxRecord || c.frag.size() + len > kMaxRecord)
                return false;
            if (c.inLen - pos - 4 < len)
                break;
            const unsigned char* body = m + 4;
            if (!(marker & 0x80000000u)) {
                c.frag.append(reinterpret_cast<const char*>(body), len);
            } else if (!c.frag.empty()) {
                c.frag.append(reinterpret_cast<const char*>(body), len);
                handleCall(c, reinterpret_cast<const unsigned char*>(c.frag.data()), c.frag.size());
                c.frag.clear();
            } else {
                handleCall(c, body, len);
            }
            pos += 4 + len;
        }
        if (pos) {
            std::memmove(c.in.data(), c.in.data() + pos, c.inLen - pos);
            c.inLen -= pos;
        }
    }
    return flush(c);
}

void onSignal(int) { gStop = 1; }

} // namespace

int main(int argc, char** argv)
{
    int port = 0;
    double lifetime = 3600;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--port")
            port = std::atoi(v);
        else if (k == "--file-size")
            gFileSize = std::strtoull(v, nullptr, 10);
        else if (k == "--dir-entries")
            gDirEntries = uint32_t(std::strtoul(v, nullptr, 10));
        else if (k == "--lifetime")
            lifetime = std::atof(v);
        else {
            std::fprintf(stderr, "usage: nfssink [--port P] [--file-size BYTES] [--dir-entries N] [--lifetime SEC]\n");
            return 2;
        }
    }
    if (argc % 2 == 0) {
        std::fprintf(stderr, "usage: nfssink [--port P] [--file-size BYTES] [--dir-entries N] [--lifetime SEC]\n");
        return 2;
    }
    std::signal(SIGTERM, onSignal);
    std::signal(SIGINT, onSignal);
    std::signal(SIGPIPE, SIG_IGN);

    int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(uint16_t(port));
    if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(lfd, 64) != 0) {
        std::perror("nfssink: bind/listen");
        return 1;
    }
    socklen_t alen = sizeof addr;
    ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &alen);
    std::printf("nfs://127.0.0.1:%d/sink\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    int ep = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.fd = lfd;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    std::unordered_map<int, std::unique_ptr<Conn>> conns;
    auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(int64_t(lifetime * 1000));
    epoll_event evs[64];
    while (!gStop && std::chrono::steady_clock::now() < end) {
        int n = ::epoll_wait(ep, evs, 64, 200);
        for (int i = 0; i < n; ++i) {
            int fd = evs[i].data.fd;
            if (fd == lfd) {
                int cfd;
                while ((cfd = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    auto c = std::make_unique<Conn>();
                    c->fd = cfd;
                    epoll_event cev {};
                    cev.events = EPOLLIN | EPOLLOUT | EPOLLET;
                    cev.data.fd = cfd;
                    ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                    conns.emplace(cfd, std::move(c));
                }
                continue;
            }
            auto it = conns.find(fd);
            if (it == conns.end())
                continue;
            Conn& c = *it->second;
            bool alive = true;
            if (evs[i].events & (EPOLLERR | EPOLLHUP))
                alive = false;
            if (alive && (evs[i].events & EPOLLIN))
                alive = readable(c);
            if (alive && (evs[i].events & EPOLLOUT))
                alive = flush(c);
            if (!alive) {
                ::close(fd);
                conns.erase(it);
            }
        }
    }
    for (auto& [fd, c] : conns)
        ::close(fd);
    ::close(lfd);
    return 0;
}
