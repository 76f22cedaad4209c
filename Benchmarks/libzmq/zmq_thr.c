/* zmq_thr SIZE COUNT: libzmq inproc throughput, PUSH (worker thread) -> PULL (main thread).
 * The clock starts once the first message has arrived; prints msg/s over the remaining COUNT-1. */
#include "common.h"
#include <pthread.h>

static size_t g_size;
static long g_count;

static void *pusher(void *ctx) {
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (!push || zmq_connect(push, "inproc://thr_test") != 0) die("push connect");
    for (long i = 0; i < g_count; i++) send_filled(push, g_size);
    zmq_close(push);
    return NULL;
}

int main(int argc, char **argv) {
    parse_args(argc, argv, "SIZE COUNT", &g_size, &g_count);
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (!pull || zmq_bind(pull, "inproc://thr_test") != 0) die("pull bind");
    pthread_t worker;
    if (pthread_create(&worker, NULL, pusher, ctx) != 0) die("pthread_create");

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    recv_checked(pull, &msg, g_size);
    uint64_t start = now_ns();
    for (long i = 1; i < g_count; i++) recv_checked(pull, &msg, g_size);
    uint64_t elapsed = now_ns() - start;
    zmq_msg_close(&msg);

    pthread_join(worker, NULL);
    zmq_close(pull);
    zmq_ctx_term(ctx);

    double rate = (double)(g_count - 1) / ((double)elapsed / 1e9);
    printf("thr impl=libzmq size=%zu count=%ld elapsed_us=%llu msgs_per_s=%.0f mbit_per_s=%.1f\n", g_size, g_count,
           (unsigned long long)(elapsed / 1000), rate, rate * (double)g_size * 8 / 1e6);
    return 0;
}
