// libFuzzer target: whole RPC calls as the server takes them off a connection -- the
// call header and credentials (AUTH_NONE / AUTH_SYS / others) decoded by RpcDispatcher,
// then the real portmapper, MOUNT and NFSv3 programs over a local export, so the
// argument decoders and the handlers behind them run on what the fuzzer makes.
// Built twice: fuzz_rpc_dispatch serves the folder read-only (every input meets the same
// tree, so a finding replays exactly); fuzz_rpc_dispatch_rw (LOFT_FUZZ_WRITABLE) lets
// the calls change it, reaching the CREATE/WRITE/RENAME/REMOVE paths behind the ROFS
// check -- there the tree an input meets depends on the inputs before it.
//
// The input is one RPC record (without its record mark). It travels through a
// socketpair into a real RpcConnection, like a client's call. Checked for every input:
//  - a record whose header decodes as a CALL gets exactly one reply, carrying its XID,
//    within 5 s (a call is never left hanging, and never answered twice);
//  - any other record gets no reply;
//  - afterwards the connection has no call in flight and is still open.
// Seeds (make_fuzz_seeds) carry genuine handles of the export (FuzzExport.h), so the
// fuzzer starts from calls that reach the handlers rather than stopping at BADHANDLE.
#include "FuzzExport.h"
#include "LocalFileSystem.h"
#include "mount/MountProgram.h"
#include "nfs/NfsExport.h"
#include "nfs/NfsProgram.h"
#include "portmap/PortmapProgram.h"
#include "rpc/RpcConnection.h"
#include "rpc/RpcDispatcher.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QLoggingCategory>
#include <QPointer>
#include <QSocketNotifier>
#include <QTemporaryDir>
#include <QTimer>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace loft;

#ifndef LOFT_FUZZ_WRITABLE
#define LOFT_FUZZ_WRITABLE 0
#endif

namespace {

constexpr bool kWritable = LOFT_FUZZ_WRITABLE;

[[noreturn]] void propertyFailed(const char *what)
{
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
}

constexpr int kReplyTimeoutMs = 5'000; // under libFuzzer's -timeout=10, so this message comes first

struct Harness {
    QTemporaryDir folder;
    std::shared_ptr<LocalFileSystem> fs;
    QObject serverObject; // stands for the server thread's object: completions queue here
    std::unique_ptr<NfsExport> ex;
    rpc::RpcDispatcher dispatcher;
    std::unique_ptr<PortmapProgram> portmap;
    std::unique_ptr<MountProgram> mount;
    std::unique_ptr<NfsProgram> nfs;
    QPointer<rpc::RpcConnection> connection;
    int serverFd = -1;
    int clientFd = -1;
    QByteArray received; // reply bytes read from clientFd, not yet consumed
};

Harness *h = nullptr;

void writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
        propertyFailed("cannot create the served folder");
}

void setUp()
{
    h = new Harness; // never freed: it lives as long as the process
    const QString root = h->folder.path();
    writeFile(root + '/' + fuzz::kFileA, "hello, fuzz\n");
    QDir(root).mkpath(QStringLiteral("sub/deeper"));
    writeFile(root + QStringLiteral("/sub/b.bin"), QByteArray(4096, 'b'));
    QFile::link(QString::fromLatin1(fuzz::kFileA), root + QStringLiteral("/link"));

    h->fs = std::make_shared<LocalFileSystem>(root, /*readOnly=*/!kWritable);
    if (!h->fs->isValid())
        propertyFailed("cannot open the served folder");
    NfsExportConfig config;
    config.fs = h->fs;
    config.exportPath = fuzz::kExportPath;
    config.exportId = fuzz::kExportId;
    config.handleKey = fuzz::kHandleKey;
    config.readOnly = !kWritable;
    h->ex = std::make_unique<NfsExport>(config, &h->serverObject);
    QString error;
    if (!h->ex->open(&error))
        propertyFailed("cannot open the export");
    h->portmap = std::make_unique<PortmapProgram>(2049);
    h->mount = std::make_unique<MountProgram>(*h->ex);
    h->nfs = std::make_unique<NfsProgram>(*h->ex);
    h->dispatcher.addProgram(h->portmap.get());
    h->dispatcher.addProgram(h->mount.get());
    h->dispatcher.addProgram(h->nfs.get());

    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        propertyFailed("socketpair failed");
    h->serverFd = fds[0];
    h->clientFd = fds[1];
    ::fcntl(h->clientFd, F_SETFL, ::fcntl(h->clientFd, F_GETFL) | O_NONBLOCK);
    h->connection = new rpc::RpcConnection(h->serverFd, h->dispatcher, {}, &h->serverObject);
    std::atexit([] { QDir(h->folder.path()).removeRecursively(); });
}

// Reads what the server has sent so far.
void readReplies()
{
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(h->clientFd, buffer, sizeof buffer);
        if (n > 0)
            h->received.append(buffer, n);
        else if (n < 0 && errno == EINTR)
            continue;
        else
            return;
    }
}

// Takes one complete reply record off `received`, if there is one.
std::optional<QByteArray> takeReply()
{
    if (h->received.size() < 4)
        return std::nullopt;
    const uint32_t mark = XdrReader::load32(h->received.constData());
    if (!(mark & 0x80000000u))
        propertyFailed("the server sent a multi-fragment reply");
    const qsizetype length = mark & 0x7fffffffu;
    if (h->received.size() < 4 + length)
        return std::nullopt;
    QByteArray reply = h->received.mid(4, length);
    h->received.remove(0, 4 + length);
    return reply;
}

void writeAll(const QByteArray &bytes)
{
    qsizetype done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(h->clientFd, bytes.constData() + done, size_t(bytes.size() - done));
        if (n > 0)
            done += n;
        else if (n < 0 && (errno == EAGAIN || errno == EINTR))
            QCoreApplication::processEvents(); // let the server read
        else
            propertyFailed("cannot write the call to the server");
    }
}

qsizetype unreadByServer()
{
    int n = 0;
    ::ioctl(h->serverFd, FIONREAD, &n);
    return n;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    static int argc = 1;
    static char name[] = "fuzz_rpc_dispatch";
    static char *argv[] = {name, nullptr};
    new QCoreApplication(argc, argv); // never freed, like the harness
    // Refused mounts and bad calls are logged; thousands a second would only slow us down.
    QLoggingCategory::setFilterRules(QStringLiteral("loft.*=false"));
    setUp();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0; // far below the connection's record cap; larger adds nothing here
    if (!h->connection)
        propertyFailed("the server closed the connection");
    readReplies();
    if (!h->received.isEmpty())
        propertyFailed("a reply arrived for no call (an earlier call answered twice?)");

    const QByteArray record(reinterpret_cast<const char *>(data), qsizetype(size));
    XdrReader header(record);
    rpc::CallHeader call;
    header(call);
    const bool expectReply = header.ok() && call.type == rpc::MsgType::Call;

    QByteArray framed(4, '\0');
    rpc::RpcRecordReader::writeMark(framed.data(), uint32_t(size));
    framed += record;
    writeAll(framed);

    if (expectReply) {
        QEventLoop loop;
        QTimer deadline;
        deadline.setSingleShot(true);
        QObject::connect(&deadline, &QTimer::timeout, &loop, &QEventLoop::quit);
        QSocketNotifier readable(h->clientFd, QSocketNotifier::Read);
        std::optional<QByteArray> reply;
        QObject::connect(&readable, &QSocketNotifier::activated, &loop, [&] {
            readReplies();
            reply = takeReply();
            if (reply)
                loop.quit();
        });
        deadline.start(kReplyTimeoutMs);
        loop.exec();
        if (!reply)
            propertyFailed("a call got no reply within 5 s");
        XdrReader r(*reply);
        uint32_t xid = 0;
        rpc::MsgType type{};
        r(xid);
        r(type);
        if (!r.ok() || xid != call.xid || type != rpc::MsgType::Reply)
            propertyFailed("the reply does not carry the call's XID");
    } else {
        QElapsedTimer waited;
        waited.start();
        while (unreadByServer() > 0) {
            QCoreApplication::processEvents(QEventLoop::AllEvents);
            if (waited.elapsed() > kReplyTimeoutMs)
                propertyFailed("the server stopped reading");
        }
        // Anything the server would send now has been queued: let it out, then look.
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        QCoreApplication::processEvents(QEventLoop::AllEvents);
        readReplies();
        if (!h->received.isEmpty())
            propertyFailed("a record that is no readable CALL got a reply");
    }
    if (!h->connection)
        propertyFailed("the server closed the connection");
    if (h->connection->callsInFlight() != 0)
        propertyFailed("a call is still counted in flight after its reply");
    return 0;
}
