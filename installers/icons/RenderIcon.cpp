// loft_render_icon: renders the app's SVG icon to the raster formats installers need, at
// build time, with Qt's own SVG renderer (no extra tool on any platform).
//
//   loft_render_icon SVG OUT.png SIZE              one square PNG
//   loft_render_icon SVG OUT.ico SIZE [SIZE ...]   a Windows icon holding PNG images
#include <QBuffer>
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <QtEndian>

#include <cstdio>

namespace {

QByteArray renderPng(QSvgRenderer &svg, int size)
{
    QImage image(size, size, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    svg.render(&painter);
    painter.end();
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

template <typename T> void put(QByteArray &out, T value)
{
    const T le = qToLittleEndian(value);
    out.append(reinterpret_cast<const char *>(&le), sizeof le);
}

// ICO: a 6-byte header, a 16-byte entry per image, then the images (PNG inside an ICO is
// valid since Windows Vista).
QByteArray icoFile(const QList<QByteArray> &pngs, const QList<int> &sizes)
{
    QByteArray out;
    put<quint16>(out, 0);
    put<quint16>(out, 1);
    put<quint16>(out, quint16(pngs.size()));
    quint32 offset = 6 + 16 * quint32(pngs.size());
    for (int i = 0; i < pngs.size(); ++i) {
        const quint8 side = sizes[i] >= 256 ? 0 : quint8(sizes[i]); // 0 means 256
        out.append(char(side));
        out.append(char(side));
        out.append(char(0)); // no palette
        out.append(char(0));
        put<quint16>(out, 1);  // colour planes
        put<quint16>(out, 32); // bits per pixel
        put<quint32>(out, quint32(pngs[i].size()));
        put<quint32>(out, offset);
        offset += quint32(pngs[i].size());
    }
    for (const QByteArray &png : pngs)
        out += png;
    return out;
}

int fail(const char *message, const char *detail = "")
{
    std::fprintf(stderr, "loft_render_icon: %s%s\n", message, detail);
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 4)
        return fail("usage: loft_render_icon SVG OUT.png|OUT.ico SIZE [SIZE ...]");
    QSvgRenderer svg(QString::fromLocal8Bit(argv[1]));
    if (!svg.isValid())
        return fail("cannot read the SVG ", argv[1]);
    const QString out = QString::fromLocal8Bit(argv[2]);
    QList<int> sizes;
    for (int i = 3; i < argc; ++i) {
        bool ok = false;
        const int size = QByteArray(argv[i]).toInt(&ok);
        if (!ok || size < 8 || size > 1024)
            return fail("sizes are whole numbers from 8 to 1024, not ", argv[i]);
        sizes << size;
    }
    const bool ico = out.endsWith(QLatin1String(".ico"));
    if (!ico && sizes.size() != 1)
        return fail("a PNG has exactly one size");
    QList<QByteArray> pngs;
    for (int size : sizes)
        pngs << renderPng(svg, size);
    QFile file(out);
    if (!file.open(QIODevice::WriteOnly) || file.write(ico ? icoFile(pngs, sizes) : pngs.first()) < 0)
        return fail("cannot write ", argv[2]);
    return 0;
}
