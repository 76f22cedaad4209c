#ifndef CVTXSHIMS_H
#define CVTXSHIMS_H

#if defined(__linux__)
#include <sys/eventfd.h>

/// Creates a non-blocking, close-on-exec eventfd, or returns -1 and sets errno.
static inline int cvtx_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}
#else
static inline int cvtx_eventfd(void) { return -1; }
#endif

#endif
