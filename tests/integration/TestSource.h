// What `loft serve` serves in an integration test, chosen by the LOFT_TEST_SOURCE
// environment variable (one CTest entry per kind runs the same test):
//   local   a temporary folder (the default)
//   webdav  a folder of a real Apache httpd with mod_dav on loopback (tests/support),
//           served as webdav://... through the cache layer with write-back uploads
//   rclone  the same through a real `rclone serve webdav` (golang.org/x/net/webdav: other
//           ETags, no Range on folders, its own PROPFIND answers) instead of Apache
//   sftp    a folder of a real OpenSSH sshd on loopback, served as sftp://... through the
//           cache layer (writes go through)
// In every kind root() is the folder on the server's disk, where the tests check results;
// after a write through Loft, settled() waits (bounded) for the upload to land there.
#pragma once

#include "LoftServerProcess.h"

#include <QByteArray>
#include <QString>
#include <QTemporaryDir>

#include <functional>
#include <memory>
#include <optional>

class SshdServer;

namespace loft::test {

class DavTestServer;

class TestSource {
public:
    enum class Kind { Local, WebDav, Rclone, Sftp };
    // What a kind's remote store can hold; the tests check the clean error where not.
    enum class Feature {
        PosixModes,      // permission bits (chmod) kept by the store
        Owners,          // uid/gid as on disk
        NanosecondTimes, // mtime/atime with nanoseconds (SFTP v3 and WebDAV: seconds)
        SetTimes,        // SETATTR of mtime/atime reaches the store
        Symlinks,
        HardLinks,
        SpecialFiles,    // FIFOs and sockets (MKNOD)
        DiskStatvfs,     // FSSTAT is the server disk's statvfs
        ChangeTime,      // ctime moves with metadata changes (SETATTR guard)
        ObjectIdentity,  // an object replaced under the same name is told apart (inodes)
        LinkCounts,      // attributes carry the real link count (SFTP v3 has none: 1)
    };

    TestSource();
    ~TestSource();
    TestSource(const TestSource &) = delete;
    TestSource &operator=(const TestSource &) = delete;

    // The kind named by LOFT_TEST_SOURCE ("local" when unset); exits the test on a typo.
    static Kind kindFromEnvironment();
    static QString kindName(Kind kind);

    // Starts the server of the kind (nothing for local). `error` says why not.
    bool start(QString *error);
    Kind kind() const { return kind_; }
    QString name() const { return kindName(kind_); }
    bool remote() const { return kind_ != Kind::Local; }
    bool has(Feature feature) const;

    // The served folder on the server's disk.
    QString root() const { return root_; }
    QString disk(const QString &relative) const { return root_ + QLatin1Char('/') + relative; }

    // Starts `loft serve` on this source (extra options of `options` kept; an
    // --upload-delay there replaces the short default of the WebDAV kinds). Servers
    // running at the same time need their own cache folder: name it with `instance`.
    bool startServer(LoftServerProcess &server, LoftServeOptions options = {},
                     const QString &instance = {}) const;

    // Makes files and folders on the server's disk with an owner the server can use.
    bool writeFile(const QString &relative, const QByteArray &data) const;
    bool makeDir(const QString &relative) const;

    // Polls the server's disk (bounded: 20 s) until `done()` holds; true when it did.
    // Immediate for the local kind; for the remote kinds it waits out the upload queue.
    bool settle(const std::function<bool()> &done) const;
    // The file's bytes once they equal `expected` (or whatever is there at the deadline).
    QByteArray settledRead(const QString &relative, const QByteArray &expected) const;
    // Whether something exists at relative, once it matches `expected` (or the deadline).
    bool settledExists(const QString &relative, bool expected) const;

private:
    Kind kind_;
    QString root_;
    std::unique_ptr<QTemporaryDir> localDir_;
    std::unique_ptr<DavTestServer> dav_; // webdav and rclone
    std::unique_ptr<SshdServer> sshd_;
    std::unique_ptr<QTemporaryDir> work_; // cache folder and known_hosts of loft serve
};

} // namespace loft::test
