/*
 * udpload.c - a small UDP load generator and servers for benchmarks/udp-peers.sh (loopback only).
 *
 *   udpload echo  -p PORT[,PORT...] [-d MAXSEC]     answer every datagram with itself (recvmmsg/sendmmsg)
 *   udpload sink  -p PORT[,PORT...] [-d MAXSEC]     count datagrams; print "MS COUNT BYTES" every 100 ms
 *   udpload rr    -t PORT -s SOCKETS -w WINDOW -l LEN -d SECONDS [-W WARMUP]
 *                 closed loop: SOCKETS client sockets (one flow each) keep WINDOW requests of LEN bytes in
 *                 flight; prints "replies N rate R/s p50_us P p99_us Q lost L"
 *   udpload flood -t PORT -s SOCKETS -l LEN -d SECONDS
 *                 open loop: SOCKETS sockets send LEN-byte datagrams as fast as sendmmsg goes; prints
 *                 "sent N rate R/s"
 *
 * Every address is 127.0.0.1. Every mode ends after its time limit (at most 600 s) or on SIGTERM/SIGINT.
 * Build: gcc -O2 -Wall -o udpload udpload.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define MAX_SOCKETS 4096
#define MAX_PORTS 16
#define MAX_LEN 65507
#define MAX_SECONDS 600

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void) s; stop = 1; }

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t) t.tv_sec * 1000000000ull + (uint64_t) t.tv_nsec;
}

static void die(const char *what) { perror(what); exit(1); }

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t) port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static int udp_socket(int port, int bufsize) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket");
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
    struct sockaddr_in a = loopback(port);
    if (bind(fd, (struct sockaddr *) &a, sizeof a) < 0) die("bind");
    return fd;
}

/* ---------------------------------------------------------------- servers */

static int serve(int *ports, int nports, int seconds, int echo) {
    int ep = epoll_create1(0);
    int fds[MAX_PORTS];
    for (int i = 0; i < nports; i++) {
        fds[i] = udp_socket(ports[i], 8 << 20);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fds[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
    }
    static char bufs[BATCH][MAX_LEN];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_in from[BATCH];
    uint64_t count = 0, bytes = 0, end = now_ns() + (uint64_t) seconds * 1000000000ull, next_print = 0;
    while (!stop && now_ns() < end) {
        struct epoll_event evs[MAX_PORTS];
        int n = epoll_wait(ep, evs, MAX_PORTS, 100);
        for (int e = 0; e < n; e++) {
            int fd = evs[e].data.fd;
            for (;;) {
                for (int i = 0; i < BATCH; i++) {
                    iov[i].iov_base = bufs[i];
                    iov[i].iov_len = MAX_LEN;
                    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
                    msgs[i].msg_hdr.msg_iov = &iov[i];
                    msgs[i].msg_hdr.msg_iovlen = 1;
                    msgs[i].msg_hdr.msg_name = &from[i];
                    msgs[i].msg_hdr.msg_namelen = sizeof from[i];
                }
                int got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
                if (got <= 0) break;
                count += (uint64_t) got;
                for (int i = 0; i < got; i++) {
                    bytes += msgs[i].msg_len;
                    iov[i].iov_len = msgs[i].msg_len;
                }
                if (echo) {
                    int off = 0;
                    while (off < got) {
                        int s = sendmmsg(fd, msgs + off, (unsigned) (got - off), 0);
                        if (s <= 0) break;
                        off += s;
                    }
                }
                if (got < BATCH) break;
            }
        }
        uint64_t t = now_ns();
        if (!echo && t >= next_print) {
            printf("%llu %llu %llu\n", (unsigned long long) (t / 1000000), (unsigned long long) count,
                   (unsigned long long) bytes);
            fflush(stdout);
            next_print = t + 100000000ull;
        }
    }
    printf("%s %llu datagrams %llu bytes\n", echo ? "echoed" : "received", (unsigned long long) count,
           (unsigned long long) bytes);
    return 0;
}

/* ---------------------------------------------------------------- clients */

struct flow {
    int fd;
    int inflight;
    uint64_t last_reply;
};

/* latency histogram: 1 us buckets up to 10 ms, then one overflow bucket */
#define HBUCKETS 10001
static uint64_t hist[HBUCKETS];

static uint64_t percentile(double p, uint64_t total) {
    uint64_t want = (uint64_t) (p * (double) total), seen = 0;
    for (int i = 0; i < HBUCKETS; i++) {
        seen += hist[i];
        if (seen > want) return (uint64_t) i;
    }
    return HBUCKETS - 1;
}

static int send_requests(struct flow *f, int k, int len, char *buf) {
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    if (k > BATCH) k = BATCH;
    uint64_t t = now_ns();
    memcpy(buf, &t, sizeof t);
    for (int i = 0; i < k; i++) {
        iov[i].iov_base = buf;
        iov[i].iov_len = (size_t) len;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int s = sendmmsg(f->fd, msgs, (unsigned) k, 0);
    if (s > 0) f->inflight += s;
    return s;
}

static int run_rr(int port, int nsock, int window, int len, int seconds, int warmup) {
    static char sendbuf[MAX_LEN], bufs[BATCH][MAX_LEN];
    struct flow *flows = calloc((size_t) nsock, sizeof *flows);
    int ep = epoll_create1(0);
    struct sockaddr_in to = loopback(port);
    memset(sendbuf, 'x', sizeof sendbuf);
    for (int i = 0; i < nsock; i++) {
        flows[i].fd = udp_socket(0, 1 << 20);
        if (connect(flows[i].fd, (struct sockaddr *) &to, sizeof to) < 0) die("connect");
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t) i};
        epoll_ctl(ep, EPOLL_CTL_ADD, flows[i].fd, &ev);
    }
    uint64_t start = now_ns(), measure_from = start + (uint64_t) warmup * 1000000000ull;
    uint64_t end = measure_from + (uint64_t) seconds * 1000000000ull;
    uint64_t replies = 0, lost = 0, measured = 0, errors = 0;
    for (int i = 0; i < nsock; i++) {
        send_requests(&flows[i], window, len, sendbuf);
        flows[i].last_reply = start;
    }
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t next_check = start + 50000000ull;
    while (!stop) {
        uint64_t t = now_ns();
        if (t >= end) break;
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, 10);
        for (int e = 0; e < n; e++) {
            struct flow *f = &flows[evs[e].data.u32];
            for (;;) {
                for (int i = 0; i < BATCH; i++) {
                    iov[i].iov_base = bufs[i];
                    iov[i].iov_len = MAX_LEN;
                    memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
                    msgs[i].msg_hdr.msg_iov = &iov[i];
                    msgs[i].msg_hdr.msg_iovlen = 1;
                }
                int got = recvmmsg(f->fd, msgs, BATCH, MSG_DONTWAIT, NULL);
                if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    errors++; /* ECONNREFUSED: nobody listened */
                    f->inflight = 0;
                    break;
                }
                if (got <= 0) break;
                uint64_t r = now_ns();
                for (int i = 0; i < got; i++) {
                    if (msgs[i].msg_len >= sizeof(uint64_t) && r >= measure_from) {
                        uint64_t sent;
                        memcpy(&sent, bufs[i], sizeof sent);
                        uint64_t us = (r - sent) / 1000;
                        hist[us < HBUCKETS ? us : HBUCKETS - 1]++;
                        measured++;
                    }
                }
                replies += (uint64_t) got;
                f->inflight -= got;
                if (f->inflight < 0) f->inflight = 0;
                f->last_reply = r;
                if (got < BATCH) break;
            }
            if (f->inflight < window) send_requests(f, window - f->inflight, len, sendbuf);
        }
        if (t >= next_check) { /* a flow waiting 200 ms for its replies lost them: start it again */
            t = now_ns(); /* (replies handled above may be newer than the t of this round) */
            for (int i = 0; i < nsock; i++) {
                if (flows[i].inflight > 0 && t > flows[i].last_reply && t - flows[i].last_reply > 200000000ull) {
                    lost += (uint64_t) flows[i].inflight;
                    flows[i].inflight = 0;
                    flows[i].last_reply = t;
                    send_requests(&flows[i], window, len, sendbuf);
                }
            }
            next_check = t + 50000000ull;
        }
    }
    double secs = (double) (now_ns() - measure_from) / 1e9;
    printf("replies %llu rate %.0f p50_us %llu p99_us %llu lost %llu errors %llu\n", (unsigned long long) measured,
           secs > 0 ? (double) measured / secs : 0.0, (unsigned long long) percentile(0.50, measured),
           (unsigned long long) percentile(0.99, measured), (unsigned long long) lost, (unsigned long long) errors);
    (void) replies;
    return 0;
}

static int run_flood(int port, int nsock, int len, int seconds) {
    static char buf[MAX_LEN];
    memset(buf, 'y', sizeof buf);
    struct sockaddr_in to = loopback(port);
    int fds[MAX_SOCKETS];
    for (int i = 0; i < nsock; i++) {
        fds[i] = udp_socket(0, 4 << 20);
        if (connect(fds[i], (struct sockaddr *) &to, sizeof to) < 0) die("connect");
    }
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buf;
        iov[i].iov_len = (size_t) len;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    uint64_t start = now_ns(), end = start + (uint64_t) seconds * 1000000000ull, sent = 0;
    for (int k = 0; !stop; k = (k + 1) % nsock) {
        if ((k & 15) == 0 && now_ns() >= end) break;
        int s = sendmmsg(fds[k], msgs, 8, MSG_DONTWAIT);
        if (s > 0) sent += (uint64_t) s;
    }
    double secs = (double) (now_ns() - start) / 1e9;
    printf("sent %llu rate %.0f\n", (unsigned long long) sent, (double) sent / secs);
    return 0;
}

/* ---------------------------------------------------------------- main */

static int parse_ports(const char *s, int *ports) {
    int n = 0;
    char *copy = strdup(s), *save = NULL;
    for (char *p = strtok_r(copy, ",", &save); p && n < MAX_PORTS; p = strtok_r(NULL, ",", &save)) {
        ports[n++] = atoi(p);
    }
    free(copy);
    return n;
}

static int bounded(int v, int lo, int hi, const char *what) {
    if (v < lo || v > hi) {
        fprintf(stderr, "udpload: %s: %d (expected: %d-%d)\n", what, v, lo, hi);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: udpload echo|sink|rr|flood OPTIONS (see the source)\n");
        return 2;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    const char *mode = argv[1];
    int ports[MAX_PORTS], nports = 0, target = 0, nsock = 16, window = 1, len = 64, seconds = 5, warmup = 0;
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "p:t:s:w:l:d:W:")) != -1) {
        switch (opt) {
            case 'p': nports = parse_ports(optarg, ports); break;
            case 't': target = atoi(optarg); break;
            case 's': nsock = atoi(optarg); break;
            case 'w': window = atoi(optarg); break;
            case 'l': len = atoi(optarg); break;
            case 'd': seconds = atoi(optarg); break;
            case 'W': warmup = atoi(optarg); break;
            default: return 2;
        }
    }
    bounded(seconds, 1, MAX_SECONDS, "-d");
    bounded(warmup, 0, 60, "-W");
    if (!strcmp(mode, "echo") || !strcmp(mode, "sink")) {
        bounded(nports, 1, MAX_PORTS, "ports");
        return serve(ports, nports, seconds, !strcmp(mode, "echo"));
    }
    bounded(target, 1, 65535, "-t");
    bounded(nsock, 1, MAX_SOCKETS, "-s");
    bounded(len, (int) sizeof(uint64_t), MAX_LEN, "-l");
    if (!strcmp(mode, "rr")) return run_rr(target, nsock, bounded(window, 1, BATCH, "-w"), len, seconds, warmup);
    if (!strcmp(mode, "flood")) return run_flood(target, nsock, len, seconds);
    fprintf(stderr, "udpload: unknown mode %s\n", mode);
    return 2;
}
