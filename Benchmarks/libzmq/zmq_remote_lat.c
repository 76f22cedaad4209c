/* zmq_remote_lat ENDPOINT SIZE ROUNDTRIPS: the timing side of the separate-process latency test.
 * A REQ connects to ENDPOINT and times ROUNDTRIPS round trips, each a new SIZE-byte message filled with memset
 * and its echo (size checked); prints elapsed / (ROUNDTRIPS * 2), the one-way latency, as `vtx-bench remote-lat`,
 * and the percentiles of every round trip timed on its own (one-way: half a round trip; see percentiles.h). */
#include "common.h"
#include "percentiles.h"

int main(int argc, char **argv) {
    struct role role;
    role_open(&role, argc, argv, ZMQ_REQ, 0, 1);
    struct round_trips trips;
    round_trips_init(&trips, role.count);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    uint64_t start = now_ns();
    uint64_t sent = start;
    for (long i = 0; i < role.count; i++) {
        send_filled(role.socket, role.size);
        recv_checked(role.socket, &msg, role.size);
        uint64_t received = now_ns();
        round_trips_record(&trips, received - sent);
        sent = received;
    }
    uint64_t elapsed = now_ns() - start;
    zmq_msg_close(&msg);
    role_close(&role);

    char summary[256];
    round_trips_summary(&trips, summary, sizeof summary);
    round_trips_free(&trips);
    printf("message size: %zu [B]\n", role.size);
    printf("roundtrip count: %ld\n", role.count);
    printf("average latency: %.3f [us]\n", (double)elapsed / 1000 / (double)(role.count * 2));
    printf("latency percentiles: %s [us]\n", summary);
    return 0;
}
