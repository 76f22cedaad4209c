/* zmq_remote_thr ENDPOINT SIZE COUNT: the sending side of the separate-process throughput test.
 * A PUSH connects to ENDPOINT and sends COUNT new messages of SIZE bytes, filled with memset. It then waits (at
 * most HANG_UP_WAIT_MS, untimed) until the receiver has hung up, and closes; with the default linger zmq_ctx_term
 * waits until everything has been flushed. The wait keeps the connection from ending under a receiver that is
 * still working through a full pipe: libzmq's receiver then drops what is still in the kernel over ipc (libzmq
 * issue #4660). Prints nothing unless the malloc counter is preloaded, as `vtx-bench remote-thr`. */
#include "common.h"

#define HANG_UP_WAIT_MS 20000
#define MONITOR_ENDPOINT "inproc://zmq-remote-thr-monitor"

/* Waits for ZMQ_EVENT_DISCONNECTED on `monitor` (a PAIR connected to the socket's monitor), or gives up. */
static void wait_for_hang_up(void *monitor) {
    int timeout = HANG_UP_WAIT_MS;
    if (zmq_setsockopt(monitor, ZMQ_RCVTIMEO, &timeout, sizeof timeout) != 0) die("zmq_setsockopt");
    for (;;) {
        zmq_msg_t event, address;
        zmq_msg_init(&event);
        zmq_msg_init(&address);
        if (zmq_msg_recv(&event, monitor, 0) < 0) return; /* timed out */
        uint16_t kind = 0;
        if (zmq_msg_size(&event) >= sizeof kind) memcpy(&kind, zmq_msg_data(&event), sizeof kind);
        if (zmq_msg_more(&event) && zmq_msg_recv(&address, monitor, 0) < 0) die("zmq_msg_recv (monitor)");
        zmq_msg_close(&event);
        zmq_msg_close(&address);
        if (kind == ZMQ_EVENT_DISCONNECTED) return;
    }
}

int main(int argc, char **argv) {
    struct role role;
    role_open(&role, argc, argv, ZMQ_PUSH, 0, 0);
    if (zmq_socket_monitor(role.socket, MONITOR_ENDPOINT, ZMQ_EVENT_DISCONNECTED) != 0) die("zmq_socket_monitor");
    void *monitor = zmq_socket(role.ctx, ZMQ_PAIR);
    if (!monitor || zmq_connect(monitor, MONITOR_ENDPOINT) != 0) die("monitor connect");
    if (zmq_connect(role.socket, role.endpoint) != 0) die("zmq_connect");

    uint64_t allocations_before = allocations_now();
    for (long i = 0; i < role.count; i++) send_filled(role.socket, role.size);
    wait_for_hang_up(monitor);
    zmq_socket_monitor(role.socket, NULL, 0);
    zmq_close(monitor);
    role_close(&role);
    print_allocations(allocations_now() - allocations_before, role.count);
    return 0;
}
