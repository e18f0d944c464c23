// QuickCallGate: a call that is slow because it waited (slept) closes the gate for the
// back-off time; a call that is only slow because it was busy (or lost the CPU to other
// processes) does not; a disabled gate never opens.

#include "QuickCallGate.h"

#include <QtTest>
#include <thread>

using namespace loft;
using namespace std::chrono_literals;

class TestQuickCallGate : public QObject {
    Q_OBJECT

private slots:
    void quickCallsKeepItOpen()
    {
        QuickCallGate gate(true, 1000us, 60s);
        QVERIFY(gate.isOpen());
        for (int i = 0; i < 100; ++i)
            QCOMPARE(gate.run([i] { return i * 2; }), i * 2);
        QVERIFY(gate.isOpen());
    }

    void aCallThatWaitedClosesIt()
    {
        QuickCallGate gate(true, 1000us, 60s);
        gate.run([] {
            std::this_thread::sleep_for(5ms); // like a read from a sleeping disk
            return 0;
        });
        QVERIFY(!gate.isOpen());
    }

    void itOpensAgainAfterTheBackoff()
    {
        QuickCallGate gate(true, 1000us, 50ms);
        gate.run([] {
            std::this_thread::sleep_for(5ms);
            return 0;
        });
        QVERIFY(!gate.isOpen());
        QTRY_VERIFY_WITH_TIMEOUT(gate.isOpen(), 5000);
    }

    // Busy for 5 ms without sleeping: over the limit, but the storage did not make us wait.
    void aBusyCallDoesNotCloseIt()
    {
        QuickCallGate gate(true, 1000us, 60s);
        gate.run([] {
            const auto end = std::chrono::steady_clock::now() + 5ms;
            while (std::chrono::steady_clock::now() < end) {
            }
            return 0;
        });
        QVERIFY(gate.isOpen());
    }

    void disabledGateIsNeverOpen()
    {
        QuickCallGate gate(false, 1000us, 0ms);
        QVERIFY(!gate.isOpen());
    }
};

QTEST_GUILESS_MAIN(TestQuickCallGate)
#include "tst_quick_call_gate.moc"
