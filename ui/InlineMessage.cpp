#include "InlineMessage.h"

#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QStyle>
#include <QWindow>

namespace loft::ui {

InlineMessage::InlineMessage(QWidget *parent) : QWidget(parent)
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(6);
    icon_ = new QLabel(this);
    icon_->setFixedSize(14, 14);
    text_ = new QLabel(this);
    text_->setWordWrap(true);
    text_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont small = text_->font();
    small.setPointSizeF(small.pointSizeF() * 0.92);
    text_->setFont(small);
    layout->addWidget(icon_, 0, Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(text_, 1);
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    clear();
}

QSize InlineMessage::sizeHint() const
{
    const QFontMetrics fm(text_->font());
    return {20 + fm.horizontalAdvance(text_->text()), std::max(14, fm.height())};
}

QSize InlineMessage::minimumSizeHint() const
{
    return {60, std::max(14, QFontMetrics(text_->font()).height())};
}

int InlineMessage::heightForWidth(int width) const
{
    return std::max(14, text_->heightForWidth(std::max(40, width - 20)));
}

void InlineMessage::show(Kind kind, const QString &text)
{
    kind_ = kind;
    QString badge;
    switch (kind) {
    case Kind::Ok: badge = QStringLiteral("mounted"); break;
    case Kind::Warning: badge = QStringLiteral("busy"); break;
    case Kind::Error: badge = QStringLiteral("error"); break;
    case Kind::Busy: badge = QStringLiteral("transferring"); break;
    case Kind::None: break;
    }
    const qreal dpr = devicePixelRatioF();
    // The icon keeps its place when there is none, so rows do not change height.
    QPixmap pixmap(QSize(14, 14) * dpr);
    pixmap.setDevicePixelRatio(dpr);
    pixmap.fill(Qt::transparent);
    if (!badge.isEmpty())
        pixmap = QIcon(QStringLiteral(":/icons/status-%1.svg").arg(badge)).pixmap(QSize(14, 14), dpr);
    icon_->setPixmap(pixmap);
    text_->setText(text);
    setAccessibleName(text);
    updateGeometry();
    QPalette p = text_->palette();
    p.setColor(QPalette::WindowText, kind == Kind::Error
                                         ? QColor(0xc0, 0x30, 0x30)
                                         : palette().color(QPalette::WindowText));
    text_->setPalette(p);
}

void InlineMessage::clear()
{
    show(Kind::None, QString());
}

QString InlineMessage::text() const
{
    return text_->text();
}

} // namespace loft::ui
