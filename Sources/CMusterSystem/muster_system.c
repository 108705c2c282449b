#define _GNU_SOURCE
#include <unistd.h>
#include "muster_system.h"

int muster_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    (void)fd;
    sync();
    return 0;
#endif
}
