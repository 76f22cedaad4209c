/* Shared helpers for the libzmq side of the VTX benchmarks (see docs/PERFORMANCE.md). */
#ifndef VTXBENCH_COMMON_H
#define VTXBENCH_COMMON_H

#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
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

/* The CURVE key pairs of libzmq's doc/zmq_curve.txt, which vtx-bench uses too (Z85). */
#define BENCH_SERVER_PUBLIC "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
#define BENCH_SERVER_SECRET "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
#define BENCH_CLIENT_PUBLIC "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define BENCH_CLIENT_SECRET "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

/* A ZAP handler that admits every request (PLAIN needs one in libzmq); runs until the context terminates. */
static void *admit_everyone(void *ctx) {
    void *handler = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    zmq_setsockopt(handler, ZMQ_LINGER, &linger, sizeof linger);
    if (zmq_bind(handler, "inproc://zeromq.zap.01") != 0) die("zap bind");
    for (;;) {
        char frames[8][256];
        int count = 0, more = 1;
        while (more) {
            int n = zmq_recv(handler, count < 8 ? frames[count] : frames[7], 255, 0);
            if (n < 0) {
                zmq_close(handler);
                return NULL;
            }
            if (count < 8) frames[count][n < 255 ? n : 255] = 0;
            count++;
            size_t size = sizeof more;
            zmq_getsockopt(handler, ZMQ_RCVMORE, &more, &size);
        }
        zmq_send(handler, "1.0", 3, ZMQ_SNDMORE);
        zmq_send(handler, frames[1], strlen(frames[1]), ZMQ_SNDMORE);
        zmq_send(handler, "200", 3, ZMQ_SNDMORE);
        zmq_send(handler, "OK", 2, ZMQ_SNDMORE);
        zmq_send(handler, "bench", 5, ZMQ_SNDMORE);
        zmq_send(handler, "", 0, 0);
    }
}

/* The security mechanism of VTX_BENCH_MECHANISM (null, the default; plain; curve): the binding side is the
 * server, the connecting side the client, with the keys above. */
static inline void apply_mechanism(void *ctx, void *socket, int server) {
    const char *mechanism = getenv("VTX_BENCH_MECHANISM");
    if (!mechanism || strcmp(mechanism, "null") == 0) return;
    int on = 1;
    if (strcmp(mechanism, "curve") == 0) {
        if (server) {
            if (zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &on, sizeof on) != 0) die("ZMQ_CURVE_SERVER");
            if (zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, BENCH_SERVER_SECRET, 40) != 0) die("ZMQ_CURVE_SECRETKEY");
        } else {
            if (zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, BENCH_SERVER_PUBLIC, 40) != 0) die("ZMQ_CURVE_SERVERKEY");
            if (zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, BENCH_CLIENT_PUBLIC, 40) != 0) die("ZMQ_CURVE_PUBLICKEY");
            if (zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, BENCH_CLIENT_SECRET, 40) != 0) die("ZMQ_CURVE_SECRETKEY");
        }
    } else if (strcmp(mechanism, "plain") == 0) {
        if (server) {
            pthread_t zap;
            if (pthread_create(&zap, NULL, admit_everyone, ctx) != 0) die("pthread_create");
            pthread_detach(zap);
            if (zmq_setsockopt(socket, ZMQ_PLAIN_SERVER, &on, sizeof on) != 0) die("ZMQ_PLAIN_SERVER");
        } else {
            if (zmq_setsockopt(socket, ZMQ_PLAIN_USERNAME, "bench", 5) != 0) die("ZMQ_PLAIN_USERNAME");
            if (zmq_setsockopt(socket, ZMQ_PLAIN_PASSWORD, "bench", 5) != 0) die("ZMQ_PLAIN_PASSWORD");
        }
    } else {
        fprintf(stderr, "VTX_BENCH_MECHANISM must be null, plain or curve, not %s\n", mechanism);
        exit(2);
    }
}

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
    apply_mechanism(role->ctx, role->socket, bind);
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
