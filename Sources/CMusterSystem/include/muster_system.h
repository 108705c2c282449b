#ifndef MUSTER_SYSTEM_H
#define MUSTER_SYSTEM_H

/// Flushes every dirty page of the file system that holds `fd` (Linux `syncfs`); elsewhere
/// falls back to `sync`. Returns 0, or -1 with errno set.
int muster_syncfs(int fd);

/// Sets the nice value of the calling thread alone (Linux, where each thread has its own);
/// elsewhere does nothing. Returns 0, or -1 with errno set.
int muster_set_thread_nice(int nice);

/// Hands the heap's free pages back to the kernel (glibc `malloc_trim(0)`); elsewhere does
/// nothing. Called once after recovery, whose decoding leaves freed memory behind.
void muster_release_free_memory(void);

#endif
