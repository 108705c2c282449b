#include "heap_count.h"
#include <malloc.h>

size_t heap_count_allocated(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}
