// A czmq zbeacon peer for the VTX beacon interop test (Tests/VTXUDPTests/BeaconTests.swift), which builds it with
// gcc and runs it inside a network namespace of its own, never on a real network.
//
//   zbeacon_peer PORT PUBLISH_TEXT SUBSCRIBE_PREFIX COUNT TIMEOUT_MS
//
// Publishes PUBLISH_TEXT every 100 ms, subscribes to SUBSCRIBE_PREFIX, prints "hostname H", then one line
// "heard IP HEX" per beacon heard; exits 0 three seconds after COUNT beacons (still publishing), 1 when TIMEOUT_MS
// passes without one.
#include <czmq.h>

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: zbeacon_peer PORT PUBLISH_TEXT SUBSCRIBE_PREFIX COUNT TIMEOUT_MS\n");
        return 64;
    }
    int port = atoi(argv[1]);
    int count = atoi(argv[4]);
    zactor_t *beacon = zactor_new(zbeacon, NULL);
    if (!beacon) return 2;
    zsock_send(beacon, "si", "CONFIGURE", port);
    char *hostname = zstr_recv(beacon);
    printf("hostname %s\n", hostname && *hostname ? hostname : "(none)");
    fflush(stdout);
    if (!hostname || !*hostname) return 2;
    zstr_free(&hostname);
    zsock_send(beacon, "sbi", "PUBLISH", argv[2], strlen(argv[2]), 100);
    zsock_send(beacon, "sb", "SUBSCRIBE", argv[3], strlen(argv[3]));
    zsock_set_rcvtimeo(beacon, atoi(argv[5]));
    int heard = 0;
    while (heard < count) {
        char *ip = zstr_recv(beacon);
        if (!ip) break;
        zframe_t *frame = zframe_recv(beacon);
        printf("heard %s ", ip);
        if (frame) {
            byte *data = zframe_data(frame);
            for (size_t i = 0; i < zframe_size(frame); i++) printf("%02x", data[i]);
            zframe_destroy(&frame);
        }
        printf("\n");
        fflush(stdout);
        zstr_free(&ip);
        heard++;
    }
    // Keep publishing a while, so that a peer started later still hears us.
    if (heard >= count) zclock_sleep(3000);
    zactor_destroy(&beacon);
    return heard >= count ? 0 : 1;
}
