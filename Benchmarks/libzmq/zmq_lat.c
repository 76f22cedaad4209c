/* zmq_lat SIZE ROUNDTRIPS: libzmq inproc latency, REQ (main thread) <-> REP echo (worker thread).
 * After WARMUP untimed round trips, prints elapsed / (ROUNDTRIPS * 2) in microseconds. */
#include "common.h"
#include <pthread.h>

#define WARMUP 1000

static size_t g_size;
static long g_roundtrips;

static void *echo(void *ctx) {
    void *rep = zmq_socket(ctx, ZMQ_REP);
    if (!rep || zmq_connect(rep, "inproc://lat_test") != 0) die("rep connect");
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < WARMUP + g_roundtrips; i++) {
        recv_checked(rep, &msg, g_size);
        if (zmq_msg_send(&msg, rep, 0) < 0) die("zmq_msg_send");
    }
    zmq_msg_close(&msg);
    zmq_close(rep);
    return NULL;
}

static void round_trips(void *req, long count) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < count; i++) {
        send_filled(req, g_size);
        recv_checked(req, &msg, g_size);
    }
    zmq_msg_close(&msg);
}

int main(int argc, char **argv) {
    parse_args(argc, argv, "SIZE ROUNDTRIPS", &g_size, &g_roundtrips);
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (!req || zmq_bind(req, "inproc://lat_test") != 0) die("req bind");
    pthread_t worker;
    if (pthread_create(&worker, NULL, echo, ctx) != 0) die("pthread_create");

    round_trips(req, WARMUP);
    uint64_t start = now_ns();
    round_trips(req, g_roundtrips);
    uint64_t elapsed = now_ns() - start;

    pthread_join(worker, NULL);
    zmq_close(req);
    zmq_ctx_term(ctx);

    printf("lat impl=libzmq size=%zu roundtrips=%ld elapsed_us=%llu latency_us=%.3f\n", g_size, g_roundtrips,
           (unsigned long long)(elapsed / 1000), (double)elapsed / 1000 / (double)(g_roundtrips * 2));
    return 0;
}
