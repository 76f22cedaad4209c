/* zmq_local_lat ENDPOINT SIZE ROUNDTRIPS: the echo side of the separate-process latency test.
 * A REP binds ENDPOINT and sends every one of ROUNDTRIPS requests (each size checked) back as it came. */
#include "common.h"

int main(int argc, char **argv) {
    struct role role;
    role_open(&role, argc, argv, ZMQ_REP, 1, 1);
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (long i = 0; i < role.count; i++) {
        recv_checked(role.socket, &msg, role.size);
        if (zmq_msg_send(&msg, role.socket, 0) < 0) die("zmq_msg_send");
    }
    zmq_msg_close(&msg);
    role_close(&role);
    return 0;
}
