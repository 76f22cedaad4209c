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

/* The current allocation count, or 0 when the counter is not preloaded. */
static inline uint64_t allocations_now(void) {
    counter_fn counter = allocation_counter();
    return counter ? counter() : 0;
}

/* Prints "allocations: N [per msg]" for `allocated` allocations when the counter is preloaded (as vtx-bench does). */
static inline void print_allocations(uint64_t allocated, long messages) {
    if (allocation_counter()) printf("allocations: %.3f [per msg]\n", (double)allocated / (double)messages);
}

/* One of the separate-process roles (zmq_local_thr and friends), from the command line ENDPOINT SIZE COUNT that
 * libzmq's perf tools take: a context with one I/O thread (libzmq's default) and one socket. */
struct role {
    const char *endpoint;
    size_t size;
    long count;
    void *ctx;
    void *socket;
};

/* Parses the arguments and makes the context and a socket of `type` (bound to the endpoint when `bind` is set;
 * else connected to it, unless `connect` is 0, for a caller that sets options first). */
static inline void role_open(struct role *role, int argc, char **argv, int type, int bind, int connect) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ENDPOINT SIZE COUNT\n", argv[0]);
        exit(2);
    }
    role->endpoint = argv[1];
    role->size = (size_t)strtoul(argv[2], NULL, 10);
    role->count = strtol(argv[3], NULL, 10);
    if (role->count < 1) {
        fprintf(stderr, "count must be at least 1\n");
        exit(2);
    }
    role->ctx = zmq_ctx_new();
    if (!role->ctx) die("zmq_ctx_new");
    role->socket = zmq_socket(role->ctx, type);
    if (!role->socket) die("zmq_socket");
    /* VTX_BENCH_CURVE=1: CURVE with libzmq's test keys; the binding side is the server. */
    const char *curve = getenv("VTX_BENCH_CURVE");
    if (curve && strcmp(curve, "1") == 0) {
        int one = 1;
        if (bind) {
            zmq_setsockopt(role->socket, ZMQ_CURVE_SERVER, &one, sizeof one);
            zmq_setsockopt(role->socket, ZMQ_CURVE_SECRETKEY, "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6", 40);
        } else {
            zmq_setsockopt(role->socket, ZMQ_CURVE_SERVERKEY, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", 40);
            zmq_setsockopt(role->socket, ZMQ_CURVE_SECRETKEY, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs", 40);
            zmq_setsockopt(role->socket, ZMQ_CURVE_PUBLICKEY, "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", 40);
        }
    }
    if (bind && zmq_bind(role->socket, role->endpoint) != 0) die("zmq_bind");
    if (!bind && connect && zmq_connect(role->socket, role->endpoint) != 0) die("zmq_connect");
}

/* Closes the socket and terminates the context; with the default linger (-1) this waits until every message
 * sent has been handed to the kernel. */
static inline void role_close(struct role *role) {
    if (zmq_close(role->socket) != 0) die("zmq_close");
    if (zmq_ctx_term(role->ctx) != 0) die("zmq_ctx_term");
}

#endif
