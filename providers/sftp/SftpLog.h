// The SFTP provider's logging category, "loft.sftp" (connection losses, reconnects,
// host key decisions). Secrets never reach it.
#pragma once

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcSftp)
