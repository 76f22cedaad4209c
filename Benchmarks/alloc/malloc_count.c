/* malloc_count.so: counts heap allocations, for LD_PRELOAD.
 *
 * Every malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, valloc and pvalloc call adds one to a
 * process-wide counter, then forwards to glibc's own implementation (__libc_*). The benchmarks read the counter
 * through dlsym(RTLD_DEFAULT, "vtxbench_malloc_count") around a measured window; frees are counted separately. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);
extern void *__libc_memalign(size_t, size_t);

static _Atomic uint64_t allocations;
static _Atomic uint64_t frees;

#define COUNT(counter) atomic_fetch_add_explicit(&(counter), 1, memory_order_relaxed)
#define EXPORT __attribute__((visibility("default")))

EXPORT uint64_t vtxbench_malloc_count(void) { return atomic_load_explicit(&allocations, memory_order_relaxed); }
EXPORT uint64_t vtxbench_free_count(void) { return atomic_load_explicit(&frees, memory_order_relaxed); }

EXPORT void *malloc(size_t size) {
    COUNT(allocations);
    return __libc_malloc(size);
}

EXPORT void *calloc(size_t count, size_t size) {
    COUNT(allocations);
    return __libc_calloc(count, size);
}

EXPORT void *realloc(void *pointer, size_t size) {
    COUNT(allocations);
    return __libc_realloc(pointer, size);
}

EXPORT void free(void *pointer) {
    if (pointer) COUNT(frees);
    __libc_free(pointer);
}

EXPORT void *memalign(size_t alignment, size_t size) {
    COUNT(allocations);
    return __libc_memalign(alignment, size);
}

EXPORT void *aligned_alloc(size_t alignment, size_t size) {
    COUNT(allocations);
    return __libc_memalign(alignment, size);
}

EXPORT int posix_memalign(void **result, size_t alignment, size_t size) {
    if (alignment < sizeof(void *) || (alignment & (alignment - 1)) != 0) return EINVAL;
    COUNT(allocations);
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer && size) return ENOMEM;
    *result = pointer;
    return 0;
}

EXPORT void *valloc(size_t size) {
    COUNT(allocations);
    return __libc_memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

EXPORT void *pvalloc(size_t size) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    COUNT(allocations);
    return __libc_memalign(page, (size + page - 1) / page * page);
}

/* With VTXBENCH_MALLOC_REPORT=path in the environment, the counts are appended to that file at exit, one line
 * "allocations=N frees=M" per process, for programs that do not read the counter themselves (the libzmq perf
 * programs, `vtx perf`; see Benchmarks/roundtrip-costs.sh). */
#include <stdio.h>
#include <stdlib.h>

__attribute__((destructor)) static void report_at_exit(void) {
    const char *path = getenv("VTXBENCH_MALLOC_REPORT");
    if (path == NULL || *path == '\0') return;
    FILE *file = fopen(path, "a");
    if (file == NULL) return;
    fprintf(file, "allocations=%llu frees=%llu\n", (unsigned long long)vtxbench_malloc_count(),
            (unsigned long long)vtxbench_free_count());
    fclose(file);
}
