// sftp_provider_bench: reads (or writes) one file through the SFTP provider
// (SftpFileSystem) the way the kernel's NFS client does sequential I/O: calls of --chunk
// bytes, --inflight of them outstanding; a write run ends with COMMIT. A fresh provider
// per run, so nothing is cached. Prints one line:
//   RESULT sftp-provider-read bytes=N seconds=S MiB/s=R      (or sftp-provider-write)
// Used by bench/sftp-read.sh; not a test.
#include "SftpFileSystem.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QTextStream>
#include <QUrl>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <optional>
#include <mutex>

using namespace loft;

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser p;
    p.addHelpOption();
    p.addPositionalArgument(QStringLiteral("URL"), QStringLiteral("sftp://user@host:port/dir"));
    p.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("path below the folder"));
    QCommandLineOption identity(QStringLiteral("identity"), QStringLiteral("key file"), QStringLiteral("FILE"));
    QCommandLineOption knownHosts(QStringLiteral("known-hosts"), QStringLiteral("known_hosts"), QStringLiteral("FILE"));
    QCommandLineOption inflight(QStringLiteral("inflight"), QStringLiteral("READs in flight (16)"), QStringLiteral("N"), QStringLiteral("16"));
    QCommandLineOption chunk(QStringLiteral("chunk"), QStringLiteral("bytes per READ (1 MiB)"), QStringLiteral("N"), QStringLiteral("1048576"));
    QCommandLineOption sessions(QStringLiteral("sessions"), QStringLiteral("SSH sessions (provider default)"), QStringLiteral("N"));
    QCommandLineOption sftpChunk(QStringLiteral("sftp-chunk"), QStringLiteral("bytes per SFTP READ request"), QStringLiteral("N"));
    QCommandLineOption sftpDepth(QStringLiteral("sftp-inflight"), QStringLiteral("SFTP READ requests in flight per READ"), QStringLiteral("N"));
    QCommandLineOption ciphers(QStringLiteral("ciphers"), QStringLiteral("SSH cipher list"), QStringLiteral("LIST"));
    QCommandLineOption write(QStringLiteral("write"), QStringLiteral("write MIB mebibytes to FILE instead of reading it"), QStringLiteral("MIB"));
    p.addOptions({identity, knownHosts, inflight, chunk, sessions, sftpChunk, sftpDepth, ciphers, write});
    p.process(app);
    if (p.positionalArguments().size() != 2) {
        std::fprintf(stderr, "usage: sftp_read_bench [options] URL FILE\n");
        return 2;
    }
    QString error;
    auto options = SftpOptions::fromUrl(QUrl(p.positionalArguments().at(0)), &error);
    if (!options) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 2;
    }
    options->identityFile = p.value(identity);
    options->knownHostsFile = p.value(knownHosts);
    options->useAgent = false;
    if (p.isSet(sessions))
        options->sessions = p.value(sessions).toInt();
    if (p.isSet(sftpChunk))
        options->readChunk = options->writeChunk = p.value(sftpChunk).toUInt();
    if (p.isSet(sftpDepth))
        options->readsInFlight = options->writesInFlight = p.value(sftpDepth).toInt();
    if (p.isSet(ciphers))
        options->ciphers = p.value(ciphers);
    SftpConnectError connectError;
    auto fs = SftpFileSystem::open(*options, &connectError);
    if (!fs) {
        std::fprintf(stderr, "%s\n", qPrintable(connectError.message));
        return 1;
    }
    const QByteArray file = p.positionalArguments().at(1).toUtf8();
    const uint32_t size = p.value(chunk).toUInt();
    const int depth = std::max(1, p.value(inflight).toInt());
    const bool writing = p.isSet(write);
    const uint64_t writeBytes = uint64_t(p.value(write).toULongLong()) << 20;
    const QByteArray block(qsizetype(size), 'x');
    if (writing) {
        std::promise<FsResult<FsCreated>> created;
        fs->create({}, file, FsCreateMode::Unchecked, {}, {},
                   [&](FsResult<FsCreated> r) { created.set_value(std::move(r)); });
        FsSetAttr truncate;
        truncate.size = 0;
        std::promise<FsResult<FsAttr>> emptied;
        if (!created.get_future().get())
            return 1;
        fs->setattr(file, truncate, [&](FsResult<FsAttr> r) { emptied.set_value(std::move(r)); });
        if (!emptied.get_future().get())
            return 1;
    }

    std::mutex mutex;
    std::condition_variable finished;
    uint64_t next = 0, bytes = 0;
    int outstanding = 0;
    bool eof = false, failed = false;
    QElapsedTimer timer;
    auto completed = [&](uint64_t offset, std::optional<FsError> error, uint64_t n, bool end) {
        // Called with the mutex held.
        --outstanding;
        if (error) {
            std::fprintf(stderr, "%s at %llu: %s\n", writing ? "write" : "read",
                         (unsigned long long)offset, fsErrorName(*error));
            failed = true;
        } else {
            bytes += n;
            eof = eof || end;
        }
    };
    std::function<void()> issue = [&] {
        // Called with the mutex held.
        while (!eof && !failed && outstanding < depth) {
            const uint64_t offset = next;
            next += size;
            ++outstanding;
            if (writing) {
                if (next >= writeBytes)
                    eof = true;
                fs->write(file, offset, block, FsStability::Unstable, [&, offset](FsResult<FsWriteResult> r) {
                    std::lock_guard lock(mutex);
                    completed(offset, r ? std::nullopt : std::optional(r.error()), r ? r->count : 0, false);
                    issue();
                    if (outstanding == 0)
                        finished.notify_all();
                });
                continue;
            }
            fs->read(file, offset, size, [&, offset](FsResult<FsReadResult> r) {
                std::lock_guard lock(mutex);
                completed(offset, r ? std::nullopt : std::optional(r.error()),
                          r ? uint64_t(r->data.size()) : 0, r && (r->eof || r->data.isEmpty()));
                issue();
                if (outstanding == 0)
                    finished.notify_all();
            });
        }
    };
    timer.start();
    {
        std::unique_lock lock(mutex);
        issue();
        finished.wait(lock, [&] { return outstanding == 0 && (eof || failed); });
    }
    if (writing && !failed) {
        std::promise<FsResult<FsAttr>> committed;
        fs->commit(file, [&](FsResult<FsAttr> r) { committed.set_value(std::move(r)); });
        failed = !committed.get_future().get();
    }
    const double seconds = double(timer.nsecsElapsed()) / 1e9;
    if (failed)
        return 1;
    std::printf("RESULT sftp-provider-%s bytes=%llu seconds=%.3f MiB/s=%.1f\n",
                writing ? "write" : "read", (unsigned long long)bytes, seconds, double(bytes) / (1 << 20) / seconds);
    return 0;
}
