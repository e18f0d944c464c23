// A one-line status under a field: a small coloured dot and a sentence (validation
// results, "Test connection" answers). Accessible: the text is the accessible name.
#pragma once

#include <QWidget>

class QLabel;

namespace loft::ui {

class InlineMessage : public QWidget {
    Q_OBJECT
public:
    enum class Kind { None, Ok, Warning, Error, Busy };
    explicit InlineMessage(QWidget *parent = nullptr);

    void show(Kind kind, const QString &text);
    void clear();
    Kind kind() const { return kind_; }
    QString text() const;

    // One line when the text fits, more only when the width forces it.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

private:
    QLabel *icon_;
    QLabel *text_;
    Kind kind_ = Kind::None;
};

} // namespace loft::ui
