#define _GNU_SOURCE
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
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

int muster_set_thread_nice(int nice) {
#ifdef __linux__
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), nice);
#else
    (void)nice;
    return 0;
#endif
}

void muster_release_free_memory(void) {
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
