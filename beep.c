#include <windows.h>
void start(void) { Beep(440, 100); ExitProcess(0); }
