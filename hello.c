#include <windows.h>
void start(void) { DWORD n; WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), "hi\n", 3, &n, 0); ExitProcess(3); }
