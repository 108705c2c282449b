#ifndef HEAP_COUNT_H
#define HEAP_COUNT_H
#include <stddef.h>

/// The bytes glibc's allocator has handed out and not had back (small and mmapped chunks).
size_t heap_count_allocated(void);

#endif
