/* zmq_lat SIZE ROUNDTRIPS: libzmq inproc latency, REQ (main thread) <-> REP echo (worker thread).
 * After WARMUP untimed round trips, prints elapsed / (ROUNDTRIPS * 2) in microseconds, and the percentiles of
 * the timed round trips (one-way: half a round trip; see percentiles.h). */
#include "common.h"
#include "percentiles.h"
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

/* `count` round trips, each timed into `trips` (when not NULL). */
static void round_trips(void *req, long count, struct round_trips *trips) {
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t sent = now_ns();
    for (long i = 0; i < count; i++) {
        send_filled(req, g_size);
        recv_checked(req, &msg, g_size);
        uint64_t received = now_ns();
        if (trips) round_trips_record(trips, received - sent);
        sent = received;
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

    struct round_trips trips;
    round_trips_init(&trips, g_roundtrips);
    round_trips(req, WARMUP, NULL);
    uint64_t start = now_ns();
    round_trips(req, g_roundtrips, &trips);
    uint64_t elapsed = now_ns() - start;

    pthread_join(worker, NULL);
    zmq_close(req);
    zmq_ctx_term(ctx);

    char summary[256];
    round_trips_summary(&trips, summary, sizeof summary);
    round_trips_free(&trips);
    printf("lat impl=libzmq size=%zu roundtrips=%ld elapsed_us=%llu latency_us=%.3f %s\n", g_size, g_roundtrips,
           (unsigned long long)(elapsed / 1000), (double)elapsed / 1000 / (double)(g_roundtrips * 2), summary);
    return 0;
}
