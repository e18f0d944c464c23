// loft: cloud storage as an ordinary folder, through the OS's own NFS client.
#include "cli/InstanceCommand.h"
#include "cli/ServeCommand.h"
#include "gui/TrayApp.h"
#include "mount/NfsMountOptions.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace {

// Loft moves file data in buffers of 1-4 MiB (READ/WRITE payloads, ranged GETs, cache
// blocks) that are allocated on one thread and freed on another. glibc's defaults map
// such buffers fresh from the kernel and hand freed memory back at once, so every byte
// of a cold WebDAV read paid a page fault on two threads (a quarter of the process's CPU
// time). Keeping them in the heap, and keeping freed memory up to 64 MiB per heap,
// lets buffers be reused warm. (A no-op for other C libraries.)
void tuneAllocatorForBulkData()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

const char *const kUsage =
    "Usage: loft [COMMAND [options]]\n"
    "\n"
    "With no command, Loft starts in the system tray (or shows the running one).\n"
    "\n"
    "Commands:\n"
    "  list                    List the mounts of the running Loft and their state\n"
    "  mount NAME              Mount NAME (as the tray menu would)\n"
    "  unmount NAME            Unmount NAME\n"
    "  serve SOURCE            Serve a folder over NFSv3 on 127.0.0.1 (see loft serve --help)\n"
    "  mount-options URL|--port N  Print the Linux kernel's mount(2) options for Loft\n"
    "        [--host ADDR]     ... as the client reaches the server (default 127.0.0.1)\n"
    "  mount-command URL DIR   Print the commands that mount URL on DIR\n"
    "        [--platform linux|macos|windows]\n"
    "\n"
    "Options:\n"
    "  -h, --help              Show this help\n"
    "  --version               Show the version\n";

int mountOptionsCommand(const QStringList &args)
{
    QCommandLineParser p;
    QCommandLineOption host(QStringLiteral("host"), QString(), QStringLiteral("ADDR"),
                            QStringLiteral("127.0.0.1"));
    QCommandLineOption port(QStringLiteral("port"), QString(), QStringLiteral("N"));
    p.addOptions({host, port});
    loft::NfsMountTarget target;
    bool ok = p.parse(args);
    if (ok && p.positionalArguments().size() == 1)
        ok = loft::parseNfsUrl(p.positionalArguments().first(), &target);
    else if (ok && p.isSet(port))
        target.port = quint16(p.value(port).toUInt(&ok));
    else
        ok = false;
    if (!ok || target.port == 0) {
        QTextStream(stderr) << "loft mount-options: give the served URL (nfs://HOST:PORT/EXPORT) "
                               "or --port N\n";
        return 2;
    }
    QTextStream(stdout) << loft::linuxKernelMountData(target, p.value(host)) << '\n';
    return 0;
}

int mountCommandCommand(const QStringList &args)
{
    QCommandLineParser p;
    QCommandLineOption platform(QStringLiteral("platform"), QString(), QStringLiteral("P"),
                                QStringLiteral("linux"));
    p.addOption(platform);
    loft::NfsMountTarget target;
    if (!p.parse(args) || p.positionalArguments().size() != 2
        || !loft::parseNfsUrl(p.positionalArguments().first(), &target)) {
        QTextStream(stderr) << "loft mount-command: expected an nfs:// URL and a mount point\n";
        return 2;
    }
    const QString where = p.positionalArguments().at(1);
    const QString which = p.value(platform);
    QStringList command;
    if (which == QLatin1String("linux"))
        command = loft::linuxMountCommand(target, where);
    else if (which == QLatin1String("macos"))
        command = loft::macosMountCommand(target, where);
    else if (which == QLatin1String("windows"))
        command = loft::windowsMountCommand(target, where);
    else {
        QTextStream(stderr) << "loft mount-command: unknown platform " << which
                            << " (linux, macos or windows)\n";
        return 2;
    }
    QTextStream(stdout) << loft::shellJoin(command) << '\n';
    return 0;
}

void setUpLogging()
{
    qSetMessagePattern(QStringLiteral("%{time hh:mm:ss.zzz} %{if-debug}debug%{endif}"
                                      "%{if-info}info%{endif}%{if-warning}warning%{endif}"
                                      "%{if-critical}error%{endif}%{if-fatal}fatal%{endif} "
                                      "%{category}: %{message}"));
}

} // namespace

int main(int argc, char **argv)
{
    tuneAllocatorForBulkData();
    // Only the tray app needs a display: it alone makes a QApplication. Every command
    // runs on a QCoreApplication, so `loft serve` works on a headless server.
    const QByteArray first = argc > 1 ? QByteArray(argv[1]) : QByteArray();
    if (first.isEmpty() || first == "tray" || (first.startsWith('-') && first != "-h"
                                               && first != "--help" && first != "--version"
                                               && first != "-V")) {
        setUpLogging();
        QCoreApplication::setApplicationVersion(QStringLiteral(LOFT_VERSION));
        if (first == "tray") { // drop the word; keep Qt's own options (-platform, ...)
            for (int i = 1; i + 1 < argc; ++i)
                argv[i] = argv[i + 1];
            --argc;
        }
        return loft::runTrayApp(argc, argv);
    }

    // Commands have no GUI to integrate with: Qt's plain UNIX event dispatcher wakes a
    // thread faster than the GLib one, and the server thread wakes on every reply.
    if (!qEnvironmentVariableIsSet("QT_NO_GLIB"))
        qputenv("QT_NO_GLIB", "1");
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("loft"));
    QCoreApplication::setOrganizationName(QStringLiteral("Loft"));
    QCoreApplication::setApplicationVersion(QStringLiteral(LOFT_VERSION));
    setUpLogging();

    QStringList args = app.arguments();
    const QString command = args.size() > 1 ? args.at(1) : QString();
    if (command == QLatin1String("--version") || command == QLatin1String("-V")) {
        QTextStream(stdout) << "loft " << LOFT_VERSION << '\n';
        return 0;
    }
    if (command == QLatin1String("--help") || command == QLatin1String("-h")
        || command == QLatin1String("help")) {
        QTextStream(stdout) << kUsage;
        return 0;
    }
    args.removeAt(1); // the remaining list reads like "loft ARGS..." for the subcommand
    if (command == QLatin1String("serve"))
        return loft::runServeCommand(args);
    if (command == QLatin1String("mount-options"))
        return mountOptionsCommand(args);
    if (command == QLatin1String("mount-command"))
        return mountCommandCommand(args);
    if (command == QLatin1String("list") || command == QLatin1String("mount")
        || command == QLatin1String("unmount"))
        return loft::runInstanceCommand(command, args);
    QTextStream(stderr) << "loft: unknown command \"" << command << "\"\n\n" << kUsage;
    return 2;
}
