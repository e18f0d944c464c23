// English plural forms for the source strings, which are written "%n file(s)": without
// it Qt shows "2 file(s)". A real translation (.qm) installed later takes precedence.
#pragma once

#include <QTranslator>

namespace loft::ui {

class EnglishPlurals : public QTranslator {
public:
    using QTranslator::QTranslator;
    bool isEmpty() const override { return false; }
    QString translate(const char *context, const char *sourceText, const char *disambiguation,
                      int n) const override;
    // Installs one for the application (idempotent).
    static void install();
};

} // namespace loft::ui
