/* Writes a .lnk through the shell's own IShellLinkW + IPersistFile, the way installers do.
 * Used once under Wine to produce the sample shortcuts in this folder (see README.md).
 *
 * build: x86_64-w64-mingw32-gcc -municode -static -Os make-lnk.c -o make-lnk.exe -lole32 -luuid
 * usage: make-lnk.exe OUT.lnk TARGET [ARGS [WORKDIR [DESCRIPTION [RELATIVE]]]] ("" skips one) */
#define COBJMACROS
#include <windows.h>
#include <objbase.h>
#include <shlobj.h>
#include <shobjidl.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
    if (argc < 3) {
        fwprintf(stderr, L"usage: make-lnk.exe OUT.lnk TARGET [ARGS [WORKDIR [DESCRIPTION [RELATIVE]]]]\n");
        return 2;
    }
    IShellLinkW *link = NULL;
    IPersistFile *file = NULL;
    HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    if (SUCCEEDED(hr)) hr = CoCreateInstance(&CLSID_ShellLink, NULL, CLSCTX_INPROC_SERVER, &IID_IShellLinkW, (void **)&link);
    if (SUCCEEDED(hr)) hr = IShellLinkW_SetPath(link, argv[2]);
    if (SUCCEEDED(hr) && argc > 3 && argv[3][0]) hr = IShellLinkW_SetArguments(link, argv[3]);
    if (SUCCEEDED(hr) && argc > 4 && argv[4][0]) hr = IShellLinkW_SetWorkingDirectory(link, argv[4]);
    if (SUCCEEDED(hr) && argc > 5 && argv[5][0]) hr = IShellLinkW_SetDescription(link, argv[5]);
    if (SUCCEEDED(hr) && argc > 6 && argv[6][0]) hr = IShellLinkW_SetRelativePath(link, argv[6], 0);
    if (SUCCEEDED(hr)) hr = IShellLinkW_QueryInterface(link, &IID_IPersistFile, (void **)&file);
    if (SUCCEEDED(hr)) hr = IPersistFile_Save(file, argv[1], TRUE);
    if (file) IPersistFile_Release(file);
    if (link) IShellLinkW_Release(link);
    CoUninitialize();
    if (FAILED(hr)) {
        fwprintf(stderr, L"make-lnk: failed (hr=0x%08lx)\n", (unsigned long)hr);
        return 1;
    }
    return 0;
}
