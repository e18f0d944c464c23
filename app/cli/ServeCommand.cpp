#include "cli/ServeCommand.h"

#include "CacheConfig.h"
#include "CachingFileSystem.h"

#include "cli/DemoFolder.h"
#include "cli/ServerLimitOptions.h"
#include "cli/SourceFactory.h"
#include "cli/UnixSignalWatcher.h"
#include "mount/NfsMountOptions.h"
#include "server/NfsServer.h"
#include "state/SourceState.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTextStream>

#include <cstdio>
#include <sys/resource.h>

namespace loft {

namespace {
int fail(const QString &message)
{
    QTextStream(stderr) << "loft serve: " << message << '\n';
    return 1;
}

// Every connection and open file is a descriptor; the usual soft limit (1024) is below
// what --max-connections allows, so take what the hard limit permits.
void raiseDescriptorLimit()
{
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}
// A core file is a copy of memory, password included: a server holding one writes none.
void disableCoreDumpsWhenHoldingAPassword()
{
    if (qEnvironmentVariableIsEmpty("LOFT_PASSWORD"))
        return;
    rlimit r{};
    if (::getrlimit(RLIMIT_CORE, &r) == 0) {
        r.rlim_cur = 0;
        ::setrlimit(RLIMIT_CORE, &r);
    }
}
} // namespace

int runServeCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Serve SOURCE over NFSv3 on 127.0.0.1 until interrupted. The first line printed is\n"
        "the URL to mount: nfs://127.0.0.1:PORT/EXPORT."));
    parser.addHelpOption();
    QCommandLineOption cacheDirOption(QStringLiteral("cache-dir"),
        QStringLiteral("Where remote sources keep cached data and files waiting for upload "
                       "(default: %1).").arg(defaultCacheBaseDir()),
        QStringLiteral("DIR"));
    QCommandLineOption cacheSizeOption(QStringLiteral("cache-size"),
        QStringLiteral("Most disk space a remote source's cache may use, e.g. 10G or 500M "
                       "(default: 10G). Files waiting for upload are never evicted."),
        QStringLiteral("SIZE"));
    QCommandLineOption uploadDelayOption(QStringLiteral("upload-delay"),
        QStringLiteral("Upload a written file once it has been idle this long (default: 5)."),
        QStringLiteral("SECONDS"));
    QCommandLineOption remoteTimeoutOption(QStringLiteral("remote-timeout"),
        QStringLiteral("webdav://, sftp://: a request to the server that makes no progress for "
                       "this long fails, and the NFS call answers JUKEBOX so the client retries "
                       "(default: 30 for WebDAV, 20 for SFTP)."),
        QStringLiteral("SECONDS"));
    parser.addOptions({cacheDirOption, cacheSizeOption, uploadDelayOption, remoteTimeoutOption});
    QCommandLineOption identityOption(QStringLiteral("identity"),
        QStringLiteral("sftp://: log in with this private key file (its passphrase, if any, in "
                       "LOFT_PASSWORD). Default: ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, "
                       "id_rsa."),
        QStringLiteral("FILE"));
    QCommandLineOption knownHostsOption(QStringLiteral("known-hosts"),
        QStringLiteral("sftp://: the known_hosts file to check the server's key against "
                       "(default: ~/.ssh/known_hosts)."),
        QStringLiteral("FILE"));
    QCommandLineOption acceptHostKeyOption(QStringLiteral("accept-new-host-key"),
        QStringLiteral("sftp://: trust a server not yet in known_hosts and add its key there. "
                       "A changed key is still refused."));
    parser.addOptions({identityOption, knownHostsOption, acceptHostKeyOption});
    QCommandLineOption portOption(QStringLiteral("port"),
        QStringLiteral("TCP port (default: the port this source had last time, else any free one)."),
        QStringLiteral("N"));
    QCommandLineOption readOnlyOption(QStringLiteral("read-only"),
        QStringLiteral("Refuse every change (clients get ROFS)."));
    QCommandLineOption stateOption(QStringLiteral("state-dir"),
        QStringLiteral("Where export secrets and file-handle maps live (default: %1).")
            .arg(SourceState::defaultDataDir()),
        QStringLiteral("DIR"));
    QCommandLineOption verboseOption(QStringList{QStringLiteral("v"), QStringLiteral("verbose")},
        QStringLiteral("Log every connection and protocol error."));
    QCommandLineOption demoOption(QStringLiteral("demo"),
        QStringLiteral("Serve a demo folder (created with a few sample files) instead of SOURCE."));
    parser.addOptions({portOption, readOnlyOption, stateOption, verboseOption, demoOption});
    const ServerLimitOptions limitOptions;
    parser.addOptions(limitOptions.options());
    parser.addPositionalArgument(QStringLiteral("SOURCE"),
        QStringLiteral("A local folder (path or file:///path), a WebDAV folder:\n"
                       "webdav://[user@]host[:port]/path (https: webdavs://...), or an SFTP\n"
                       "folder: sftp://[user@]host[:port]/path (/~/path: in the home folder),\n"
                       "with the password in the LOFT_PASSWORD environment variable."));
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(QStringLiteral("help"))) {
        QTextStream(stdout) << parser.helpText();
        return 0;
    }
    if (parser.isSet(verboseOption))
        QLoggingCategory::setFilterRules(QStringLiteral("loft.*.debug=true"));
    QStringList positional = parser.positionalArguments();
    if (parser.isSet(demoOption) && positional.isEmpty()) {
        QString demoError;
        const QString demo = ensureDemoFolder(parser.value(stateOption), &demoError);
        if (demo.isEmpty())
            return fail(demoError);
        positional << demo;
    }
    if (positional.size() != 1)
        return fail(QStringLiteral("expected exactly one SOURCE (try loft serve --help)"));

    quint16 port = 0;
    if (parser.isSet(portOption)) {
        bool ok = false;
        const uint value = parser.value(portOption).toUInt(&ok);
        if (!ok || value > 65535)
            return fail(QStringLiteral("--port needs a number from 0 to 65535"));
        port = quint16(value);
    }

    SourceSpec spec;
    spec.readOnly = parser.isSet(readOnlyOption);
    spec.identityFile = parser.value(identityOption);
    spec.knownHostsFile = parser.value(knownHostsOption);
    spec.acceptNewHostKey = parser.isSet(acceptHostKeyOption);
    spec.cacheDir = parser.value(cacheDirOption);
    if (parser.isSet(cacheSizeOption)) {
        spec.cacheBytes = parseByteSize(parser.value(cacheSizeOption));
        if (!spec.cacheBytes || *spec.cacheBytes < (uint64_t(1) << 20))
            return fail(QStringLiteral("--cache-size needs a size of at least 1M, such as 10G "
                                       "or 500M"));
    }
    if (parser.isSet(uploadDelayOption)) {
        bool ok = false;
        const double seconds = parser.value(uploadDelayOption).toDouble(&ok);
        if (!ok || seconds < 0 || seconds > 86400)
            return fail(QStringLiteral("--upload-delay needs a number of seconds from 0 to 86400"));
        spec.uploadDelayMs = int(seconds * 1000);
    }
    if (parser.isSet(remoteTimeoutOption)) {
        bool ok = false;
        const double seconds = parser.value(remoteTimeoutOption).toDouble(&ok);
        if (!ok || seconds < 0.5 || seconds > 3600)
            return fail(QStringLiteral("--remote-timeout needs a number of seconds from 0.5 to 3600"));
        spec.remoteTimeoutMs = int(seconds * 1000);
    }
    disableCoreDumpsWhenHoldingAPassword();
    QString error;
    NfsServerConfig limitConfig;
    if (!limitOptions.apply(parser, &limitConfig, &error))
        return fail(error);
    std::shared_ptr<FileSystem> fs = openSource(positional.first(), &spec, &error);
    if (!fs)
        return fail(error);
    SourceState state = SourceState::load(spec.canonical, parser.value(stateOption), &error);
    if (!state.valid())
        return fail(error);
    const bool portGiven = parser.isSet(portOption);
    if (!portGiven)
        port = state.savedPort();

    NfsExportConfig exportConfig;
    exportConfig.fs = fs;
    exportConfig.exportPath = state.exportPath();
    exportConfig.exportId = state.exportId();
    exportConfig.handleKey = state.handleKey();
    exportConfig.journalPath = state.journalPath();
    exportConfig.readOnly = spec.readOnly;
    NfsServerConfig serverConfig = limitConfig;
    serverConfig.port = port;
    raiseDescriptorLimit();

    NfsServerThread server;
    if (!server.start(serverConfig, exportConfig, &error)) {
        // A remembered port may have been taken meanwhile: fall back to any free port.
        if (portGiven || port == 0)
            return fail(error);
        serverConfig.port = 0;
        if (!server.start(serverConfig, exportConfig, &error))
            return fail(error);
    }
    if (!state.savePort(server.port(), &error))
        qWarning().noquote() << error;

    // Catch SIGINT/SIGTERM before the URL goes out: a parent that reads the URL and
    // stops the server at once must still get a clean exit 0, not death by signal.
    // (Not earlier: server.start() runs a local event loop that quit() would end.)
    UnixSignalWatcher signalWatcher;
    QObject::connect(&signalWatcher, &UnixSignalWatcher::terminationRequested,
                     QCoreApplication::instance(), [](int) { QCoreApplication::quit(); });

    NfsMountTarget target;
    target.port = server.port();
    target.exportPath = QString::fromLatin1(state.exportPath());
    QTextStream out(stdout);
    out << nfsUrl(target) << '\n';
    out << "# Serving " << spec.canonical << (spec.readOnly ? " read-only" : "")
        << ". Mount it with:\n"
        << "#   Linux:   sudo mkdir -p /mnt/loft && sudo "
        << shellJoin(linuxMountCommand(target, QStringLiteral("/mnt/loft"))) << '\n'
        << "#   macOS:   mkdir -p ~/Loft && "
        << shellJoin(macosMountCommand(target, QStringLiteral("~/Loft"))).replace(
               QLatin1String("'~/Loft'"), QLatin1String("~/Loft"))
        << '\n'
        << "# Stop with Ctrl-C.\n";
    out.flush();
    std::fflush(stdout);

    QCoreApplication::exec();
    server.stop();
    if (auto *cache = dynamic_cast<CachingFileSystem *>(fs.get())) {
        const CacheStats stats = cache->stats();
        if (stats.pendingUploads > 0)
            QTextStream(stderr) << "loft serve: " << stats.pendingUploads
                                << " written file(s) still wait for upload; they are kept in "
                                << cache->config().directory
                                << " and uploaded the next time this source is served.\n";
    }
    return 0;
}

} // namespace loft
