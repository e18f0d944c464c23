// Turns SIGINT/SIGTERM into a Qt signal on the main thread (self-pipe), so shutdown
// runs as ordinary code: stop the server, flush, exit 0.
#pragma once

#include <QObject>

class QSocketNotifier;

namespace loft {

class UnixSignalWatcher : public QObject {
    Q_OBJECT
public:
    explicit UnixSignalWatcher(QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void terminationRequested(int signalNumber);

private:
    QSocketNotifier *notifier_ = nullptr;
};

} // namespace loft
