// The raw-socket baseline of Benchmarks/run-udp.sh: plain sendto/recv on loopback, one message per datagram, no
// reliability, no batching. Every address is 127.0.0.1.
//
//   raw_udp sink PORT SIZE COUNT     receive until COUNT datagrams or 1 s of silence; print the rate received
//   raw_udp source PORT SIZE COUNT   send COUNT datagrams of SIZE bytes as fast as sendto allows
//   raw_udp pong PORT SIZE COUNT     echo COUNT datagrams back to their sender
//   raw_udp ping PORT SIZE COUNT     time COUNT round trips; print the one-way latency (half a round trip)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: raw_udp sink|source|pong|ping PORT SIZE COUNT\n");
        return 64;
    }
    const char *mode = argv[1];
    int port = atoi(argv[2]);
    size_t size = (size_t)atol(argv[3]);
    long count = atol(argv[4]);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buffer = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    char *data = calloc(1, size > 65536 ? size : 65536);
    struct sockaddr_in peer = loopback(port);
    if (!strcmp(mode, "sink") || !strcmp(mode, "pong")) {
        struct sockaddr_in self = loopback(port);
        if (bind(fd, (struct sockaddr *)&self, sizeof self) != 0) { perror("bind"); return 1; }
    }
    if (!strcmp(mode, "sink")) {
        struct timeval idle = {1, 0};
        long received = 0;
        double first = 0, last = 0;
        while (received < count) {
            if (received == 1) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
            if (recv(fd, data, 65536, 0) < 0) break;
            last = now();
            if (received++ == 0) first = last;
        }
        double rate = received > 1 && last > first ? (received - 1) / (last - first) : 0;
        printf("raw udp sink: %ld of %ld datagrams of %zu B, %.0f msg/s\n", received, count, size, rate);
    } else if (!strcmp(mode, "source")) {
        for (long i = 0; i < count; i++) sendto(fd, data, size, 0, (struct sockaddr *)&peer, sizeof peer);
    } else if (!strcmp(mode, "pong")) {
        for (long i = 0; i < count; i++) {
            struct sockaddr_in from;
            socklen_t length = sizeof from;
            ssize_t n = recvfrom(fd, data, 65536, 0, (struct sockaddr *)&from, &length);
            if (n < 0) break;
            sendto(fd, data, (size_t)n, 0, (struct sockaddr *)&from, length);
        }
    } else if (!strcmp(mode, "ping")) {
        struct timeval wait = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        double start = now();
        for (long i = 0; i < count; i++) {
            sendto(fd, data, size, 0, (struct sockaddr *)&peer, sizeof peer);
            if (recv(fd, data, 65536, 0) < 0) { fprintf(stderr, "ping: lost a datagram\n"); return 1; }
        }
        printf("raw udp ping: %ld round trips of %zu B, %.3f us one way\n", count, size, (now() - start) / count / 2 * 1e6);
    }
    return 0;
}
