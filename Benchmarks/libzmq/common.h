/* Shared helpers for the libzmq side of the VTX benchmarks (see docs/PERFORMANCE.md). */
#ifndef VTXBENCH_COMMON_H
#define VTXBENCH_COMMON_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void die(const char *what) {
    fprintf(stderr, "%s: %s\n", what, zmq_strerror(zmq_errno()));
    exit(2);
}

/* Sends one message of `size` bytes, filled as the Swift side fills its frames. */
static inline void send_filled(void *socket, size_t size) {
    zmq_msg_t msg;
    if (zmq_msg_init_size(&msg, size) != 0) die("zmq_msg_init_size");
    memset(zmq_msg_data(&msg), 0x5A, size);
    if (zmq_msg_send(&msg, socket, 0) < 0) die("zmq_msg_send");
}

/* Receives one message into `msg` (initialised by the caller) and checks its size. */
static inline void recv_checked(void *socket, zmq_msg_t *msg, size_t size) {
    if (zmq_msg_recv(msg, socket, 0) < 0) die("zmq_msg_recv");
    if (zmq_msg_size(msg) != size) {
        fprintf(stderr, "received a message of the wrong size\n");
        exit(2);
    }
}

static inline void parse_args(int argc, char **argv, const char *usage, size_t *size, long *count) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        exit(2);
    }
    *size = (size_t)strtoul(argv[1], NULL, 10);
    *count = strtol(argv[2], NULL, 10);
    if (*count < 2) {
        fprintf(stderr, "count must be at least 2\n");
        exit(2);
    }
}

/* The counter exported by Benchmarks/alloc/malloc_count.c when it is preloaded, or NULL. */
typedef uint64_t (*counter_fn)(void);
static inline counter_fn allocation_counter(void) {
    return (counter_fn)dlsym(RTLD_DEFAULT, "vtxbench_malloc_count");
}

#endif
