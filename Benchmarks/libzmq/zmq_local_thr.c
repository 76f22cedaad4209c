/* zmq_local_thr ENDPOINT SIZE COUNT: the receiving side of the separate-process throughput test.
 * A PULL binds ENDPOINT and receives COUNT messages of SIZE bytes (each size checked). The clock starts when the
 * first message has arrived; prints the mean throughput over the other COUNT-1, as `vtx-bench local-thr` does. */
#include "common.h"

int main(int argc, char **argv) {
    struct role role;
    role_open(&role, argc, argv, ZMQ_PULL, 1, 1);
    if (role.count < 2) {
        fprintf(stderr, "count must be at least 2\n");
        return 2;
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    recv_checked(role.socket, &msg, role.size);
    uint64_t allocations_before = allocations_now();
    uint64_t start = now_ns();
    for (long i = 1; i < role.count; i++) recv_checked(role.socket, &msg, role.size);
    uint64_t elapsed = now_ns() - start;
    uint64_t allocations_after = allocations_now();
    zmq_msg_close(&msg);
    role_close(&role);

    double rate = (double)(role.count - 1) / ((double)elapsed / 1e9);
    printf("message size: %zu [B]\n", role.size);
    printf("message count: %ld\n", role.count);
    printf("mean throughput: %.0f [msg/s]\n", rate);
    printf("mean throughput: %.3f [Mb/s]\n", rate * (double)role.size * 8 / 1e6);
    print_allocations(allocations_after - allocations_before, role.count - 1);
    return 0;
}
