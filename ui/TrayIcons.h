// Icons drawn for Loft (resources/icons, SVG so they stay sharp at any scale): the tray
// glyph in four states, light (dark glyph, for light panels) and dark variants, and the
// small state badges used in lists and menus.
#pragma once

#include "models/MountSnapshot.h"

#include <QIcon>

namespace loft::ui {

enum class TrayState { Idle, Mounted, Transferring, Error };

class TrayIcons {
public:
    // Registers the icons compiled into loft_ui (a static library). Call once, early.
    static void initResources();
    static QIcon trayIcon(TrayState state, bool darkPanel);
    static QIcon stateBadge(MountState state, bool transferring);
    static QIcon appIcon();
    // Whether the system tray / desktop looks dark, judged from the palette.
    static bool prefersDarkPanel();
    // The tray state that sums up a list of mounts.
    static TrayState summarize(const QList<MountSnapshot> &mounts);
};

} // namespace loft::ui
