#include "ConflictNamer.h"

namespace loft::cache {

QByteArray conflictName(const QByteArray &name, const QDateTime &when, int attempt,
                        int maxNameBytes)
{
    const qsizetype dot = name.lastIndexOf('.');
    // An extension is a short tail after a dot that is not the first character.
    const bool hasExt = dot > 0 && dot < name.size() - 1 && name.size() - dot <= 16;
    QByteArray stem = hasExt ? name.left(dot) : name;
    const QByteArray ext = hasExt ? name.mid(dot) : QByteArray();
    QByteArray tag = " (conflict " + when.toString(QStringLiteral("yyyy-MM-dd HHmmss")).toLatin1();
    if (attempt > 1)
        tag += ' ' + QByteArray::number(attempt);
    tag += ')';
    const qsizetype room = qsizetype(maxNameBytes) - tag.size() - ext.size();
    if (room > 0 && stem.size() > room) {
        qsizetype cut = room;
        while (cut > 0 && (uint8_t(stem[cut]) & 0xc0) == 0x80)
            --cut; // do not split a UTF-8 sequence
        stem.truncate(cut);
    }
    return stem + tag + ext;
}

} // namespace loft::cache
