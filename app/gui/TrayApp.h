// `loft` with no command: the tray application (one per user; a second start raises the
// first one's status window).
#pragma once

namespace loft {

int runTrayApp(int &argc, char **argv);

} // namespace loft
