// Round trips, byte-exact encodings and decode failures for the XDR types of NFSv3
// (RFC 1813), MOUNT v3 (RFC 1813 appendix I) and portmapper v2 (RFC 1833).

#include "mount/MountTypes.h"
#include "nfs/FileSliceBytes.h"
#include "nfs/NfsTypes.h"
#include "portmap/PortmapTypes.h"

#include <QDir>
#include <QtTest>
#include <QTemporaryFile>
#include <sys/socket.h>
#include <unistd.h>

#include <type_traits>

using namespace loft;
using namespace loft::nfs3;

namespace {

// Each procedure has its own result type, so a reply cannot be encoded with another
// procedure's type by accident (REMOVE vs RMDIR is the classic slip).
static_assert(!std::is_same_v<REMOVE3res, RMDIR3res>);
static_assert(!std::is_same_v<CREATE3res, MKDIR3res>);
static_assert(!std::is_same_v<SYMLINK3res, MKNOD3res>);
static_assert(!std::is_same_v<FSSTAT3res, FSINFO3res>);

QByteArray hex(const char *h)
{
    return QByteArray::fromHex(h);
}

// Encodes value, decodes it back and checks: the decoder succeeds and consumes every
// byte, the result equals value, re-encoding gives the same bytes, every strict prefix
// of the encoding fails to decode (truncation), and one extra trailing word is refused.
template <class T>
bool roundTrips(const T &value)
{
    const QByteArray bytes = xdrEncode(value);
    if (bytes.size() % 4 != 0) {
        qWarning("encoding is %lld bytes, not a multiple of 4", qlonglong(bytes.size()));
        return false;
    }

    T decoded{};
    XdrReader reader(bytes);
    reader(decoded);
    if (!reader.ok()) {
        qWarning("decode failed: %s", bytes.toHex(' ').constData());
        return false;
    }
    if (reader.remaining() != 0) {
        qWarning("decoder left %lld bytes", qlonglong(reader.remaining()));
        return false;
    }
    if (!(decoded == value)) {
        qWarning("decoded value differs from the original");
        return false;
    }
    if (xdrEncode(decoded) != bytes) {
        qWarning("re-encoding differs");
        return false;
    }
    for (qsizetype n = 0; n < bytes.size(); ++n) {
        T truncated{};
        if (xdrDecode(bytes.left(n), truncated)) {
            qWarning("a %lld-byte prefix of %lld bytes decoded", qlonglong(n),
                     qlonglong(bytes.size()));
            return false;
        }
    }
    T longer{};
    if (xdrDecode(bytes + QByteArray(4, '\0'), longer)) {
        qWarning("trailing bytes were accepted");
        return false;
    }
    return true;
}

template <class T>
bool decodes(const QByteArray &bytes)
{
    T value{};
    return xdrDecode(bytes, value);
}

nfs_fh3 fh(const QByteArray &bytes)
{
    nfs_fh3 h;
    h.data = bytes;
    return h;
}

nfstime3 time3(uint32_t s, uint32_t ns)
{
    return nfstime3{.seconds = s, .nseconds = ns};
}

fattr3 attr(ftype3 type, uint64_t fileid)
{
    fattr3 a;
    a.type = type;
    a.mode = 0644;
    a.nlink = 2;
    a.uid = 1000;
    a.gid = 1001;
    a.size = 0x123456789aULL;
    a.used = 0x200000;
    a.rdev = specdata3{.specdata1 = 8, .specdata2 = 1};
    a.fsid = 0xfeedfacecafebeefULL;
    a.fileid = fileid;
    a.atime = time3(1700000000, 1);
    a.mtime = time3(1700000001, 999999999);
    a.ctime = time3(1700000002, 500);
    return a;
}

wcc_data wcc()
{
    wcc_data w;
    w.before = wcc_attr{.size = 10, .mtime = time3(1, 2), .ctime = time3(3, 4)};
    w.after = attr(ftype3::NF3DIR, 2);
    return w;
}

wcc_data wccAfterOnly()
{
    wcc_data w;
    w.after = attr(ftype3::NF3DIR, 3);
    return w;
}

sattr3 sattr()
{
    sattr3 s;
    s.mode = 0755u;
    s.uid = 1000u;
    s.size = uint64_t(4096);
    s.atime.set_it = time_how::SET_TO_CLIENT_TIME;
    s.atime.atime = time3(1234, 5678);
    s.mtime.set_it = time_how::SET_TO_SERVER_TIME;
    return s;
}

diropargs3 where(const QByteArray &name)
{
    return diropargs3{.dir = fh(hex("0102030405060708")), .name = name};
}

template <class Res>
Res okResult(const decltype(Res::ok) &ok)
{
    Res r;
    r.status = nfsstat3::NFS3_OK;
    r.ok = ok;
    return r;
}

template <class Res>
Res failResult(nfsstat3 status, const decltype(Res::fail) &fail = {})
{
    Res r;
    r.status = status;
    r.fail = fail;
    return r;
}

writeverf3 verf8(uint8_t seed)
{
    writeverf3 v;
    for (uint8_t i = 0; i < v.bytes.size(); ++i)
        v.bytes[i] = uint8_t(seed + i);
    return v;
}

} // namespace

class TestNfsXdr : public QObject {
    Q_OBJECT

private slots:
    // A large slice on a socket that takes a little at a time (non-blocking, small
    // buffer): every byte arrives once and in order through the slice's own pipe, the
    // bytes waiting in it going first after each EAGAIN, and the pipe is closed once the
    // last byte is out (no fds held by replies waiting to be dropped).
    void fileSliceBytesSurvivesPartialSends()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        QByteArray content(4 << 20, Qt::Uninitialized);
        for (qsizetype i = 0; i < content.size(); ++i)
            content[i] = char((i * 7919) >> 5);
        QCOMPARE(file.write(content), qint64(content.size()));
        QVERIFY(file.flush());
        const auto openFds = [] { return QDir(QStringLiteral("/proc/self/fd")).count(); };
        const uint32_t length = 3 << 20;
        auto bytes = std::make_shared<nfs3::FileSliceBytes>(
            FsFileSlice{std::make_shared<int>(0), int(file.handle()), 1000, length});
        int sv[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
        const int small = 16 * 1024;
        ::setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
        const auto before = openFds();
        QByteArray got;
        QByteArray buffer(64 * 1024, '\0');
        uint32_t sent = 0;
        int blocked = 0;
        for (int round = 0; round < 100000 && got.size() < qsizetype(length); ++round) {
            // Send until the socket is full, then take some out.
            for (int tries = 0; sent < length && tries < 1000; ++tries) {
                const ssize_t n = bytes->sendTo(sv[0], sent);
                if (n > 0) {
                    sent += uint32_t(n);
                    continue;
                }
                if (n < 0 && errno == EAGAIN) {
                    ++blocked;
                    break;
                }
                QFAIL(qPrintable(QStringLiteral("sendTo: %1").arg(n < 0 ? strerror(errno) : "0")));
            }
            const ssize_t r = ::read(sv[1], buffer.data(), size_t(buffer.size()));
            if (r > 0)
                got.append(buffer.constData(), r);
        }
        QCOMPARE(sent, length);
        QVERIFY(blocked > 0); // the socket did push back
        QVERIFY(got == content.mid(1000, length));
        QCOMPARE(openFds(), before); // the pipe is gone with the last byte
        ::close(sv[0]);
        ::close(sv[1]);
    }

    // A READ's file slice on a socket: its bytes, and zeros for what the file lost after
    // the reply promised it (a truncate racing the READ), so the record stays whole.
    // Encoded into chunks, the opaque's length and padding surround the external bytes.
    void fileSliceBytesSendsFileThenZeros()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        const QByteArray content = "0123456789abcdefghij"; // 20 bytes
        QCOMPARE(file.write(content), qint64(content.size()));
        QVERIFY(file.flush());
        auto holder = std::make_shared<int>(0);
        auto bytes = std::make_shared<nfs3::FileSliceBytes>(
            FsFileSlice{holder, int(file.handle()), 5, 25}); // 15 in the file, 10 missing
        QCOMPARE(bytes->size(), 25u);
        int sv[2];
        QVERIFY(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
        uint32_t sent = 0;
        for (int i = 0; i < 10 && sent < bytes->size(); ++i) {
            const ssize_t n = bytes->sendTo(sv[0], sent);
            QVERIFY(n > 0);
            sent += uint32_t(n);
        }
        QCOMPARE(sent, 25u);
        QByteArray got(25, 'x');
        qsizetype have = 0;
        while (have < got.size()) {
            const ssize_t n = ::read(sv[1], got.data() + have, size_t(got.size() - have));
            QVERIFY(n > 0);
            have += n;
        }
        QCOMPARE(got, content.mid(5) + QByteArray(10, '\0'));
        ::close(sv[0]);
        ::close(sv[1]);

        nfs3::READ3resok ok;
        ok.count = 25;
        ok.data.external = bytes;
        QByteArray out;
        QList<XdrChunk> chunks;
        {
            XdrWriter w(out, &chunks);
            w(ok);
            w.flush();
        }
        QCOMPARE(chunks.size(), 2); // the header so far, then the external bytes
        QVERIFY(!chunks[0].external);
        QCOMPARE(chunks[1].external, std::static_pointer_cast<const XdrExternalBytes>(bytes));
        QCOMPARE(chunks[0].bytes.right(4), QByteArray("\0\0\0\x19", 4)); // length 25
        QCOMPARE(out, QByteArray(3, '\0'));                                  // then the padding
    }

    // ---- Round trips, one slot per NFS procedure ----
    void nullProc();
    void getattr();
    void setattr();
    void lookup();
    void access();
    void readlink();
    void read();
    void write();
    void create();
    void mkdir();
    void symlink();
    void mknod();
    void remove();
    void rmdir();
    void rename();
    void link();
    void readdir();
    void readdirplus();
    void fsstat();
    void fsinfo();
    void pathconf();
    void commit();
    void mountTypes();
    void portmapTypes();

    // ---- Byte-exact encodings ----
    void bytesGetattrArgs();
    void bytesOptionalAbsent();
    void bytesStringPadding();
    void bytesFailureArmOnly();
    void bytesDirList();
    void bytesSetTimes();
    void bytesCreateExclusive();
    void bytesMount();
    void bytesPortmap();

    // ---- Decode failures ----
    void rejectsTruncated();
    void rejectsTrailingBytes();
    void rejectsOversizedFilename();
    void rejectsOversizedHandle();
    void rejectsOversizedData();
    void rejectsOversizedList();
    void writeDataAdoptsTheRecord();
    void rejectsOversizedArray();
    void rejectsBadBool();
    void rejectsBadCreateHow();
    void rejectsBadTimeHow();
    void rejectsBadMknodType();
};

// ---- Round trips ------------------------------------------------------------------------

void TestNfsXdr::nullProc()
{
    QVERIFY(roundTrips(NULL3args{}));
    QVERIFY(roundTrips(NULL3res{}));
    QCOMPARE(xdrEncode(NULL3args{}).size(), 0);
}

void TestNfsXdr::getattr()
{
    QVERIFY(roundTrips(GETATTR3args{.object = fh(hex("aabbccdd"))}));
    QVERIFY(roundTrips(okResult<GETATTR3res>({.obj_attributes = attr(ftype3::NF3REG, 42)})));
    QVERIFY(roundTrips(failResult<GETATTR3res>(nfsstat3::NFS3ERR_STALE)));
}

void TestNfsXdr::setattr()
{
    SETATTR3args args{.object = fh(hex("01")), .new_attributes = sattr(), .guard = time3(9, 10)};
    QVERIFY(roundTrips(args));
    args.guard.reset();
    args.new_attributes = sattr3{};
    QVERIFY(roundTrips(args));
    QVERIFY(roundTrips(okResult<SETATTR3res>({.obj_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<SETATTR3res>(nfsstat3::NFS3ERR_NOT_SYNC, {.obj_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<SETATTR3res>(nfsstat3::NFS3ERR_PERM)));
}

void TestNfsXdr::lookup()
{
    QVERIFY(roundTrips(LOOKUP3args{.what = where("file.txt")}));
    QVERIFY(roundTrips(okResult<LOOKUP3res>({.object = fh(QByteArray(64, 'h')),
                                             .obj_attributes = attr(ftype3::NF3REG, 7),
                                             .dir_attributes = attr(ftype3::NF3DIR, 1)})));
    QVERIFY(roundTrips(okResult<LOOKUP3res>({.object = fh(hex("00"))})));
    QVERIFY(roundTrips(failResult<LOOKUP3res>(nfsstat3::NFS3ERR_NOENT,
                                              {.dir_attributes = attr(ftype3::NF3DIR, 1)})));
}

void TestNfsXdr::access()
{
    QVERIFY(roundTrips(ACCESS3args{.object = fh(hex("0a0b")),
                                   .access = ACCESS3_READ | ACCESS3_LOOKUP | ACCESS3_MODIFY
                                       | ACCESS3_EXTEND | ACCESS3_DELETE | ACCESS3_EXECUTE}));
    QVERIFY(roundTrips(okResult<ACCESS3res>(
        {.obj_attributes = attr(ftype3::NF3REG, 5), .access = ACCESS3_READ})));
    QVERIFY(roundTrips(failResult<ACCESS3res>(nfsstat3::NFS3ERR_ACCES,
                                              {.obj_attributes = attr(ftype3::NF3REG, 5)})));
}

void TestNfsXdr::readlink()
{
    QVERIFY(roundTrips(READLINK3args{.symlink = fh(hex("abcdef"))}));
    QVERIFY(roundTrips(okResult<READLINK3res>(
        {.symlink_attributes = attr(ftype3::NF3LNK, 9), .data = QByteArray("../target/x")})));
    QVERIFY(roundTrips(failResult<READLINK3res>(nfsstat3::NFS3ERR_INVAL)));
}

void TestNfsXdr::read()
{
    QVERIFY(roundTrips(
        READ3args{.file = fh(hex("11223344")), .offset = 0x0102030405060708ULL, .count = 65536}));
    QVERIFY(roundTrips(okResult<READ3res>({.file_attributes = attr(ftype3::NF3REG, 3),
                                           .count = 13,
                                           .eof = true,
                                           .data = QByteArray("hello, world!")})));
    QVERIFY(roundTrips(okResult<READ3res>({.count = 0, .eof = false, .data = QByteArray()})));
    QVERIFY(roundTrips(failResult<READ3res>(nfsstat3::NFS3ERR_IO,
                                            {.file_attributes = attr(ftype3::NF3REG, 3)})));
}

void TestNfsXdr::write()
{
    QVERIFY(roundTrips(WRITE3args{.file = fh(hex("55")),
                                  .offset = 1u << 30,
                                  .count = 5,
                                  .stable = stable_how::DATA_SYNC,
                                  .data = QByteArray("abcde")}));
    QVERIFY(roundTrips(okResult<WRITE3res>({.file_wcc = wcc(),
                                            .count = 5,
                                            .committed = stable_how::FILE_SYNC,
                                            .verf = verf8(0xa0)})));
    QVERIFY(roundTrips(failResult<WRITE3res>(nfsstat3::NFS3ERR_NOSPC, {.file_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<WRITE3res>(nfsstat3::NFS3ERR_JUKEBOX)));
}

void TestNfsXdr::create()
{
    CREATE3args unchecked{.where = where("new"),
                          .how = {.mode = createmode3::UNCHECKED, .obj_attributes = sattr()}};
    QVERIFY(roundTrips(unchecked));
    CREATE3args guarded{.where = where("new"),
                        .how = {.mode = createmode3::GUARDED, .obj_attributes = sattr()}};
    QVERIFY(roundTrips(guarded));
    CREATE3args exclusive{.where = where("new"),
                          .how = {.mode = createmode3::EXCLUSIVE, .verf = verf8(1)}};
    QVERIFY(roundTrips(exclusive));
    QVERIFY(roundTrips(okResult<CREATE3res>({.obj = fh(hex("99887766")),
                                             .obj_attributes = attr(ftype3::NF3REG, 77),
                                             .dir_wcc = wcc()})));
    QVERIFY(roundTrips(okResult<CREATE3res>({.dir_wcc = wccAfterOnly()})));
    QVERIFY(roundTrips(failResult<CREATE3res>(nfsstat3::NFS3ERR_EXIST, {.dir_wcc = wcc()})));
}

void TestNfsXdr::mkdir()
{
    QVERIFY(roundTrips(MKDIR3args{.where = where("dir"), .attributes = sattr()}));
    QVERIFY(roundTrips(okResult<MKDIR3res>({.obj = fh(hex("0d")),
                                            .obj_attributes = attr(ftype3::NF3DIR, 13),
                                            .dir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<MKDIR3res>(nfsstat3::NFS3ERR_NAMETOOLONG,
                                             {.dir_wcc = wccAfterOnly()})));
}

void TestNfsXdr::symlink()
{
    QVERIFY(roundTrips(SYMLINK3args{
        .where = where("link"),
        .symlink = {.symlink_attributes = sattr(), .symlink_data = QByteArray("/a/b/c")}}));
    QVERIFY(roundTrips(okResult<SYMLINK3res>({.obj = fh(hex("5151")),
                                              .obj_attributes = attr(ftype3::NF3LNK, 51),
                                              .dir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<SYMLINK3res>(nfsstat3::NFS3ERR_NOTSUPP, {.dir_wcc = wcc()})));
}

void TestNfsXdr::mknod()
{
    MKNOD3args chr{.where = where("tty"),
                   .what = {.type = ftype3::NF3CHR,
                            .device = {.dev_attributes = sattr(),
                                       .spec = {.specdata1 = 4, .specdata2 = 64}}}};
    QVERIFY(roundTrips(chr));
    chr.what.type = ftype3::NF3BLK;
    QVERIFY(roundTrips(chr));
    MKNOD3args fifo{.where = where("fifo"),
                    .what = {.type = ftype3::NF3FIFO, .pipe_attributes = sattr()}};
    QVERIFY(roundTrips(fifo));
    fifo.what.type = ftype3::NF3SOCK;
    QVERIFY(roundTrips(fifo));
    // RFC "default: void": a regular file type carries no arm (the handler says BADTYPE).
    QVERIFY(roundTrips(MKNOD3args{.where = where("reg"), .what = {.type = ftype3::NF3REG}}));
    QVERIFY(roundTrips(okResult<MKNOD3res>({.obj = fh(hex("0b")),
                                            .obj_attributes = attr(ftype3::NF3FIFO, 11),
                                            .dir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<MKNOD3res>(nfsstat3::NFS3ERR_BADTYPE, {.dir_wcc = wcc()})));
}

void TestNfsXdr::remove()
{
    QVERIFY(roundTrips(REMOVE3args{.object = where("gone")}));
    QVERIFY(roundTrips(okResult<REMOVE3res>({.dir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<REMOVE3res>(nfsstat3::NFS3ERR_ISDIR, {.dir_wcc = wcc()})));
}

void TestNfsXdr::rmdir()
{
    QVERIFY(roundTrips(RMDIR3args{.object = where("empty")}));
    QVERIFY(roundTrips(okResult<RMDIR3res>({.dir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<RMDIR3res>(nfsstat3::NFS3ERR_NOTEMPTY, {.dir_wcc = wcc()})));
}

void TestNfsXdr::rename()
{
    QVERIFY(roundTrips(RENAME3args{.from = where("old"), .to = where("new name")}));
    QVERIFY(roundTrips(okResult<RENAME3res>({.fromdir_wcc = wcc(), .todir_wcc = wccAfterOnly()})));
    QVERIFY(roundTrips(failResult<RENAME3res>(nfsstat3::NFS3ERR_XDEV,
                                              {.fromdir_wcc = wcc(), .todir_wcc = wcc()})));
}

void TestNfsXdr::link()
{
    QVERIFY(roundTrips(LINK3args{.file = fh(hex("fefe")), .link = where("hard")}));
    QVERIFY(roundTrips(okResult<LINK3res>(
        {.file_attributes = attr(ftype3::NF3REG, 4), .linkdir_wcc = wcc()})));
    QVERIFY(roundTrips(failResult<LINK3res>(
        nfsstat3::NFS3ERR_MLINK, {.file_attributes = attr(ftype3::NF3REG, 4), .linkdir_wcc = wcc()})));
}

void TestNfsXdr::readdir()
{
    cookieverf3 cv;
    cv.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
    QVERIFY(roundTrips(READDIR3args{.dir = fh(hex("d1")), .cookie = 3, .cookieverf = cv, .count = 4096}));

    READDIR3resok ok{.dir_attributes = attr(ftype3::NF3DIR, 1), .cookieverf = cv};
    ok.reply.entries.items = {entry3{.fileid = 1, .name = QByteArray("."), .cookie = 1},
                              entry3{.fileid = 2, .name = QByteArray(".."), .cookie = 2},
                              entry3{.fileid = 10, .name = QByteArray("abc"), .cookie = 3},
                              entry3{.fileid = 11, .name = QByteArray("abcd"), .cookie = 4}};
    ok.reply.eof = true;
    QVERIFY(roundTrips(okResult<READDIR3res>(ok)));
    QVERIFY(roundTrips(okResult<READDIR3res>(READDIR3resok{})));
    QVERIFY(roundTrips(failResult<READDIR3res>(nfsstat3::NFS3ERR_BAD_COOKIE,
                                               {.dir_attributes = attr(ftype3::NF3DIR, 1)})));
    QVERIFY(roundTrips(failResult<READDIR3res>(nfsstat3::NFS3ERR_TOOSMALL)));
}

void TestNfsXdr::readdirplus()
{
    cookieverf3 cv;
    cv.bytes = {8, 7, 6, 5, 4, 3, 2, 1};
    QVERIFY(roundTrips(READDIRPLUS3args{
        .dir = fh(hex("d2")), .cookie = 0, .cookieverf = cv, .dircount = 1024, .maxcount = 32768}));

    READDIRPLUS3resok ok{.dir_attributes = attr(ftype3::NF3DIR, 1), .cookieverf = cv};
    ok.reply.entries.items = {
        entryplus3{.fileid = 20,
                   .name = QByteArray("with-attrs"),
                   .cookie = 100,
                   .name_attributes = attr(ftype3::NF3REG, 20),
                   .name_handle = fh(hex("2020"))},
        entryplus3{.fileid = 21, .name = QByteArray("bare"), .cookie = 101},
    };
    ok.reply.eof = false;
    QVERIFY(roundTrips(okResult<READDIRPLUS3res>(ok)));
    QVERIFY(roundTrips(failResult<READDIRPLUS3res>(nfsstat3::NFS3ERR_NOTDIR,
                                                   {.dir_attributes = attr(ftype3::NF3REG, 1)})));
}

void TestNfsXdr::fsstat()
{
    QVERIFY(roundTrips(FSSTAT3args{.fsroot = fh(hex("f0"))}));
    QVERIFY(roundTrips(okResult<FSSTAT3res>({.obj_attributes = attr(ftype3::NF3DIR, 1),
                                             .tbytes = 1ULL << 40,
                                             .fbytes = 1ULL << 39,
                                             .abytes = 1ULL << 38,
                                             .tfiles = 1000000,
                                             .ffiles = 500000,
                                             .afiles = 400000,
                                             .invarsec = 0})));
    QVERIFY(roundTrips(failResult<FSSTAT3res>(nfsstat3::NFS3ERR_SERVERFAULT)));
}

void TestNfsXdr::fsinfo()
{
    QVERIFY(roundTrips(FSINFO3args{.fsroot = fh(hex("f1"))}));
    QVERIFY(roundTrips(okResult<FSINFO3res>(
        {.obj_attributes = attr(ftype3::NF3DIR, 1),
         .rtmax = kMaxIoSize,
         .rtpref = kMaxIoSize,
         .rtmult = 4096,
         .wtmax = kMaxIoSize,
         .wtpref = kMaxIoSize,
         .wtmult = 4096,
         .dtpref = 65536,
         .maxfilesize = ~0ULL,
         .time_delta = time3(0, 1),
         .properties = FSF3_LINK | FSF3_SYMLINK | FSF3_HOMOGENEOUS | FSF3_CANSETTIME})));
    QVERIFY(roundTrips(failResult<FSINFO3res>(nfsstat3::NFS3ERR_BADHANDLE)));
}

void TestNfsXdr::pathconf()
{
    QVERIFY(roundTrips(PATHCONF3args{.object = fh(hex("f2"))}));
    QVERIFY(roundTrips(okResult<PATHCONF3res>({.obj_attributes = attr(ftype3::NF3DIR, 1),
                                               .linkmax = 32000,
                                               .name_max = 255,
                                               .no_trunc = true,
                                               .chown_restricted = true,
                                               .case_insensitive = false,
                                               .case_preserving = true})));
    QVERIFY(roundTrips(failResult<PATHCONF3res>(nfsstat3::NFS3ERR_REMOTE)));
}

void TestNfsXdr::commit()
{
    QVERIFY(roundTrips(COMMIT3args{.file = fh(hex("c0")), .offset = 4096, .count = 0}));
    QVERIFY(roundTrips(okResult<COMMIT3res>({.file_wcc = wcc(), .verf = verf8(0x10)})));
    QVERIFY(roundTrips(failResult<COMMIT3res>(nfsstat3::NFS3ERR_IO, {.file_wcc = wcc()})));
}

void TestNfsXdr::mountTypes()
{
    using namespace loft::mount3;
    QVERIFY(roundTrips(dirpath(QByteArray("/EXPORT-abcdef"))));

    mountres3 ok;
    ok.fhs_status = mountstat3::MNT3_OK;
    ok.mountinfo.fhandle = QByteArray(FHSIZE3, 'x');
    ok.mountinfo.auth_flavors.items = {1, 0};
    QVERIFY(roundTrips(ok));
    mountres3 fail;
    fail.fhs_status = mountstat3::MNT3ERR_ACCES;
    QVERIFY(roundTrips(fail));

    mountlist ml;
    QVERIFY(roundTrips(ml));
    ml.items = {mountbody{.ml_hostname = QByteArray("localhost"), .ml_directory = QByteArray("/a")},
                mountbody{.ml_hostname = QByteArray("127.0.0.1"), .ml_directory = QByteArray("/bc")}};
    QVERIFY(roundTrips(ml));

    exports ex;
    QVERIFY(roundTrips(ex));
    exportnode e1{.ex_dir = QByteArray("/export")};
    e1.ex_groups.items = {groupnode{.gr_name = QByteArray("127.0.0.1")},
                          groupnode{.gr_name = QByteArray("localhost")}};
    ex.items = {e1, exportnode{.ex_dir = QByteArray("/other")}};
    QVERIFY(roundTrips(ex));

    QCOMPARE(uint32_t(mountproc3::MOUNTPROC3_EXPORT), 5u);
}

void TestNfsXdr::portmapTypes()
{
    using namespace loft::portmap;
    const mapping nfs{.prog = nfs3::NFS_PROGRAM, .vers = NFS_V3, .prot = kIpprotoTcp, .port = 2049};
    QVERIFY(roundTrips(nfs));

    pmaplist list;
    QVERIFY(roundTrips(list));
    list.items = {nfs,
                  mapping{.prog = mount3::MOUNT_PROGRAM, .vers = mount3::MOUNT_V3, .prot = kIpprotoTcp, .port = 2049},
                  mapping{.prog = PMAP_PROG, .vers = PMAP_VERS, .prot = kIpprotoUdp, .port = PMAP_PORT}};
    QVERIFY(roundTrips(list));

    QVERIFY(roundTrips(call_args{.prog = 100003, .vers = 3, .proc = 0, .args = QByteArray("xyz")}));
    QVERIFY(roundTrips(call_result{.port = 2049, .res = QByteArray()}));
    QVERIFY(roundTrips(true));     // PMAPPROC_SET / UNSET result
    QVERIFY(roundTrips(2049u));    // PMAPPROC_GETPORT result
    QCOMPARE(uint32_t(pmapproc::PMAPPROC_CALLIT), 5u);
}

// ---- Byte-exact encodings -----------------------------------------------------------

void TestNfsXdr::bytesGetattrArgs()
{
    QCOMPARE(xdrEncode(GETATTR3args{.object = fh(hex("aabbccdd"))}), hex("00000004aabbccdd"));
    // A 3-byte handle is padded to 4 with a zero byte.
    QCOMPARE(xdrEncode(GETATTR3args{.object = fh(hex("aabbcc"))}), hex("00000003aabbcc00"));
}

void TestNfsXdr::bytesOptionalAbsent()
{
    QCOMPARE(xdrEncode(post_op_attr{}), hex("00000000"));
    QCOMPARE(xdrEncode(wcc_data{}), hex("00000000" "00000000"));
    QCOMPARE(xdrEncode(post_op_fh3{fh(hex("01"))}), hex("00000001" "00000001" "01000000"));
    // sattr3 with nothing to set: six FALSE / DONT_CHANGE discriminants.
    QCOMPARE(xdrEncode(sattr3{}), QByteArray(24, '\0'));
    // fattr3: fixed layout, 84 bytes; present post_op_attr adds the TRUE word.
    QCOMPARE(xdrEncode(attr(ftype3::NF3REG, 1)).size(), 84);
    QCOMPARE(xdrEncode(post_op_attr{attr(ftype3::NF3REG, 1)}).size(), 88);
    const QByteArray a = xdrEncode(attr(ftype3::NF3DIR, 0x0102030405060708ULL));
    QCOMPARE(a.left(8), hex("00000002" "000001a4")); // NF3DIR, mode 0644
    QCOMPARE(a.mid(52, 8), hex("0102030405060708"));  // fileid, big-endian hyper
}

void TestNfsXdr::bytesStringPadding()
{
    const auto name = [](const char *n) { return xdrEncode(filename3(QByteArray(n))); };
    QCOMPARE(name(""), hex("00000000"));
    QCOMPARE(name("a"), hex("00000001" "61000000"));
    QCOMPARE(name("ab"), hex("00000002" "61620000"));
    QCOMPARE(name("abc"), hex("00000003" "61626300"));
    QCOMPARE(name("abcd"), hex("00000004" "61626364"));
    QCOMPARE(name("abcde"), hex("00000005" "61626364" "65000000"));
    QCOMPARE(xdrEncode(LOOKUP3args{.what = {.dir = fh(hex("01")), .name = QByteArray("abc")}}),
             hex("00000001" "01000000" "00000003" "61626300"));
}

void TestNfsXdr::bytesFailureArmOnly()
{
    // GETATTR's failure arm is void: only the status goes out, whatever `ok` holds.
    GETATTR3res stale = failResult<GETATTR3res>(nfsstat3::NFS3ERR_STALE);
    stale.ok.obj_attributes = attr(ftype3::NF3REG, 1);
    QCOMPARE(xdrEncode(stale), hex("00000046"));
    QCOMPARE(xdrEncode(failResult<LOOKUP3res>(nfsstat3::NFS3ERR_NOENT)), hex("00000002" "00000000"));
    QCOMPARE(xdrEncode(failResult<GETATTR3res>(nfsstat3::NFS3ERR_JUKEBOX)), hex("00002718"));
    // A READ reply with no attributes, count 3, eof, "xyz".
    QCOMPARE(xdrEncode(okResult<READ3res>({.count = 3, .eof = true, .data = QByteArray("xyz")})),
             hex("00000000" "00000000" "00000003" "00000001" "00000003" "78797a00"));
    // WRITE3args: hyper offset, stable_how as a uint32.
    QCOMPARE(xdrEncode(WRITE3args{.file = fh(hex("ff")),
                                  .offset = 0x100000000ULL,
                                  .count = 1,
                                  .stable = stable_how::FILE_SYNC,
                                  .data = hex("7f")}),
             hex("00000001" "ff000000" "00000001" "00000000" "00000001" "00000002" "00000001"
                 "7f000000"));
}

void TestNfsXdr::bytesDirList()
{
    READDIR3resok ok;
    ok.cookieverf.bytes = {1, 2, 3, 4, 5, 6, 7, 8};
    ok.reply.entries.items = {entry3{.fileid = 5, .name = QByteArray("a"), .cookie = 1}};
    ok.reply.eof = true;
    QCOMPARE(xdrEncode(okResult<READDIR3res>(ok)),
             hex("00000000"                           // NFS3_OK
                 "00000000"                           // dir_attributes absent
                 "0102030405060708"                   // cookieverf
                 "00000001"                           // an entry follows
                 "0000000000000005" "00000001" "61000000" "0000000000000001"
                 "00000000"                           // no more entries
                 "00000001"));                        // eof
}

void TestNfsXdr::bytesSetTimes()
{
    set_atime client{.set_it = time_how::SET_TO_CLIENT_TIME, .atime = time3(0x11223344, 5)};
    QCOMPARE(xdrEncode(client), hex("00000002" "11223344" "00000005"));
    QCOMPARE(xdrEncode(set_mtime{.set_it = time_how::SET_TO_SERVER_TIME}), hex("00000001"));
    QCOMPARE(xdrEncode(set_mtime{.set_it = time_how::DONT_CHANGE}), hex("00000000"));
    sattr3 s;
    s.mode = 0600u;
    s.mtime.set_it = time_how::SET_TO_SERVER_TIME;
    QCOMPARE(xdrEncode(s), hex("00000001" "00000180" "00000000" "00000000" "00000000" "00000000"
                               "00000001"));
    // SETATTR guard: TRUE + ctime.
    QCOMPARE(xdrEncode(sattrguard3{time3(1, 2)}), hex("00000001" "00000001" "00000002"));
}

void TestNfsXdr::bytesCreateExclusive()
{
    createhow3 how{.mode = createmode3::EXCLUSIVE};
    how.obj_attributes.mode = 0777u; // not encoded in the EXCLUSIVE arm
    how.verf.bytes = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3};
    QCOMPARE(xdrEncode(how), hex("00000002" "deadbeef00010203"));
    QCOMPARE(xdrEncode(createhow3{.mode = createmode3::GUARDED}),
             hex("00000001") + QByteArray(24, '\0'));
    QCOMPARE(xdrEncode(mknoddata3{.type = ftype3::NF3DIR}), hex("00000002"));
}

void TestNfsXdr::bytesMount()
{
    using namespace loft::mount3;
    mountres3 ok;
    ok.mountinfo.fhandle = hex("0a0b0c0d0e");
    ok.mountinfo.auth_flavors.items = {1};
    QCOMPARE(xdrEncode(ok), hex("00000000" "00000005" "0a0b0c0d" "0e000000" "00000001" "00000001"));
    mountres3 denied;
    denied.fhs_status = mountstat3::MNT3ERR_ACCES;
    QCOMPARE(xdrEncode(denied), hex("0000000d"));
    exports ex;
    ex.items = {exportnode{.ex_dir = QByteArray("/x")}};
    QCOMPARE(xdrEncode(ex), hex("00000001" "00000002" "2f780000" "00000000" "00000000"));
}

void TestNfsXdr::bytesPortmap()
{
    using namespace loft::portmap;
    const mapping m{.prog = 100003, .vers = 3, .prot = kIpprotoTcp, .port = 2049};
    QCOMPARE(xdrEncode(m), hex("000186a3" "00000003" "00000006" "00000801"));
    pmaplist list;
    QCOMPARE(xdrEncode(list), hex("00000000"));
    list.items = {m};
    QCOMPARE(xdrEncode(list), hex("00000001" "000186a3" "00000003" "00000006" "00000801" "00000000"));
}

// ---- Decode failures ----------------------------------------------------------------

void TestNfsXdr::rejectsTruncated()
{
    // roundTrips() checks every prefix of every value above; here a few by hand.
    QVERIFY(!decodes<GETATTR3args>(QByteArray()));
    QVERIFY(!decodes<GETATTR3args>(hex("00000004aabbcc")));
    QVERIFY(!decodes<GETATTR3args>(hex("000000")));
    QVERIFY(!decodes<READ3args>(hex("00000001" "01000000" "0000000000000000")));
    QVERIFY(!decodes<GETATTR3res>(hex("00000000" "00000001")));
    QVERIFY(!decodes<READDIR3res>(hex("00000000" "00000000" "0102030405060708" "00000001")));
    QVERIFY(!decodes<portmap::mapping>(hex("000186a3" "00000003" "00000006")));
    // An XdrFixed (cookieverf3) cut short.
    QVERIFY(!decodes<READDIR3args>(hex("00000001" "d1000000" "0000000000000003" "01020304")));
}

void TestNfsXdr::rejectsTrailingBytes()
{
    QVERIFY(decodes<GETATTR3args>(hex("00000004aabbccdd")));
    QVERIFY(!decodes<GETATTR3args>(hex("00000004aabbccdd" "00000000")));
    QVERIFY(!decodes<NULL3args>(hex("00000000")));
}

void TestNfsXdr::rejectsOversizedFilename()
{
    const auto lookup = [](qsizetype n) {
        return xdrEncode(LOOKUP3args{.what = where(QByteArray(n, 'n'))});
    };
    // 256 bytes (one over NAME_MAX) still decodes, so the handler can say NAMETOOLONG.
    QVERIFY(decodes<LOOKUP3args>(lookup(256)));
    QVERIFY(decodes<LOOKUP3args>(lookup(kMaxNameSize)));
    QVERIFY(!decodes<LOOKUP3args>(lookup(kMaxNameSize + 1)));
    // A huge length must fail without trying to read (or allocate) it.
    QVERIFY(!decodes<LOOKUP3args>(hex("00000001" "01000000" "ffffffff" "61626364")));
    // Symlink targets: bound kMaxPathSize; MOUNT dirpath: MNTPATHLEN.
    SYMLINK3args sl{.where = where("l"), .symlink = {.symlink_data = QByteArray(kMaxPathSize, 'p')}};
    QVERIFY(decodes<SYMLINK3args>(xdrEncode(sl)));
    sl.symlink.symlink_data.bytes.append('p');
    QVERIFY(!decodes<SYMLINK3args>(xdrEncode(sl)));
    QVERIFY(!decodes<mount3::dirpath>(xdrEncode(mount3::dirpath(QByteArray(1025, '/')))));
    QVERIFY(!decodes<mount3::name>(xdrEncode(mount3::name(QByteArray(256, 'h')))));
}

void TestNfsXdr::rejectsOversizedHandle()
{
    QVERIFY(decodes<GETATTR3args>(xdrEncode(GETATTR3args{.object = fh(QByteArray(64, 'h'))})));
    QVERIFY(!decodes<GETATTR3args>(xdrEncode(GETATTR3args{.object = fh(QByteArray(65, 'h'))})));
    QVERIFY(!decodes<GETATTR3args>(hex("00000041") + QByteArray(68, 'h')));
    mount3::mountres3 res;
    res.mountinfo.fhandle = QByteArray(65, 'h');
    QVERIFY(!decodes<mount3::mountres3>(xdrEncode(res)));
}

void TestNfsXdr::rejectsOversizedData()
{
    WRITE3args w{.file = fh(hex("01")), .count = kMaxIoSize, .data = QByteArray(kMaxIoSize, 'd')};
    QVERIFY(decodes<WRITE3args>(xdrEncode(w)));
    w.data.bytes.append('d');
    QVERIFY(!decodes<WRITE3args>(xdrEncode(w)));
    // A READ reply claiming 4 GiB of data in a short buffer.
    QVERIFY(!decodes<READ3res>(hex("00000000" "00000000" "00000003" "00000001" "ffffffff" "78797a00")));
}

// WRITE data at the end of a record takes over the record's storage (no copy); the
// record is left empty. Small data, or data followed by more bytes, is copied.
void TestNfsXdr::writeDataAdoptsTheRecord()
{
    WRITE3args w{.file = fh(hex("01")), .offset = 4096, .count = 100000,
                 .data = QByteArray(100000, 'z')};
    QByteArray record = QByteArray("HEADER..") + xdrEncode(w);
    const char *storage = record.constData();
    XdrReader r(record.constData() + 8, record.size() - 8, &record);
    WRITE3args got;
    r(got);
    QVERIFY(r.ok());
    QCOMPARE(r.remaining(), 0);
    QVERIFY(got.data.bytes == w.data.bytes);
    QCOMPARE(got.offset, uint64_t(4096));
    QVERIFY(record.isEmpty());
    QVERIFY(got.data.bytes.constData() > storage); // the same allocation, start moved on
    QVERIFY(got.data.bytes.constData() < storage + 200);

    WRITE3args small{.file = fh(hex("02")), .count = 5, .data = QByteArray("small")};
    QByteArray record2 = xdrEncode(small);
    XdrReader r2(record2.constData(), record2.size(), &record2);
    WRITE3args got2;
    r2(got2);
    QVERIFY(r2.ok());
    QCOMPARE(got2.data.bytes, QByteArray("small"));
    QVERIFY(!record2.isEmpty());
}

void TestNfsXdr::rejectsOversizedList()
{
    using namespace loft::mount3;
    exportnode node{.ex_dir = QByteArray("/e")};
    node.ex_groups.items.resize(kMaxExportGroups, groupnode{.gr_name = QByteArray("g")});
    exports ex;
    ex.items = {node};
    QVERIFY(decodes<exports>(xdrEncode(ex)));
    ex.items[0].ex_groups.items.append(groupnode{.gr_name = QByteArray("g")});
    QVERIFY(!decodes<exports>(xdrEncode(ex)));

    portmap::pmaplist pl;
    pl.items.resize(portmap::kMaxMappings);
    QVERIFY(decodes<portmap::pmaplist>(xdrEncode(pl)));
    pl.items.append(portmap::mapping{});
    QVERIFY(!decodes<portmap::pmaplist>(xdrEncode(pl)));

    READDIR3resok dir;
    dir.reply.entries.items.resize(kMaxDirEntries);
    QVERIFY(decodes<READDIR3res>(xdrEncode(okResult<READDIR3res>(dir))));
    dir.reply.entries.items.append(entry3{});
    QVERIFY(!decodes<READDIR3res>(xdrEncode(okResult<READDIR3res>(dir))));
}

void TestNfsXdr::rejectsOversizedArray()
{
    using namespace loft::mount3;
    mountres3 res;
    res.mountinfo.auth_flavors.items.resize(kMaxAuthFlavors, 1);
    QVERIFY(decodes<mountres3>(xdrEncode(res)));
    res.mountinfo.auth_flavors.items.append(1);
    QVERIFY(!decodes<mountres3>(xdrEncode(res)));
    // A count far beyond the bytes that follow.
    QVERIFY(!decodes<mountres3>(hex("00000000" "00000001" "01000000" "0fffffff" "00000001")));
}

void TestNfsXdr::rejectsBadBool()
{
    // post_op_attr discriminant 2 in an ACCESS failure.
    QVERIFY(decodes<ACCESS3res>(hex("0000000d" "00000000")));
    QVERIFY(!decodes<ACCESS3res>(hex("0000000d" "00000002")));
    // READ3resok eof = 2.
    QVERIFY(!decodes<READ3res>(hex("00000000" "00000000" "00000003" "00000002" "00000003" "78797a00")));
    // dirlist3: the "another entry follows" word = 2.
    QVERIFY(!decodes<READDIR3res>(hex("00000000" "00000000" "0102030405060708" "00000002")));
    // set_mode3 discriminant 2 inside a sattr3.
    QVERIFY(!decodes<sattr3>(hex("00000002" "000001a4" "00000000" "00000000" "00000000" "00000000"
                                 "00000000")));
    // PATHCONF booleans.
    PATHCONF3resok pc{.name_max = 255, .no_trunc = true};
    QByteArray bytes = xdrEncode(okResult<PATHCONF3res>(pc));
    QVERIFY(decodes<PATHCONF3res>(bytes));
    // status, obj_attributes FALSE, linkmax, name_max, then no_trunc at offset 16.
    QCOMPARE(bytes.mid(16, 4), hex("00000001"));
    bytes[19] = 2;
    QVERIFY(!decodes<PATHCONF3res>(bytes));
    QVERIFY(!decodes<bool>(hex("00000002")));
    QVERIFY(!decodes<bool>(hex("80000001")));
}

void TestNfsXdr::rejectsBadCreateHow()
{
    const QByteArray prefix = xdrEncode(where("f"));
    QVERIFY(decodes<CREATE3args>(prefix + hex("00000002" "0102030405060708")));
    QVERIFY(decodes<CREATE3args>(prefix + hex("00000000") + QByteArray(24, '\0')));
    QVERIFY(!decodes<CREATE3args>(prefix + hex("00000003" "0102030405060708")));
    QVERIFY(!decodes<CREATE3args>(prefix + hex("00000003")));
    QVERIFY(!decodes<createhow3>(hex("ffffffff")));
}

void TestNfsXdr::rejectsBadTimeHow()
{
    QVERIFY(decodes<set_atime>(hex("00000002" "00000001" "00000002")));
    QVERIFY(!decodes<set_atime>(hex("00000003")));
    QVERIFY(!decodes<set_atime>(hex("00000003" "00000001" "00000002")));
    QVERIFY(!decodes<set_mtime>(hex("00000004")));
    // Inside SETATTR3args: a sattr3 whose mtime says time_how 3.
    const QByteArray args = xdrEncode(GETATTR3args{.object = fh(hex("01"))})
        + hex("00000000" "00000000" "00000000" "00000000" "00000000" "00000003" "00000000");
    QVERIFY(!decodes<SETATTR3args>(args));
    QByteArray good = args;
    good[good.size() - 5] = 1; // SET_TO_SERVER_TIME
    QVERIFY(decodes<SETATTR3args>(good));
}

void TestNfsXdr::rejectsBadMknodType()
{
    const QByteArray prefix = xdrEncode(where("n"));
    QVERIFY(decodes<MKNOD3args>(prefix + hex("00000005"))); // NF3LNK: void arm
    QVERIFY(!decodes<MKNOD3args>(prefix + hex("00000000")));
    QVERIFY(!decodes<MKNOD3args>(prefix + hex("00000008")));
}

QTEST_APPLESS_MAIN(TestNfsXdr)
#include "tst_nfs_xdr.moc"
