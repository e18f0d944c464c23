#include "EnglishPlurals.h"

#include <QCoreApplication>

#include <cstring>

namespace loft::ui {

QString EnglishPlurals::translate(const char *, const char *sourceText, const char *, int n) const
{
    if (n < 0 || !sourceText || !std::strstr(sourceText, "(s)"))
        return {}; // not a plural: the source text as it is
    QString text = QString::fromUtf8(sourceText);
    text.replace(QLatin1String("(s)"), n == 1 ? QString() : QStringLiteral("s"));
    if (n == 1)
        text.replace(QLatin1String(" are "), QLatin1String(" is "));
    return text; // Qt replaces %n afterwards
}

void EnglishPlurals::install()
{
    static EnglishPlurals *installed = nullptr;
    if (installed || !QCoreApplication::instance())
        return;
    installed = new EnglishPlurals(QCoreApplication::instance());
    QCoreApplication::installTranslator(installed);
}

} // namespace loft::ui
