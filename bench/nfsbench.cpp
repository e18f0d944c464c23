// nfsbench — a pipelined NFSv3 load generator for comparing NFS servers on loopback.
//
// It speaks MOUNT v3 and NFS v3 through libnfs's raw asynchronous RPC layer (the
// rpc_mount3_* / rpc_nfs3_* "_async" calls of libnfs 4.0), keeps up to --inflight calls
// outstanding on ONE TCP connection (as the kernel client does), and drives everything
// from a single poll() loop. It prints exactly one machine-readable line on stdout:
//
//   RESULT workload=seqread inflight=16 status=ok value=2345.6 unit=MiB/s ...
//
// and exits 0, or prints "RESULT ... status=error" (the reason goes to stderr) and exits 1.
// Every loop is bounded by a count and by time (--duration, --timeout).
//
// Workloads: seqread, randread, getattr, write, create, readdirplus. See bench/README.md.

#include <nfsc/libnfs.h>
#include <nfsc/libnfs-raw.h>
#include <nfsc/libnfs-raw-mount.h>
#include <nfsc/libnfs-raw-nfs.h>

#include <malloc.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t0)
{
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

double selfCpuSeconds()
{
    rusage ru {};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
        + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of a process (all its threads), in seconds; -1 if unreadable.
double processCpuSeconds(int pid)
{
    if (pid <= 0)
        return -1;
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    FILE* f = std::fopen(path.c_str(), "r");
    if (!f)
        return -1;
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    const char* p = std::strrchr(buf, ')'); // the command name may hold spaces
    if (!p)
        return -1;
    unsigned long long utime = 0, stime = 0;
    // after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
    if (std::sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
        return -1;
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// Busy and total CPU seconds of the whole machine, from /proc/stat.
bool machineCpuSeconds(double& busy, double& total)
{
    FILE* f = std::fopen("/proc/stat", "r");
    if (!f)
        return false;
    unsigned long long v[10] = {};
    int got = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
        &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
    std::fclose(f);
    if (got < 8)
        return false;
    // user nice system idle iowait irq softirq steal (guest times are inside user)
    unsigned long long idle = v[3] + v[4], all = 0;
    for (int i = 0; i < 8; ++i)
        all += v[i];
    double hz = double(sysconf(_SC_CLK_TCK));
    busy = double(all - idle) / hz;
    total = double(all) / hz;
    return true;
}

// CPU used during a measured interval, in cores: by this client, by the server (when its
// pid is known), by the whole machine, and so by everything else ("other_cpu"). A run
// with other_cpu well above 0 shared the machine with something and is noisy.
class CpuMeter {
public:
    explicit CpuMeter(int serverPid)
        : pid_(serverPid)
    {
        t0_ = Clock::now();
        self0_ = selfCpuSeconds();
        server0_ = processCpuSeconds(pid_);
        haveMachine_ = machineCpuSeconds(busy0_, total0_);
    }
    void stop()
    {
        wall_ = secondsSince(t0_);
        self_ = selfCpuSeconds() - self0_;
        double s1 = processCpuSeconds(pid_);
        server_ = (server0_ >= 0 && s1 >= 0) ? s1 - server0_ : -1;
        double b1 = 0, t1 = 0;
        haveMachine_ = haveMachine_ && machineCpuSeconds(b1, t1);
        busy_ = b1 - busy0_;
    }
    template <typename R>
    void report(R& res) const
    {
        if (wall_ <= 0)
            return;
        res.add("client_cpu", self_ / wall_);
        // The others count in clock ticks (10 ms): meaningless over very short intervals.
        if (wall_ < 0.25)
            return;
        if (server_ >= 0)
            res.add("server_cpu", server_ / wall_);
        if (haveMachine_) {
            res.add("machine_cpu", busy_ / wall_);
            if (server_ >= 0)
                res.add("other_cpu", std::max(0.0, (busy_ - self_ - server_) / wall_));
        }
    }

private:
    int pid_;
    Clock::time_point t0_;
    double self0_ = 0, server0_ = -1, busy0_ = 0, total0_ = 0;
    double wall_ = 0, self_ = 0, server_ = -1, busy_ = 0;
    bool haveMachine_ = false;
};

// ---------------------------------------------------------------------------------------
// Options

struct Options {
    std::string host = "127.0.0.1";
    int nfsPort = 2049;
    int mountPort = 0; // 0: same as nfsPort
    std::string exportPath;
    std::string workload;
    std::string path;     // file or directory, relative to the export; default per workload
    int inflight = 1;
    uint64_t size = 0;    // seqread: bytes per pass (0 = whole file); write: bytes to write
    uint32_t chunk = 0;   // READ/WRITE size; 0 = per-workload default
    uint64_t count = 0;   // ops / files / listings; 0 = per-workload default
    double duration = 5.0;
    double warmup = 0.5;  // seconds of unmeasured load before getattr/randread/readdirplus
    int passes = 1;       // seqread
    uint32_t dircount = 16384;
    uint32_t maxcount = 65536;
    int64_t expect = -1;  // readdirplus: expected entries per listing (without . and ..)
    double timeout = 300; // hard bound on the whole run
    bool keep = false;    // keep files made by write/create
    bool freshDir = true; // write/create work in a new subdirectory of --path
    std::string prefix;   // names of files made by write/create
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    int serverPid = 0;    // to report the server's CPU use during the measurement
    bool verbose = false;
};

void usage(FILE* out)
{
    std::fputs(
        "usage: nfsbench (--url URL | --port P [--host H] [--mountport P] --export PATH)\n"
        "                --workload NAME [options]\n"
        "\n"
        "  --url nfs://HOST[:PORT]/EXPORT[?nfsport=P&mountport=P]\n"
        "                      server and export; PORT/nfsport is the NFS port, mountport\n"
        "                      the MOUNT port (default: the NFS port). No portmapper is used.\n"
        "  --workload NAME     seqread | randread | getattr | write | create | readdirplus\n"
        "  --path REL          object below the export: the file (seqread, randread, getattr;\n"
        "                      default 'bigfile'), the directory to list (readdirplus;\n"
        "                      default 'bigdir'), the directory to write in (write, create;\n"
        "                      default 'scratch')\n"
        "  --inflight N        calls kept in flight on the one connection (default 1)\n"
        "  --size BYTES        seqread: bytes per pass (default whole file);\n"
        "                      write: bytes to write (default 256M). Suffixes K M G.\n"
        "  --chunk BYTES       READ/WRITE size (default 1M, clamped to the server's\n"
        "                      rtmax/wtmax; randread default 4K)\n"
        "  --passes N          seqread: passes over the file (default 1)\n"
        "  --count N           max ops (getattr, randread), files (create, default 2000),\n"
        "                      listings (readdirplus)\n"
        "  --duration SEC      measured time for getattr/randread/readdirplus (default 5)\n"
        "  --warmup SEC        unmeasured load before those (default 0.5)\n"
        "  --dircount N --maxcount N   READDIRPLUS sizes (default 16384 / 65536)\n"
        "  --expect N          readdirplus: fail unless each listing has N entries\n"
        "  --prefix NAME       name prefix for files made by write/create\n"
        "                      (default nfsbench-PID)\n"
        "  --no-fresh-dir      write/create straight into --path instead of a new\n"
        "                      subdirectory PREFIX.d of it (made by MKDIR, untimed)\n"
        "  --keep              do not remove the files (and directory) write/create made\n"
        "  --timeout SEC       hard limit on the whole run (default 300)\n"
        "  --seed N            randread offsets\n"
        "  --server-pid PID    also report the server's CPU use (server_cpu, other_cpu)\n"
        "  --verbose           progress on stderr\n",
        out);
}

std::optional<uint64_t> parseSize(std::string_view s)
{
    if (s.empty())
        return std::nullopt;
    char* end = nullptr;
    std::string tmp(s);
    errno = 0;
    double v = std::strtod(tmp.c_str(), &end);
    if (errno != 0 || end == tmp.c_str() || v < 0)
        return std::nullopt;
    std::string_view suffix(end);
    double mul = 1;
    if (suffix == "" || suffix == "B" || suffix == "b")
        mul = 1;
    else if (suffix == "K" || suffix == "k" || suffix == "KiB")
        mul = 1024.0;
    else if (suffix == "M" || suffix == "m" || suffix == "MiB")
        mul = 1024.0 * 1024;
    else if (suffix == "G" || suffix == "g" || suffix == "GiB")
        mul = 1024.0 * 1024 * 1024;
    else
        return std::nullopt;
    return uint64_t(v * mul);
}

std::optional<int> parsePort(std::string_view s)
{
    auto v = parseSize(s);
    if (!v || *v == 0 || *v > 65535)
        return std::nullopt;
    return int(*v);
}

// nfs://host[:port]/export[?nfsport=P&mountport=P]
bool parseUrl(const std::string& url, Options& o, std::string& err)
{
    const std::string scheme = "nfs://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        err = "URL must start with nfs://";
        return false;
    }
    std::string rest = url.substr(scheme.size());
    std::string query;
    if (auto q = rest.find('?'); q != std::string::npos) {
        query = rest.substr(q + 1);
        rest.resize(q);
    }
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    o.exportPath = slash == std::string::npos ? "/" : rest.substr(slash);
    if (auto colon = authority.rfind(':'); colon != std::string::npos) {
        auto p = parsePort(authority.substr(colon + 1));
        if (!p) {
            err = "bad port in URL";
            return false;
        }
        o.nfsPort = *p;
        authority.resize(colon);
    }
    if (!authority.empty())
        o.host = authority;
    size_t pos = 0;
    while (pos < query.size()) {
        auto amp = query.find('&', pos);
        std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        pos = amp == std::string::npos ? query.size() : amp + 1;
        auto eq = kv.find('=');
        if (eq == std::string::npos)
            continue;
        std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        if (k == "nfsport" || k == "mountport") {
            auto p = parsePort(v);
            if (!p) {
                err = "bad " + k + " in URL";
                return false;
            }
            (k == "nfsport" ? o.nfsPort : o.mountPort) = *p;
        }
        // Other libnfs URL arguments (version=3, uid=...) are accepted and ignored.
    }
    return true;
}

bool parseArgs(int argc, char** argv, Options& o, std::string& err)
{
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            usage(stdout);
            std::exit(0);
        }
        if (a == "--keep") {
            o.keep = true;
            continue;
        }
        if (a == "--no-fresh-dir") {
            o.freshDir = false;
            continue;
        }
        if (a == "--verbose" || a == "-v") {
            o.verbose = true;
            continue;
        }
        std::string v;
        if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            v = a.substr(eq + 1);
            a.resize(eq);
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            err = "missing value for " + a;
            return false;
        }
        auto num = [&](uint64_t& dst) {
            auto x = parseSize(v);
            if (!x)
                err = "bad number for " + a + ": " + v;
            else
                dst = *x;
            return bool(x);
        };
        auto real = [&](double& dst) {
            char* end = nullptr;
            dst = std::strtod(v.c_str(), &end);
            if (end == v.c_str() || *end != '\0' || dst < 0) {
                err = "bad number for " + a + ": " + v;
                return false;
            }
            return true;
        };
        uint64_t n = 0;
        if (a == "--url") {
            if (!parseUrl(v, o, err))
                return false;
        } else if (a == "--host") {
            o.host = v;
        } else if (a == "--port" || a == "--nfsport") {
            auto p = parsePort(v);
            if (!p) {
                err = "bad port: " + v;
                return false;
            }
            o.nfsPort = *p;
        } else if (a == "--mountport") {
            auto p = parsePort(v);
            if (!p) {
                err = "bad port: " + v;
                return false;
            }
            o.mountPort = *p;
        } else if (a == "--export") {
            o.exportPath = v;
        } else if (a == "--workload") {
            o.workload = v;
        } else if (a == "--path") {
            o.path = v;
        } else if (a == "--inflight") {
            if (!num(n))
                return false;
            o.inflight = int(std::clamp<uint64_t>(n, 1, 1024));
        } else if (a == "--size") {
            if (!num(o.size))
                return false;
        } else if (a == "--chunk") {
            if (!num(n))
                return false;
            if (n == 0 || n > 1024 * 1024) {
                err = "--chunk must be 1..1M (libnfs 4.0 accepts replies up to 1 MiB)";
                return false;
            }
            o.chunk = uint32_t(n);
        } else if (a == "--count") {
            if (!num(o.count))
                return false;
        } else if (a == "--passes") {
            if (!num(n))
                return false;
            o.passes = int(std::clamp<uint64_t>(n, 1, 1000));
        } else if (a == "--duration") {
            if (!real(o.duration))
                return false;
        } else if (a == "--warmup") {
            if (!real(o.warmup))
                return false;
        } else if (a == "--timeout") {
            if (!real(o.timeout))
                return false;
        } else if (a == "--dircount") {
            if (!num(n))
                return false;
            o.dircount = uint32_t(std::clamp<uint64_t>(n, 512, 1 << 20));
        } else if (a == "--maxcount") {
            if (!num(n))
                return false;
            o.maxcount = uint32_t(std::clamp<uint64_t>(n, 1024, 1 << 20));
        } else if (a == "--expect") {
            if (!num(n))
                return false;
            o.expect = int64_t(n);
        } else if (a == "--prefix") {
            o.prefix = v;
        } else if (a == "--server-pid") {
            if (!num(n))
                return false;
            o.serverPid = int(n);
        } else if (a == "--seed") {
            if (!num(o.seed))
                return false;
        } else {
            err = "unknown option " + a;
            return false;
        }
    }
    if (o.workload.empty()) {
        err = "--workload is required";
        return false;
    }
    if (o.exportPath.empty()) {
        err = "--url or --export is required";
        return false;
    }
    if (o.mountPort == 0)
        o.mountPort = o.nfsPort;
    if (o.prefix.empty())
        o.prefix = "nfsbench-" + std::to_string(getpid());
    return true;
}

// ---------------------------------------------------------------------------------------
// A file handle kept by value (libnfs frees reply data when the callback returns).

struct Handle {
    std::string bytes;
    nfs_fh3 fh()
    {
        nfs_fh3 f {};
        f.data.data_len = u_int(bytes.size());
        f.data.data_val = bytes.data();
        return f;
    }
    static Handle from(const nfs_fh3& f) { return Handle { std::string(f.data.data_val, f.data.data_len) }; }
};

const char* nfsstatName(int s)
{
    switch (s) {
    case NFS3_OK: return "NFS3_OK";
    case NFS3ERR_PERM: return "NFS3ERR_PERM";
    case NFS3ERR_NOENT: return "NFS3ERR_NOENT";
    case NFS3ERR_IO: return "NFS3ERR_IO";
    case NFS3ERR_NXIO: return "NFS3ERR_NXIO";
    case NFS3ERR_ACCES: return "NFS3ERR_ACCES";
    case NFS3ERR_EXIST: return "NFS3ERR_EXIST";
    case NFS3ERR_NOTDIR: return "NFS3ERR_NOTDIR";
    case NFS3ERR_ISDIR: return "NFS3ERR_ISDIR";
    case NFS3ERR_INVAL: return "NFS3ERR_INVAL";
    case NFS3ERR_FBIG: return "NFS3ERR_FBIG";
    case NFS3ERR_NOSPC: return "NFS3ERR_NOSPC";
    case NFS3ERR_ROFS: return "NFS3ERR_ROFS";
    case NFS3ERR_NAMETOOLONG: return "NFS3ERR_NAMETOOLONG";
    case NFS3ERR_NOTEMPTY: return "NFS3ERR_NOTEMPTY";
    case NFS3ERR_STALE: return "NFS3ERR_STALE";
    case NFS3ERR_BADHANDLE: return "NFS3ERR_BADHANDLE";
    case NFS3ERR_BAD_COOKIE: return "NFS3ERR_BAD_COOKIE";
    case NFS3ERR_NOTSUPP: return "NFS3ERR_NOTSUPP";
    case NFS3ERR_TOOSMALL: return "NFS3ERR_TOOSMALL";
    case NFS3ERR_SERVERFAULT: return "NFS3ERR_SERVERFAULT";
    case NFS3ERR_JUKEBOX: return "NFS3ERR_JUKEBOX";
    default: return "NFS3ERR_?";
    }
}

// ---------------------------------------------------------------------------------------
// One RPC connection driven by poll(). Calls are submitted with a completion handler;
// handlers may submit further calls. Nothing here blocks except poll() (100 ms slices).

class Connection {
public:
    using Handler = std::function<void(void* result)>;

    explicit Connection(Clock::time_point deadline)
        : deadline_(deadline)
    {
    }
    ~Connection() { close(); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    bool open(const std::string& host, int port, int program, int version)
    {
        close();
        rpc_ = rpc_init_context();
        if (!rpc_)
            return fail("rpc_init_context failed");
        bool connected = false;
        auto* p = new Pending { this, [&connected](void*) { connected = true; } };
        ++outstanding_;
        if (rpc_connect_port_async(rpc_, host.c_str(), port, program, version, &Connection::trampoline, p) != 0) {
            --outstanding_;
            delete p;
            return fail(std::string("connect to ") + host + ":" + std::to_string(port) + ": " + rpc_get_error(rpc_));
        }
        what_ = host + ":" + std::to_string(port);
        return runUntil([&] { return connected; });
    }

    void close()
    {
        if (rpc_) {
            closing_ = true; // pending callbacks fire during destroy: drop them
            rpc_destroy_context(rpc_);
            rpc_ = nullptr;
            closing_ = false;
            outstanding_ = 0;
        }
    }

    // Submits one call; `fn` is a libnfs rpc_*_async function taking (rpc, cb, args, priv).
    template <typename Args>
    bool call(int (*fn)(rpc_context*, rpc_cb, Args*, void*), Args* args, Handler onReply)
    {
        if (!error_.empty())
            return false;
        auto* p = new Pending { this, std::move(onReply) };
        ++outstanding_;
        ++calls_;
        if (fn(rpc_, &Connection::trampoline, args, p) != 0) {
            --outstanding_;
            delete p;
            return fail(std::string("could not queue call: ") + rpc_get_error(rpc_));
        }
        return true;
    }

    bool mnt(const std::string& exportPath, Handler onReply)
    {
        auto* p = new Pending { this, std::move(onReply) };
        ++outstanding_;
        std::string e = exportPath;
        if (rpc_mount3_mnt_async(rpc_, &Connection::trampoline, e.data(), p) != 0) {
            --outstanding_;
            delete p;
            return fail(std::string("could not queue MNT: ") + rpc_get_error(rpc_));
        }
        return true;
    }

    // Services the socket until done() is true, an error happened or the deadline passed.
    bool runUntil(const std::function<bool()>& done)
    {
        while (error_.empty() && !done()) {
            if (Clock::now() > deadline_)
                return fail("timed out (--timeout) with " + std::to_string(outstanding_) + " calls outstanding");
            pollfd pfd {};
            pfd.fd = rpc_get_fd(rpc_);
            pfd.events = short(rpc_which_events(rpc_));
            int r = ::poll(&pfd, 1, 100);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                return fail(std::string("poll: ") + std::strerror(errno));
            }
            if (rpc_service(rpc_, r > 0 ? pfd.revents : 0) < 0)
                return fail("connection to " + what_ + " failed: " + rpc_get_error(rpc_));
        }
        return error_.empty();
    }

    bool drain() { return runUntil([this] { return outstanding_ == 0; }); }

    bool fail(const std::string& why)
    {
        if (error_.empty())
            error_ = why;
        return false;
    }
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    int outstanding() const { return outstanding_; }
    uint64_t calls() const { return calls_; }

private:
    struct Pending {
        Connection* conn;
        Handler fn;
    };

    static void trampoline(rpc_context*, int status, void* data, void* priv)
    {
        auto* p = static_cast<Pending*>(priv);
        Connection* c = p->conn;
        --c->outstanding_;
        if (!c->closing_) {
            if (status == RPC_STATUS_SUCCESS) {
                p->fn(data);
            } else if (status == RPC_STATUS_ERROR) {
                c->fail(std::string("RPC error: ") + (data ? static_cast<const char*>(data) : "?"));
            } else if (status == RPC_STATUS_TIMEOUT) {
                c->fail("RPC timed out");
            } else {
                c->fail("RPC cancelled");
            }
        }
        delete p;
    }

    rpc_context* rpc_ = nullptr;
    Clock::time_point deadline_;
    std::string what_;
    std::string error_;
    int outstanding_ = 0;
    uint64_t calls_ = 0;
    bool closing_ = false;
};

// ---------------------------------------------------------------------------------------
// The benchmark: mount, look up, run one workload.

struct Result {
    double value = 0;
    std::string unit;
    std::vector<std::pair<std::string, std::string>> extra;
    void add(std::string k, std::string v) { extra.emplace_back(std::move(k), std::move(v)); }
    void add(std::string k, double v)
    {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.6g", v);
        extra.emplace_back(std::move(k), buf);
    }
};

std::string fmt(double v, int prec = 1)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", prec, v);
    return buf;
}

class Bench {
public:
    explicit Bench(const Options& o)
        : o_(o)
        , nfs_(Clock::now() + std::chrono::milliseconds(int64_t(o.timeout * 1000)))
    {
    }

    const std::string& error() const { return nfs_.error(); }

    bool setup()
    {
        // MOUNT on its own connection (it may be another port), then NFS.
        {
            Connection mnt(Clock::now() + std::chrono::milliseconds(int64_t(std::min(o_.timeout, 30.0) * 1000)));
            if (!mnt.open(o_.host, o_.mountPort, MOUNT_PROGRAM, MOUNT_V3))
                return nfs_.fail("MOUNT: " + mnt.error());
            bool done = false;
            mnt.mnt(o_.exportPath, [&](void* d) {
                auto* r = static_cast<mountres3*>(d);
                done = true;
                if (r->fhs_status != MNT3_OK) {
                    mnt.fail("MNT " + o_.exportPath + " refused, mountstat3=" + std::to_string(int(r->fhs_status)));
                    return;
                }
                auto& h = r->mountres3_u.mountinfo.fhandle;
                root_.bytes.assign(h.fhandle3_val, h.fhandle3_len);
            });
            if (!mnt.runUntil([&] { return done; }))
                return nfs_.fail("MOUNT: " + mnt.error());
        }
        if (!nfs_.open(o_.host, o_.nfsPort, NFS_PROGRAM, NFS_V3))
            return false;

        // FSINFO: the server's transfer limits, like the kernel client asks at mount time.
        FSINFO3args fa {};
        fa.fsroot = root_.fh();
        bool done = false;
        nfs_.call(rpc_nfs3_fsinfo_async, &fa, [&](void* d) {
            auto* r = static_cast<FSINFO3res*>(d);
            done = true;
            if (r->status != NFS3_OK) {
                nfs_.fail(std::string("FSINFO: ") + nfsstatName(r->status));
                return;
            }
            rtmax_ = r->FSINFO3res_u.resok.rtmax;
            wtmax_ = r->FSINFO3res_u.resok.wtmax;
        });
        if (!nfs_.runUntil([&] { return done; }))
            return false;
        note("mounted " + o_.exportPath + " on " + o_.host + ": NFS port " + std::to_string(o_.nfsPort) + ", MOUNT port "
            + std::to_string(o_.mountPort) + ", rtmax " + std::to_string(rtmax_) + ", wtmax " + std::to_string(wtmax_));
        return true;
    }

    // LOOKUP each component of rel below the root. Fills attributes when the server sends them.
    bool lookup(const std::string& rel, Handle& out, fattr3* attrs)
    {
        out = root_;
        bool haveAttrs = false;
        size_t pos = 0;
        while (pos <= rel.size()) {
            auto slash = rel.find('/', pos);
            std::string name = rel.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
            pos = slash == std::string::npos ? rel.size() + 1 : slash + 1;
            if (name.empty() || name == ".")
                continue;
            LOOKUP3args a {};
            a.what.dir = out.fh();
            a.what.name = name.data();
            bool done = false;
            Handle next;
            nfs_.call(rpc_nfs3_lookup_async, &a, [&](void* d) {
                auto* r = static_cast<LOOKUP3res*>(d);
                done = true;
                if (r->status != NFS3_OK) {
                    nfs_.fail("LOOKUP " + rel + " (" + name + "): " + nfsstatName(r->status));
                    return;
                }
                next = Handle::from(r->LOOKUP3res_u.resok.object);
                haveAttrs = r->LOOKUP3res_u.resok.obj_attributes.attributes_follow;
                if (haveAttrs && attrs)
                    *attrs = r->LOOKUP3res_u.resok.obj_attributes.post_op_attr_u.attributes;
            });
            if (!nfs_.runUntil([&] { return done; }))
                return false;
            out = std::move(next);
        }
        if (attrs && !haveAttrs)
            return getattr(out, *attrs);
        return true;
    }

    bool getattr(Handle& h, fattr3& attrs)
    {
        GETATTR3args a {};
        a.object = h.fh();
        bool done = false;
        nfs_.call(rpc_nfs3_getattr_async, &a, [&](void* d) {
            auto* r = static_cast<GETATTR3res*>(d);
            done = true;
            if (r->status != NFS3_OK) {
                nfs_.fail(std::string("GETATTR: ") + nfsstatName(r->status));
                return;
            }
            attrs = r->GETATTR3res_u.resok.obj_attributes;
        });
        return nfs_.runUntil([&] { return done; });
    }

    bool run(Result& res)
    {
        const std::string& w = o_.workload;
        note("running " + w + " with " + std::to_string(o_.inflight) + " in flight");
        if (w == "seqread")
            return seqread(res);
        if (w == "randread")
            return randread(res);
        if (w == "getattr")
            return getattrLoad(res);
        if (w == "write")
            return write(res);
        if (w == "create")
            return create(res);
        if (w == "readdirplus")
            return readdirplus(res);
        return nfs_.fail("unknown workload '" + w + "'");
    }

private:
    std::string pathOr(const char* def) const { return o_.path.empty() ? def : o_.path; }

    void note(const std::string& s) const
    {
        if (o_.verbose)
            std::fprintf(stderr, "nfsbench: %s\n", s.c_str());
    }

    // A closed loop: `inflight` calls kept outstanding for warmup + duration seconds (or
    // until `maxOps` measured calls). issue(measured) submits one call; that call's reply
    // handler must call done(measured) when it completes.
    class ClosedLoop {
    public:
        ClosedLoop(Connection& c, const Options& o, uint64_t maxOps)
            : c_(c)
            , o_(o)
            , maxOps_(maxOps)
        {
        }
        uint64_t ops = 0;
        double seconds = 0;

        bool run(std::function<bool(bool measured)> issue)
        {
            issue_ = std::move(issue);
            t0_ = Clock::now();
            measuring_ = o_.warmup <= 0;
            m0_ = t0_;
            for (int i = 0; i < o_.inflight; ++i)
                if (!issue_(measuring_))
                    return false;
            if (!c_.runUntil([&] { return stop_ && c_.outstanding() == 0; }))
                return false;
            seconds = std::chrono::duration<double>(end_ - m0_).count();
            if (ops == 0 || seconds <= 0)
                return c_.fail("no call completed in the measured interval; raise --duration");
            return true;
        }

        void done(bool wasMeasured)
        {
            auto now = Clock::now();
            if (wasMeasured) {
                ++ops;
                end_ = now;
            }
            if (stop_)
                return;
            if (!measuring_ && std::chrono::duration<double>(now - t0_).count() >= o_.warmup) {
                measuring_ = true;
                m0_ = now;
                end_ = now;
            }
            if (measuring_) {
                if (std::chrono::duration<double>(now - m0_).count() >= o_.duration || ops >= maxOps_) {
                    stop_ = true;
                    return;
                }
            }
            issue_(measuring_);
        }

    private:
        Connection& c_;
        const Options& o_;
        uint64_t maxOps_;
        std::function<bool(bool)> issue_;
        Clock::time_point t0_, m0_, end_;
        bool measuring_ = false;
        bool stop_ = false;
    };

    bool seqread(Result& res)
    {
        Handle fh;
        fattr3 attrs {};
        std::string rel = pathOr("bigfile");
        if (!lookup(rel, fh, &attrs))
            return false;
        if (attrs.type != NF3REG)
            return nfs_.fail(rel + " is not a regular file");
        uint64_t fileSize = attrs.size;
        uint64_t total = o_.size ? o_.size : fileSize;
        if (total > fileSize)
            return nfs_.fail("--size " + std::to_string(total) + " is larger than " + rel + " (" + std::to_string(fileSize) + " bytes)");
        if (total == 0)
            return nfs_.fail(rel + " is empty");
        uint32_t chunk = o_.chunk ? o_.chunk : 1024 * 1024;
        if (rtmax_ && chunk > rtmax_)
            chunk = rtmax_;

        uint64_t received = 0, ops = 0, shortReads = 0;
        const uint64_t want = total * uint64_t(o_.passes);
        int pass = 0;
        uint64_t next = 0; // next offset to request in this pass
        nfs_fh3 f = fh.fh();
        std::function<bool(uint64_t, uint32_t)> readRange;
        std::function<bool()> issue;
        readRange = [&](uint64_t off, uint32_t len) {
            READ3args a {};
            a.file = f;
            a.offset = off;
            a.count = len;
            return nfs_.call(rpc_nfs3_read_async, &a, [&, off, len](void* d) {
                auto* r = static_cast<READ3res*>(d);
                if (r->status != NFS3_OK) {
                    nfs_.fail("READ at " + std::to_string(off) + ": " + nfsstatName(r->status));
                    return;
                }
                auto& ok = r->READ3res_u.resok;
                uint32_t got = ok.data.data_len;
                ++ops;
                received += got;
                if (got < len) {
                    if (got == 0) {
                        nfs_.fail("READ at " + std::to_string(off) + " returned no data (eof=" + std::to_string(ok.eof) + ")");
                        return;
                    }
                    ++shortReads; // ask for the rest, as a client would
                    readRange(off + got, len - got);
                    return;
                }
                issue();
            });
        };
        issue = [&]() -> bool {
            if (nfs_.failed())
                return false;
            if (next >= total) {
                if (pass + 1 >= o_.passes)
                    return true; // nothing left to issue
                ++pass;
                next = 0;
            }
            uint32_t len = uint32_t(std::min<uint64_t>(chunk, total - next));
            uint64_t off = next;
            next += len;
            return readRange(off, len);
        };

        CpuMeter cpu(o_.serverPid);
        auto t0 = Clock::now();
        for (int i = 0; i < o_.inflight; ++i)
            if (!issue())
                break;
        if (!nfs_.runUntil([&] { return nfs_.outstanding() == 0; }))
            return false;
        double secs = secondsSince(t0);
        cpu.stop();
        if (received != want)
            return nfs_.fail("read " + std::to_string(received) + " bytes, expected " + std::to_string(want));
        res.value = double(received) / (1024.0 * 1024.0) / secs;
        res.unit = "MiB/s";
        res.add("bytes", std::to_string(received));
        res.add("ops", std::to_string(ops));
        res.add("rsize", std::to_string(chunk));
        res.add("short_reads", std::to_string(shortReads));
        res.add("seconds", secs);
        cpu.report(res);
        return true;
    }
    bool randread(Result& res)
    {
        Handle fh;
        fattr3 attrs {};
        std::string rel = pathOr("bigfile");
        if (!lookup(rel, fh, &attrs))
            return false;
        if (attrs.type != NF3REG)
            return nfs_.fail(rel + " is not a regular file");
        uint32_t chunk = o_.chunk ? o_.chunk : 4096;
        if (rtmax_ && chunk > rtmax_)
            chunk = rtmax_;
        if (attrs.size < chunk)
            return nfs_.fail(rel + " is smaller than one read");
        const uint64_t slots = attrs.size / chunk;
        uint64_t rng = o_.seed | 1;
        auto random = [&rng]() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            return rng;
        };
        nfs_fh3 f = fh.fh();
        uint64_t bytes = 0;
        ClosedLoop loop(nfs_, o_, o_.count ? o_.count : UINT64_MAX);
        auto issue = [&](bool measured) {
            READ3args a {};
            a.file = f;
            a.offset = (random() % slots) * chunk;
            a.count = chunk;
            return nfs_.call(rpc_nfs3_read_async, &a, [&, measured](void* d) {
                auto* r = static_cast<READ3res*>(d);
                if (r->status != NFS3_OK) {
                    nfs_.fail(std::string("READ: ") + nfsstatName(r->status));
                    return;
                }
                if (r->READ3res_u.resok.data.data_len != chunk) {
                    nfs_.fail("short READ inside the file");
                    return;
                }
                if (measured)
                    bytes += chunk;
                loop.done(measured);
            });
        };
        CpuMeter cpu(o_.serverPid);
        if (!loop.run(issue))
            return false;
        auto& t = loop;
        cpu.stop();
        res.value = double(t.ops) / t.seconds;
        res.unit = "ops/s";
        res.add("ops", std::to_string(t.ops));
        res.add("MiB_per_s", double(bytes) / 1048576.0 / t.seconds);
        res.add("chunk", std::to_string(chunk));
        res.add("seconds", t.seconds);
        cpu.report(res);
        return true;
    }

    bool getattrLoad(Result& res)
    {
        Handle fh;
        fattr3 attrs {};
        if (!lookup(pathOr("bigfile"), fh, &attrs))
            return false;
        nfs_fh3 f = fh.fh();
        ClosedLoop loop(nfs_, o_, o_.count ? o_.count : UINT64_MAX);
        auto issue = [&](bool measured) {
            GETATTR3args a {};
            a.object = f;
            return nfs_.call(rpc_nfs3_getattr_async, &a, [&, measured](void* d) {
                auto* r = static_cast<GETATTR3res*>(d);
                if (r->status != NFS3_OK) {
                    nfs_.fail(std::string("GETATTR: ") + nfsstatName(r->status));
                    return;
                }
                loop.done(measured);
            });
        };
        CpuMeter cpu(o_.serverPid);
        if (!loop.run(issue))
            return false;
        auto& t = loop;
        cpu.stop();
        res.value = double(t.ops) / t.seconds;
        res.unit = "ops/s";
        res.add("ops", std::to_string(t.ops));
        res.add("seconds", t.seconds);
        cpu.report(res);
        return true;
    }

    bool createFile(Handle& dir, const std::string& name, Handle* out)
    {
        CREATE3args a {};
        a.where.dir = dir.fh();
        std::string n = name;
        a.where.name = n.data();
        a.how.mode = UNCHECKED;
        auto& s = a.how.createhow3_u.obj_attributes;
        s.mode.set_it = 1;
        s.mode.set_mode3_u.mode = 0644;
        s.size.set_it = 1; // truncate a leftover of an earlier run
        s.size.set_size3_u.size = 0;
        bool done = false;
        nfs_.call(rpc_nfs3_create_async, &a, [&](void* d) {
            auto* r = static_cast<CREATE3res*>(d);
            done = true;
            if (r->status != NFS3_OK) {
                nfs_.fail("CREATE " + name + ": " + nfsstatName(r->status));
                return;
            }
            if (out && r->CREATE3res_u.resok.obj.handle_follows)
                *out = Handle::from(r->CREATE3res_u.resok.obj.post_op_fh3_u.handle);
        });
        if (!nfs_.runUntil([&] { return done; }))
            return false;
        if (out && out->bytes.empty()) {
            // The server may omit the handle; LOOKUP it then.
            LOOKUP3args l {};
            l.what.dir = dir.fh();
            l.what.name = n.data();
            done = false;
            nfs_.call(rpc_nfs3_lookup_async, &l, [&](void* d) {
                auto* r = static_cast<LOOKUP3res*>(d);
                done = true;
                if (r->status != NFS3_OK) {
                    nfs_.fail("LOOKUP " + name + " after CREATE: " + nfsstatName(r->status));
                    return;
                }
                *out = Handle::from(r->LOOKUP3res_u.resok.object);
            });
            return nfs_.runUntil([&] { return done; });
        }
        return true;
    }

    // MKDIR name in parent (mode 0755); the handle goes to out.
    bool makeDir(Handle& parent, const std::string& name, Handle& out)
    {
        MKDIR3args a {};
        a.where.dir = parent.fh();
        std::string n = name;
        a.where.name = n.data();
        a.attributes.mode.set_it = 1;
        a.attributes.mode.set_mode3_u.mode = 0755;
        bool done = false;
        nfs_.call(rpc_nfs3_mkdir_async, &a, [&](void* d) {
            auto* r = static_cast<MKDIR3res*>(d);
            done = true;
            if (r->status != NFS3_OK) {
                nfs_.fail("MKDIR " + name + ": " + nfsstatName(r->status));
                return;
            }
            if (r->MKDIR3res_u.resok.obj.handle_follows)
                out = Handle::from(r->MKDIR3res_u.resok.obj.post_op_fh3_u.handle);
        });
        if (!nfs_.runUntil([&] { return done; }))
            return false;
        if (out.bytes.empty()) {
            fattr3 ignored {};
            return lookupIn(parent, name, out, &ignored);
        }
        return true;
    }

    bool removeDir(Handle& parent, const std::string& name)
    {
        RMDIR3args a {};
        a.object.dir = parent.fh();
        std::string n = name;
        a.object.name = n.data();
        bool done = false;
        nfs_.call(rpc_nfs3_rmdir_async, &a, [&](void* d) {
            auto* r = static_cast<RMDIR3res*>(d);
            done = true;
            if (r->status != NFS3_OK)
                nfs_.fail("RMDIR " + name + ": " + nfsstatName(r->status));
        });
        return nfs_.runUntil([&] { return done; });
    }

    bool lookupIn(Handle& dir, const std::string& name, Handle& out, fattr3* attrs)
    {
        Handle saved = root_;
        root_ = dir;
        bool ok = lookup(name, out, attrs);
        root_ = saved;
        return ok;
    }

    // The directory write/create work in: --path itself, or (the default) a new
    // subdirectory "<prefix>.d" of it, so every run starts from an empty, never-used
    // directory whatever earlier runs left in the server's caches.
    bool openWorkDir(Handle& parent, Handle& dir, std::string& freshName)
    {
        fattr3 attrs {};
        std::string rel = pathOr("scratch");
        if (!lookup(rel, parent, &attrs))
            return false;
        if (attrs.type != NF3DIR)
            return nfs_.fail(rel + " is not a directory");
        if (!o_.freshDir) {
            dir = parent;
            return true;
        }
        freshName = o_.prefix + ".d";
        return makeDir(parent, freshName, dir);
    }

    // REMOVEs names in dir, 16 at a time (not measured).
    bool removeAll(Handle& dir, const std::vector<std::string>& names)
    {
        size_t next = 0;
        nfs_fh3 d = dir.fh();
        std::function<void()> issue = [&]() {
            if (next >= names.size() || nfs_.failed())
                return;
            const std::string& name = names[next++];
            REMOVE3args a {};
            a.object.dir = d;
            a.object.name = const_cast<char*>(name.c_str());
            nfs_.call(rpc_nfs3_remove_async, &a, [&, name](void* p) {
                auto* r = static_cast<REMOVE3res*>(p);
                if (r->status != NFS3_OK && r->status != NFS3ERR_NOENT) {
                    nfs_.fail("REMOVE " + name + ": " + nfsstatName(r->status));
                    return;
                }
                issue();
            });
        };
        for (int i = 0; i < 16; ++i)
            issue();
        return nfs_.drain();
    }

    bool write(Result& res)
    {
        Handle parent, dir;
        std::string freshName;
        if (!openWorkDir(parent, dir, freshName))
            return false;
        std::string name = o_.prefix + ".dat";
        Handle fh;
        if (!createFile(dir, name, &fh))
            return false;
        uint64_t total = o_.size ? o_.size : 256ull * 1024 * 1024;
        uint32_t chunk = o_.chunk ? o_.chunk : 1024 * 1024;
        if (wtmax_ && chunk > wtmax_)
            chunk = wtmax_;
        std::vector<char> buf(chunk);
        for (size_t i = 0; i < buf.size(); ++i)
            buf[i] = char('a' + (i * 7 + i / 4096) % 26);

        nfs_fh3 f = fh.fh();
        uint64_t next = 0, acked = 0, ops = 0, stableReplies = 0;
        std::array<char, NFS3_WRITEVERFSIZE> verf {};
        bool haveVerf = false, verfChanged = false;
        std::function<void()> issue = [&]() {
            if (next >= total || nfs_.failed())
                return;
            uint32_t len = uint32_t(std::min<uint64_t>(chunk, total - next));
            WRITE3args a {};
            a.file = f;
            a.offset = next;
            a.count = len;
            a.stable = UNSTABLE;
            a.data.data_len = len;
            a.data.data_val = buf.data();
            uint64_t off = next;
            next += len;
            nfs_.call(rpc_nfs3_write_async, &a, [&, off, len](void* d) {
                auto* r = static_cast<WRITE3res*>(d);
                if (r->status != NFS3_OK) {
                    nfs_.fail("WRITE at " + std::to_string(off) + ": " + nfsstatName(r->status));
                    return;
                }
                auto& ok = r->WRITE3res_u.resok;
                if (ok.count != len) {
                    nfs_.fail("short WRITE at " + std::to_string(off));
                    return;
                }
                if (ok.committed != UNSTABLE)
                    ++stableReplies;
                if (!haveVerf) {
                    std::memcpy(verf.data(), ok.verf, verf.size());
                    haveVerf = true;
                } else if (std::memcmp(verf.data(), ok.verf, verf.size()) != 0) {
                    verfChanged = true;
                }
                acked += len;
                ++ops;
                issue();
            });
        };
        CpuMeter cpu(o_.serverPid);
        auto t0 = Clock::now();
        for (int i = 0; i < o_.inflight; ++i)
            issue();
        if (!nfs_.drain())
            return false;
        double writeSecs = secondsSince(t0);
        COMMIT3args c {};
        c.file = f;
        c.offset = 0;
        c.count = 0;
        bool committed = false;
        nfs_.call(rpc_nfs3_commit_async, &c, [&](void* d) {
            auto* r = static_cast<COMMIT3res*>(d);
            committed = true;
            if (r->status != NFS3_OK) {
                nfs_.fail(std::string("COMMIT: ") + nfsstatName(r->status));
                return;
            }
            if (haveVerf && std::memcmp(verf.data(), r->COMMIT3res_u.resok.verf, verf.size()) != 0)
                verfChanged = true;
        });
        if (!nfs_.runUntil([&] { return committed; }))
            return false;
        double secs = secondsSince(t0);
        cpu.stop();
        if (acked != total)
            return nfs_.fail("wrote " + std::to_string(acked) + " bytes, expected " + std::to_string(total));
        if (verfChanged)
            return nfs_.fail("write verifier changed during the run (server restarted?)");
        res.value = double(total) / 1048576.0 / secs;
        res.unit = "MiB/s";
        res.add("bytes", std::to_string(total));
        res.add("ops", std::to_string(ops));
        res.add("wsize", std::to_string(chunk));
        res.add("seconds", secs);
        res.add("commit_seconds", secs - writeSecs);
        res.add("stable_replies", std::to_string(stableReplies));
        cpu.report(res);
        if (!o_.keep && !removeAll(dir, { name }))
            return false;
        if (!o_.keep && !freshName.empty() && !removeDir(parent, freshName))
            return false;
        return true;
    }

    bool create(Result& res)
    {
        Handle parent, dir;
        std::string freshName;
        if (!openWorkDir(parent, dir, freshName))
            return false;
        const uint64_t n = o_.count ? o_.count : 2000;
        if (n > 1000000)
            return nfs_.fail("--count too large for create");
        std::vector<std::string> names;
        names.reserve(n);
        for (uint64_t i = 0; i < n; ++i) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "-%07" PRIu64, i);
            names.push_back(o_.prefix + buf);
        }
        nfs_fh3 d = dir.fh();
        size_t next = 0, created = 0;
        std::function<void()> issue = [&]() {
            if (next >= names.size() || nfs_.failed())
                return;
            const std::string& name = names[next++];
            CREATE3args a {};
            a.where.dir = d;
            a.where.name = const_cast<char*>(name.c_str());
            a.how.mode = UNCHECKED;
            auto& s = a.how.createhow3_u.obj_attributes;
            s.mode.set_it = 1;
            s.mode.set_mode3_u.mode = 0644;
            nfs_.call(rpc_nfs3_create_async, &a, [&, name](void* p) {
                auto* r = static_cast<CREATE3res*>(p);
                if (r->status != NFS3_OK) {
                    nfs_.fail("CREATE " + name + ": " + nfsstatName(r->status));
                    return;
                }
                ++created;
                issue();
            });
        };
        CpuMeter cpu(o_.serverPid);
        auto t0 = Clock::now();
        for (int i = 0; i < o_.inflight; ++i)
            issue();
        if (!nfs_.drain())
            return false;
        double secs = secondsSince(t0);
        cpu.stop();
        if (created != n)
            return nfs_.fail("created " + std::to_string(created) + " of " + std::to_string(n));
        res.value = double(created) / secs;
        res.unit = "files/s";
        res.add("files", std::to_string(created));
        res.add("seconds", secs);
        cpu.report(res);
        if (!o_.keep) {
            auto r0 = Clock::now();
            if (!removeAll(dir, names))
                return false;
            res.add("remove_seconds", secondsSince(r0));
            if (!freshName.empty() && !removeDir(parent, freshName))
                return false;
        }
        return true;
    }

    bool readdirplus(Result& res)
    {
        Handle dir;
        fattr3 dattrs {};
        std::string rel = pathOr("bigdir");
        if (!lookup(rel, dir, &dattrs))
            return false;
        if (dattrs.type != NF3DIR)
            return nfs_.fail(rel + " is not a directory");
        nfs_fh3 d = dir.fh();

        // One listing = a chain of READDIRPLUS calls; `inflight` chains run at once.
        struct Listing {
            uint64_t cookie = 0;
            cookieverf3 verf {};
            uint64_t entries = 0;
            uint64_t pages = 0;
            bool measured = false;
        };
        uint64_t pages = 0, entriesMeasured = 0;
        int64_t firstCount = -1;
        ClosedLoop loop(nfs_, o_, o_.count ? o_.count : UINT64_MAX);
        std::function<bool(std::shared_ptr<Listing>)> page;
        page = [&](std::shared_ptr<Listing> l) {
            READDIRPLUS3args a {};
            a.dir = d;
            a.cookie = l->cookie;
            std::memcpy(a.cookieverf, l->verf, sizeof a.cookieverf);
            a.dircount = o_.dircount;
            a.maxcount = o_.maxcount;
            return nfs_.call(rpc_nfs3_readdirplus_async, &a, [&, l](void* p) {
                auto* r = static_cast<READDIRPLUS3res*>(p);
                if (r->status != NFS3_OK) {
                    nfs_.fail("READDIRPLUS " + rel + " cookie " + std::to_string(l->cookie) + ": " + nfsstatName(r->status));
                    return;
                }
                auto& ok = r->READDIRPLUS3res_u.resok;
                std::memcpy(l->verf, ok.cookieverf, sizeof l->verf);
                ++l->pages;
                uint64_t inPage = 0;
                for (entryplus3* e = ok.reply.entries; e; e = e->nextentry) {
                    ++inPage;
                    l->cookie = e->cookie;
                    if (std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0)
                        continue;
                    ++l->entries;
                }
                if (!ok.reply.eof && inPage == 0) {
                    nfs_.fail("READDIRPLUS returned no entries and no eof");
                    return;
                }
                if (l->pages > 1000000) {
                    nfs_.fail("READDIRPLUS listing does not end");
                    return;
                }
                if (!ok.reply.eof) {
                    page(l);
                    return;
                }
                // A complete listing.
                if (o_.expect >= 0 && int64_t(l->entries) != o_.expect) {
                    nfs_.fail("listing of " + rel + " had " + std::to_string(l->entries) + " entries, expected " + std::to_string(o_.expect));
                    return;
                }
                if (firstCount < 0)
                    firstCount = int64_t(l->entries);
                else if (int64_t(l->entries) != firstCount) {
                    nfs_.fail("listings of " + rel + " disagree: " + std::to_string(firstCount) + " vs " + std::to_string(l->entries) + " entries");
                    return;
                }
                if (l->measured) {
                    entriesMeasured += l->entries;
                    pages += l->pages;
                }
                loop.done(l->measured);
            });
        };
        auto issue = [&](bool measured) {
            auto l = std::make_shared<Listing>();
            l->measured = measured;
            return page(l);
        };
        CpuMeter cpu(o_.serverPid);
        if (!loop.run(issue))
            return false;
        auto& t = loop;
        cpu.stop();
        if (t.ops == 0)
            return nfs_.fail("no complete listing within the duration; raise --duration");
        res.value = double(entriesMeasured) / t.seconds;
        res.unit = "entries/s";
        res.add("listings", std::to_string(t.ops));
        res.add("listings_per_s", double(t.ops) / t.seconds);
        res.add("entries_per_listing", std::to_string(firstCount));
        res.add("pages_per_listing", double(pages) / double(t.ops));
        res.add("seconds", t.seconds);
        cpu.report(res);
        return true;
    }

    const Options& o_;
    Connection nfs_;
    Handle root_;
    uint32_t rtmax_ = 0, wtmax_ = 0;
};

} // namespace

int main(int argc, char** argv)
{
    // 1 MiB replies arrive in freshly malloc'ed buffers: keep them on the heap instead of
    // fresh mmap()s (page faults would make the client, not the server, the bottleneck).
    mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);

    Options o;
    std::string err;
    if (!parseArgs(argc, argv, o, err)) {
        std::fprintf(stderr, "nfsbench: %s\n\n", err.c_str());
        usage(stderr);
        return 2;
    }

    Bench bench(o);
    Result res;
    bool ok = bench.setup() && bench.run(res);
    std::string line = "RESULT workload=" + o.workload + " inflight=" + std::to_string(o.inflight);
    if (ok) {
        line += " status=ok value=" + fmt(res.value) + " unit=" + res.unit;
        for (auto& [k, v] : res.extra)
            line += " " + k + "=" + v;
    } else {
        std::fprintf(stderr, "nfsbench: %s: %s\n", o.workload.c_str(), bench.error().c_str());
        line += " status=error";
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    return ok ? 0 : 1;
}
