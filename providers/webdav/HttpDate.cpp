#include "HttpDate.h"

#include <QByteArray>
#include <QList>

#include <algorithm>

namespace loft::webdav {

namespace {

int monthFromName(QByteArrayView name)
{
    static const char *const kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                          "jul", "aug", "sep", "oct", "nov", "dec"};
    if (name.size() < 3)
        return 0;
    const QByteArray prefix = name.first(3).toByteArray().toLower();
    for (int i = 0; i < 12; ++i) {
        if (prefix == kMonths[i])
            return i + 1;
    }
    return 0;
}

bool allDigits(QByteArrayView s)
{
    if (s.isEmpty())
        return false;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
    }
    return true;
}

// Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's
// days_from_civil).
int64_t daysFromCivil(int64_t y, int m, int d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;
    const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int daysInMonth(int64_t y, int m)
{
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : kDays[m - 1];
}

} // namespace

std::optional<int64_t> parseHttpDate(QByteArrayView text)
{
    // Split on blanks, commas and the dashes of the RFC 850 date; then recognise each
    // token by its shape, which covers all three forms.
    QList<QByteArrayView> tokens;
    qsizetype start = -1;
    for (qsizetype i = 0; i <= text.size(); ++i) {
        const char c = i < text.size() ? text[i] : ' ';
        const bool separator = c == ' ' || c == '\t' || c == ',' || c == '-';
        if (separator) {
            if (start >= 0)
                tokens.append(text.sliced(start, i - start));
            start = -1;
            // A '-' right before digits after the time is a zone offset, not a separator.
            if (c == '-' && i + 1 < text.size() && !tokens.isEmpty()
                && tokens.last().contains(':')) {
                start = i;
            }
        } else if (start < 0) {
            start = i;
        }
    }

    int month = 0, day = -1, hour = -1, minute = -1, second = -1;
    int64_t year = -1;
    int zoneMinutes = 0;
    for (QByteArrayView t : tokens) {
        if (t.contains(':')) {
            const QList<QByteArray> parts = t.toByteArray().split(':');
            if (parts.size() != 3 || !allDigits(parts[0]) || !allDigits(parts[1])
                || !allDigits(parts[2]))
                return std::nullopt;
            hour = parts[0].toInt();
            minute = parts[1].toInt();
            second = parts[2].toInt();
        } else if ((t.startsWith('+') || t.startsWith('-')) && t.size() == 5
                   && allDigits(t.sliced(1))) {
            const int hhmm = t.sliced(1).toByteArray().toInt();
            zoneMinutes = (hhmm / 100 * 60 + hhmm % 100) * (t.startsWith('-') ? -1 : 1);
        } else if (allDigits(t)) {
            const int64_t value = t.toByteArray().toLongLong();
            if (day < 0 && t.size() <= 2 && year < 0) {
                day = int(value);
            } else if (year < 0) {
                if (t.size() > 4) // HTTP years have 2 or 4 digits; more would overflow below
                    return std::nullopt;
                year = value;
                if (t.size() == 2) // RFC 850: two-digit year (RFC 9110: 50 years rule)
                    year += year < 70 ? 2000 : 1900;
            } else {
                return std::nullopt;
            }
        } else if (month == 0 && monthFromName(t) != 0 && t.size() == 3) {
            month = monthFromName(t);
        }
        // Anything else (weekday, "GMT", "UTC") carries no information we need.
    }
    if (month == 0 || day < 1 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59
        || second < 0 || second > 60 || day > daysInMonth(year, month))
        return std::nullopt;
    return daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60
        + std::min(second, 59) - int64_t(zoneMinutes) * 60;
}

} // namespace loft::webdav
