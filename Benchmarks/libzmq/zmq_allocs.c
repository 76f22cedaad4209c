/* zmq_allocs MODE SIZE COUNT [BATCH]: heap allocations in libzmq over inproc, counted over COUNT messages (or
 * round trips) after a warm-up of COUNT; needs Benchmarks/bin/malloc_count.so in LD_PRELOAD.
 *   MODE pushpull: PUSH -> PULL in one thread, sending BATCH messages (default 100) then receiving them;
 *                  allocations per message
 *   MODE mt:       PUSH (worker thread) -> PULL (main thread) as in zmq_thr; the counter is read by the receiver
 *                  and counts both threads; allocations per message
 *   MODE reqrep:   REQ <-> REP in one thread, lock-step; allocations per round trip
 * The same procedures as `vtx-bench allocs`, `allocs-mt` and `allocs-reqrep`, for context. */
#include "common.h"
#include <pthread.h>

struct pusher_args {
    void *ctx;
    size_t size;
    long count;
};

static void *pusher(void *raw) {
    struct pusher_args *args = raw;
    void *push = zmq_socket(args->ctx, ZMQ_PUSH);
    if (!push || zmq_connect(push, "inproc://alloc_test") != 0) die("push connect");
    for (long i = 0; i < args->count; i++) send_filled(push, args->size);
    zmq_close(push);
    return NULL;
}

static void receive_n(void *pull, size_t size, long count) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < count; i++) recv_checked(pull, &msg, size);
    zmq_msg_close(&msg);
}

static void batches(void *push, void *pull, size_t size, long count, long batch) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long left = count; left > 0;) {
        long n = left < batch ? left : batch;
        for (long i = 0; i < n; i++) send_filled(push, size);
        for (long i = 0; i < n; i++) recv_checked(pull, &msg, size);
        left -= n;
    }
    zmq_msg_close(&msg);
}

static void lock_step(void *req, void *rep, size_t size, long count) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < count; i++) {
        send_filled(req, size);
        recv_checked(rep, &msg, size);
        if (zmq_msg_send(&msg, rep, 0) < 0) die("zmq_msg_send");
        recv_checked(req, &msg, size);
    }
    zmq_msg_close(&msg);
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: %s pushpull|mt|reqrep SIZE COUNT [BATCH]\n", argv[0]);
        return 2;
    }
    int reqrep = strcmp(argv[1], "reqrep") == 0;
    int mt = strcmp(argv[1], "mt") == 0;
    if (!reqrep && !mt && strcmp(argv[1], "pushpull") != 0) {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    size_t size = (size_t)strtoul(argv[2], NULL, 10);
    long count = strtol(argv[3], NULL, 10);
    long batch = argc == 5 ? strtol(argv[4], NULL, 10) : 100;
    if (count < 1 || batch < 1) {
        fprintf(stderr, "count and batch must be positive\n");
        return 2;
    }
    counter_fn counter = allocation_counter();
    if (!counter) {
        fprintf(stderr, "the malloc-counting shim is not preloaded\n");
        return 2;
    }
    void *ctx = zmq_ctx_new();
    if (mt) {
        void *pull = zmq_socket(ctx, ZMQ_PULL);
        if (!pull || zmq_bind(pull, "inproc://alloc_test") != 0) die("pull bind");
        struct pusher_args args = {ctx, size, 2 * count};
        pthread_t worker;
        if (pthread_create(&worker, NULL, pusher, &args) != 0) die("pthread_create");
        receive_n(pull, size, count);
        uint64_t start = counter();
        receive_n(pull, size, count);
        uint64_t allocated_mt = counter() - start;
        pthread_join(worker, NULL);
        zmq_close(pull);
        zmq_ctx_term(ctx);
        printf("allocs impl=libzmq mode=two-threads size=%zu count=%ld allocs=%llu allocs_per_msg=%.4f\n", size, count,
               (unsigned long long)allocated_mt, (double)allocated_mt / (double)count);
        return 0;
    }
    void *server = zmq_socket(ctx, reqrep ? ZMQ_REP : ZMQ_PULL);
    if (!server || zmq_bind(server, "inproc://alloc_test") != 0) die("bind");
    void *client = zmq_socket(ctx, reqrep ? ZMQ_REQ : ZMQ_PUSH);
    if (!client || zmq_connect(client, "inproc://alloc_test") != 0) die("connect");

    uint64_t before = 0, allocated;
    if (reqrep) {
        lock_step(client, server, size, count);
        before = counter();
        lock_step(client, server, size, count);
    } else {
        batches(client, server, size, count, batch);
        before = counter();
        batches(client, server, size, count, batch);
    }
    allocated = counter() - before;

    zmq_close(client);
    zmq_close(server);
    zmq_ctx_term(ctx);
    if (reqrep)
        printf("allocs impl=libzmq mode=reqrep size=%zu count=%ld allocs=%llu allocs_per_roundtrip=%.4f\n", size,
               count, (unsigned long long)allocated, (double)allocated / (double)count);
    else
        printf("allocs impl=libzmq mode=pushpull-batch%ld size=%zu count=%ld allocs=%llu allocs_per_msg=%.4f\n",
               batch, size, count, (unsigned long long)allocated, (double)allocated / (double)count);
    return 0;
}
