/* bench-ovs: one benchmark written to Open vSwitch's C API, built twice
 * (against OVS 3.1's headers and libopenvswitch.a, and against ovsrpc's
 * include/ and libovsrpc.a) by `make bench-ovs`, which runs both builds
 * alternately and prints the ratios (benches/ovs/run.py).
 *
 * Usage: bench-ovs SCENARIO
 *
 *   parse        json_from_string() of an OVSDB monitor update, 10,000 rows
 *   serialize    json_to_string() of the same tree
 *   notify-100   100-byte notifications over a Unix socket, jsonrpc_send()
 *                per message, received with jsonrpc_recv(), one poll loop
 *   notify-10k   the same with one 10 KB string per notification
 *   notify-rows  the same with about 10 KB of OVSDB rows per notification
 *   round-trips  request/reply: jsonrpc_send() + jsonrpc_recv_block()
 *   poll-loop    main-loop iterations (poll_fd_wait() on 5,000 pipes, one
 *                ready, then poll_block()) per second; also at 10 pipes
 *   memory       peak memory of parsing a ~100 MB OVSDB-shaped document
 *
 * Prints one line, "VALUE UNIT", on stdout: a rate (higher is better) or,
 * for memory, kilobytes (lower is better).  Each measurement runs for at
 * least BENCH_OVS_RUN_MS milliseconds (default 400).  The notification and
 * round-trip lines end with the process's CPU time per message (per round
 * trip), user and system, from getrusage(): "cpu U us user, S us system".
 *
 * Only functions that both libraries provide are used: trees are built by
 * parsing text and inspected through their type, the 'array' member
 * (n, elems) and json_equal(). */

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jsonrpc.h"
#include "openvswitch/json.h"
#include "openvswitch/poll-loop.h"
#include "stream.h"

/* ---- helpers ---- */

static void
fail(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    fprintf(stderr, "bench-ovs: ");
    vfprintf(stderr, format, args);
    fprintf(stderr, "\n");
    va_end(args);
    exit(1);
}

static double
now_sec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double run_time = 0.4;   /* Seconds per measurement, at least. */

/* This process's CPU time so far, user and system, in seconds. */
static void
cpu_times(double *user, double *sys)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    *user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
    *sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Prints ", cpu U us user, S us system" per one of 'n' operations, from
 * the CPU times taken before them. */
static void
print_cpu_per_op(double user0, double sys0, unsigned long long n)
{
    double user, sys;

    cpu_times(&user, &sys);
    printf(", cpu %.3f us user, %.3f us system",
           (user - user0) * 1e6 / n, (sys - sys0) * 1e6 / n);
}

/* A growable string. */
struct text {
    char *s;
    size_t len, cap;
};

static void
text_reserve(struct text *t, size_t more)
{
    if (t->len + more + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 4096;
        while (t->len + more + 1 > cap) {
            cap *= 2;
        }
        t->s = realloc(t->s, cap);
        if (!t->s) {
            fail("out of memory");
        }
        t->cap = cap;
    }
}

static void
text_printf(struct text *t, const char *format, ...)
{
    for (;;) {
        va_list args;
        size_t room = t->cap - t->len;
        int n;

        va_start(args, format);
        n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? room : 0,
                      format, args);
        va_end(args);
        if (n < 0) {
            fail("vsnprintf failed");
        }
        if (t->s && (size_t) n < room) {
            t->len += n;
            return;
        }
        text_reserve(t, n);
    }
}

/* splitmix64: a small deterministic generator, so that both builds parse
 * exactly the same bytes. */
static uint64_t rng_state = 0x0123456789abcdefULL;

static uint64_t
rng(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static void
text_uuid(struct text *t)
{
    uint64_t a = rng(), b = rng();

    text_printf(t, "%08llx-%04llx-%04llx-%04llx-%012llx",
                (unsigned long long) (a >> 32),
                (unsigned long long) ((a >> 16) & 0xffff),
                (unsigned long long) (a & 0xffff),
                (unsigned long long) (b >> 48),
                (unsigned long long) (b & 0xffffffffffffULL));
}

/* One row of OVSDB's Interface table as a monitor update shows it: a UUID
 * key, strings, integers, maps, sets of UUIDs. */
static void
text_row(struct text *t, size_t i)
{
    char mac[18];
    uint64_t m = rng();

    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x",
             (unsigned) (m & 0xff), (unsigned) ((m >> 8) & 0xff),
             (unsigned) ((m >> 16) & 0xff), (unsigned) ((m >> 24) & 0xff),
             (unsigned) ((m >> 32) & 0xff), (unsigned) ((m >> 40) & 0xff));
    text_printf(t, "\"");
    text_uuid(t);
    text_printf(t, "\":{\"new\":{\"name\":\"tap%zu-%llu\",\"type\":\"\","
                "\"ofport\":%llu,\"mtu\":1500,\"admin_state\":\"up\","
                "\"link_state\":\"%s\",\"mac_in_use\":\"%s\","
                "\"ifindex\":%llu,\"link_speed\":10000000000,"
                "\"external_ids\":[\"map\",[[\"attached-mac\",\"%s\"],"
                "[\"iface-id\",\"",
                i, (unsigned long long) (rng() % 0xffff),
                (unsigned long long) (rng() % 65000 + 1),
                rng() & 1 ? "up" : "down", mac,
                (unsigned long long) (rng() % 100000 + 1), mac);
    text_uuid(t);
    text_printf(t, "\"],[\"iface-status\",\"active\"],[\"vm-id\",\"");
    text_uuid(t);
    text_printf(t, "\"]]],\"options\":[\"map\",[]],\"bfd\":[\"map\",[]],"
                "\"cfm_fault\":[\"set\",[]],"
                "\"statistics\":[\"map\",[[\"collisions\",0],"
                "[\"rx_bytes\",%llu],[\"rx_dropped\",%llu],"
                "[\"rx_packets\",%llu],[\"tx_bytes\",%llu],"
                "[\"tx_packets\",%llu]]],"
                "\"ingress_policing_rate\":0,\"ingress_policing_burst\":0,"
                "\"qos\":[\"set\",[[\"uuid\",\"",
                (unsigned long long) (rng() % (1ULL << 40)),
                (unsigned long long) (rng() % 1000),
                (unsigned long long) (rng() % (1ULL << 32)),
                (unsigned long long) (rng() % (1ULL << 40)),
                (unsigned long long) (rng() % (1ULL << 32)));
    text_uuid(t);
    text_printf(t, "\"]]],\"mirrors\":[\"set\",[[\"uuid\",\"");
    text_uuid(t);
    text_printf(t, "\"],[\"uuid\",\"");
    text_uuid(t);
    text_printf(t, "\"]]],\"link_resets\":%llu}}",
                (unsigned long long) (rng() % 20));
}

/* Everything a monitor update has before its params. */
#define UPDATE_PREFIX "{\"id\":null,\"method\":\"update\",\"params\":"

/* A monitor update notification, {"id":null,"method":"update",
 * "params":["monid",{"Interface":{...}}]}, of 'rows' rows, or (with 'rows'
 * zero) of as many rows as it takes to reach 'min_bytes'. */
static struct text
monitor_update(size_t rows, size_t min_bytes)
{
    struct text t = { NULL, 0, 0 };

    text_printf(&t, UPDATE_PREFIX "[\"monid\",{\"Interface\":{");
    for (size_t i = 0; rows ? i < rows : t.len < min_bytes; i++) {
        if (i) {
            text_printf(&t, ",");
        }
        text_row(&t, i);
    }
    text_printf(&t, "}}]}");
    return t;
}

static struct json *
parse_or_fail(const char *s, enum json_type type)
{
    struct json *json = json_from_string(s);

    if (json->type == JSON_STRING) {
        fail("parse error: %s", json_string(json));
    }
    if (json->type != type) {
        fail("parsed document is a %s", json_type_to_string(json->type));
    }
    return json;
}

/* ---- (a), (b): parse and serialize ---- */

static void
bench_parse(void)
{
    struct text t = monitor_update(10000, 0);
    size_t n = 0;
    double start, elapsed;

    json_destroy(parse_or_fail(t.s, JSON_OBJECT));   /* Warm-up. */
    start = now_sec();
    do {
        json_destroy(parse_or_fail(t.s, JSON_OBJECT));
        n++;
    } while ((elapsed = now_sec() - start) < run_time);
    printf("%.1f MB/s (%zu bytes)\n", n * t.len / elapsed / 1e6, t.len);
    free(t.s);
}

static void
bench_serialize(void)
{
    struct text t = monitor_update(10000, 0);
    struct json *tree = parse_or_fail(t.s, JSON_OBJECT);
    size_t n = 0, out_len = 0;
    double start, elapsed;

    /* What is written reads back as the same tree. */
    char *out = json_to_string(tree, 0);
    struct json *back = parse_or_fail(out, JSON_OBJECT);
    if (!json_equal(tree, back)) {
        fail("serialized tree does not read back equal");
    }
    json_destroy(back);
    free(out);
    free(json_to_string(tree, 0));                    /* Warm-up. */

    start = now_sec();
    do {
        out = json_to_string(tree, 0);
        out_len = strlen(out);
        free(out);
        n++;
    } while ((elapsed = now_sec() - start) < run_time);
    /* Rated by the input's size, so that both builds count the same bytes
     * per serialization. */
    printf("%.1f MB/s (%zu bytes out)\n", n * t.len / elapsed / 1e6,
           out_len);
    json_destroy(tree);
    free(t.s);
}

/* ---- (c), (d), (e): JSON-RPC over a Unix socket ---- */

static char sock_dir[64];
static char sock_path[128];

static void
remove_socket_dir(void)
{
    unlink(sock_path);
    rmdir(sock_dir);
}

/* Opens a connected pair of streams over a Unix socket. */
static void
open_pair(struct jsonrpc **client, struct jsonrpc **server)
{
    struct pstream *pstream;
    struct stream *c, *s;
    char name[160];
    int error;

    snprintf(sock_dir, sizeof sock_dir, "/tmp/bench-ovs-XXXXXX");
    if (!mkdtemp(sock_dir)) {
        fail("mkdtemp: %s", strerror(errno));
    }
    snprintf(sock_path, sizeof sock_path, "%s/sock", sock_dir);
    atexit(remove_socket_dir);

    snprintf(name, sizeof name, "punix:%s", sock_path);
    error = pstream_open(name, &pstream, 0);
    if (error) {
        fail("pstream_open(%s): %s", name, strerror(error));
    }
    snprintf(name, sizeof name, "unix:%s", sock_path);
    error = stream_open_block(stream_open(name, &c, 0), 5000, &c);
    if (error) {
        fail("stream_open(%s): %s", name, strerror(error));
    }
    error = pstream_accept_block(pstream, &s);
    if (error) {
        fail("pstream_accept: %s", strerror(error));
    }
    pstream_close(pstream);
    *client = jsonrpc_open(c);
    *server = jsonrpc_open(s);
}

/* The size on the wire of a notification with 'params'. */
static size_t
wire_size(const struct json *params)
{
    struct jsonrpc_msg *msg = jsonrpc_create_notify("update",
                                                    json_clone(params));
    struct json *json = jsonrpc_msg_to_json(msg);
    char *s = json_to_string(json, 0);
    size_t len = strlen(s);

    free(s);
    json_destroy(json);
    return len;
}

/* ["xxx..."]: a notification of exactly 'size' bytes on the wire. */
static struct json *
string_params(size_t size)
{
    struct json *params = json_array_create_empty();
    size_t base, pad;
    char *s;

    json_array_add(params, json_string_create(""));
    base = wire_size(params);
    json_destroy(params);

    pad = size > base ? size - base : 0;
    s = malloc(pad + 1);
    memset(s, 'x', pad);
    s[pad] = '\0';
    params = json_array_create_empty();
    json_array_add(params, json_string_create(s));
    free(s);
    return params;
}

/* ["monid",{"Interface":{rows}}] of about 'size' bytes on the wire. */
static struct json *
rows_params(size_t size)
{
    size_t per_row, rows;
    struct json *params;
    struct text t;

    t = monitor_update(1, 0);
    per_row = t.len;
    free(t.s);
    t = monitor_update(2, 0);
    per_row = t.len - per_row;
    rows = size / per_row ? size / per_row : 1;
    free(t.s);

    /* The params alone: the update without its prefix and final '}'. */
    t = monitor_update(rows, 0);
    t.s[t.len - 1] = '\0';
    params = parse_or_fail(t.s + strlen(UPDATE_PREFIX), JSON_ARRAY);
    free(t.s);
    return params;
}

/* Notifications per second from one connection to the other, one poll
 * loop: each message is sent with its own jsonrpc_send() (which writes at
 * once when nothing is queued, as OVS does), the receiver takes every
 * message jsonrpc_recv() has. */
static void
bench_notify(struct json *params)
{
    enum { BURST = 256, MAX_BACKLOG = 256 * 1024 };
    struct jsonrpc *tx, *rx;
    size_t size = wire_size(params);
    unsigned long long received = 0;
    unsigned int checks = 0;
    double start, elapsed, user0, sys0;

    if (params->type != JSON_ARRAY || !params->array.n) {
        fail("notification params are not a non-empty array");
    }
    open_pair(&tx, &rx);
    cpu_times(&user0, &sys0);
    start = now_sec();
    for (;;) {
        jsonrpc_run(tx);
        for (int burst = 0;
             burst < BURST && jsonrpc_get_backlog(tx) < MAX_BACKLOG;
             burst++) {
            int error = jsonrpc_send(tx, jsonrpc_create_notify(
                                         "update", json_clone(params)));
            if (error) {
                fail("jsonrpc_send: %s", strerror(error));
            }
        }
        for (;;) {
            struct jsonrpc_msg *msg;
            int error = jsonrpc_recv(rx, &msg);

            if (error == EAGAIN) {
                break;
            } else if (error) {
                fail("jsonrpc_recv: %s", strerror(error));
            }
            if (msg->type != JSONRPC_NOTIFY || !msg->params
                || msg->params->type != JSON_ARRAY
                || msg->params->array.n != params->array.n) {
                fail("received something else than the notification");
            }
            jsonrpc_msg_destroy(msg);
            received++;
        }
        if (++checks % 16 == 0 && now_sec() - start >= run_time) {
            break;
        }
        jsonrpc_wait(tx);
        if (jsonrpc_get_backlog(tx) < MAX_BACKLOG) {
            poll_immediate_wake();
        }
        jsonrpc_recv_wait(rx);
        poll_block();
    }
    elapsed = now_sec() - start;
    printf("%.0f msgs/s (%zu bytes each)", received / elapsed, size);
    print_cpu_per_op(user0, sys0, received);
    printf("\n");
    jsonrpc_close(tx);
    jsonrpc_close(rx);
    json_destroy(params);
}

/* Request/reply round trips per second: the client sends a request, the
 * server receives it and sends back its params as the result, the client
 * receives the reply. */
static void
bench_round_trips(void)
{
    struct jsonrpc *client, *server;
    struct json *params = json_array_create_empty();
    unsigned long long n = 0;
    double start, elapsed, user0, sys0;

    json_array_add(params, json_string_create("ping"));
    open_pair(&client, &server);
    cpu_times(&user0, &sys0);
    start = now_sec();
    do {
        struct jsonrpc_msg *request, *reply;
        struct json *id;
        int error;

        request = jsonrpc_create_request("echo", json_clone(params), &id);
        error = jsonrpc_send(client, request);
        if (error) {
            fail("jsonrpc_send: %s", strerror(error));
        }
        error = jsonrpc_recv_block(server, &request);
        if (error || request->type != JSONRPC_REQUEST) {
            fail("server: no request (%s)", strerror(error));
        }
        error = jsonrpc_send(server, jsonrpc_create_reply(
                                 json_clone(request->params), request->id));
        if (error) {
            fail("jsonrpc_send (reply): %s", strerror(error));
        }
        jsonrpc_msg_destroy(request);
        error = jsonrpc_recv_block(client, &reply);
        if (error || reply->type != JSONRPC_REPLY
            || !json_equal(reply->id, id)) {
            fail("client: no reply to its request (%s)", strerror(error));
        }
        jsonrpc_msg_destroy(reply);
        json_destroy(id);
        n++;
    } while (n % 64 || (elapsed = now_sec() - start) < run_time);
    printf("%.0f round trips/s", n / elapsed);
    print_cpu_per_op(user0, sys0, n);
    printf("\n");
    jsonrpc_close(client);
    jsonrpc_close(server);
    json_destroy(params);
}

/* ---- (g): poll loop iterations against the number of fds ---- */

/* Microseconds per main-loop iteration over 'n' pipes: poll_fd_wait() on
 * each read end, then poll_block(); one pipe holds a byte nobody reads, so
 * each poll_block() returns at once (level-triggered). */
static double
poll_iteration_usec(int n, double seconds)
{
    int (*fds)[2] = malloc(n * sizeof *fds);
    unsigned long long iterations = 0;
    double start, elapsed;

    for (int i = 0; i < n; i++) {
        if (pipe(fds[i])) {
            fail("pipe: %s", strerror(errno));
        }
    }
    if (write(fds[n / 2][1], "x", 1) != 1) {
        fail("write: %s", strerror(errno));
    }
    start = now_sec();
    do {
        for (int k = 0; k < 16; k++) {
            for (int i = 0; i < n; i++) {
                poll_fd_wait(fds[i][0], POLLIN);
            }
            poll_block();
        }
        iterations += 16;
    } while ((elapsed = now_sec() - start) < seconds);
    for (int i = 0; i < n; i++) {
        close(fds[i][0]);
        close(fds[i][1]);
    }
    free(fds);
    return elapsed * 1e6 / iterations;
}

static void
bench_poll_loop(void)
{
    double few = poll_iteration_usec(10, run_time / 2);
    double many = poll_iteration_usec(5000, run_time / 2);

    printf("%.0f iterations/s at 5000 fds (%.3f us; 10 fds %.3f us; "
           "ratio 5000:10 %.1f)\n", 1e6 / many, many, few, many / few);
}

/* ---- (f): peak memory of one large tree ---- */

/* A field of /proc/self/status, in kB. */
static long
proc_status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    size_t flen = strlen(field);
    char line[256];
    long kb = -1;

    if (!f) {
        fail("/proc/self/status: %s", strerror(errno));
    }
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, field, flen) && line[flen] == ':') {
            kb = atol(line + flen + 1);
        }
    }
    fclose(f);
    if (kb < 0) {
        fail("/proc/self/status: no %s", field);
    }
    return kb;
}

/* How much the process's peak resident size grows while parsing a ~100 MB
 * monitor update (the text itself is resident before and not counted). */
static void
bench_memory(void)
{
    struct text t = monitor_update(0, 100 * 1000 * 1000);
    long before, peak, after;
    struct json *tree;
    FILE *f;

    /* Reset VmHWM to the present resident size (Linux's clear_refs "5"), so
     * that the growing of the text's buffer does not count. */
    f = fopen("/proc/self/clear_refs", "w");
    if (!f || fputs("5", f) < 0 || fclose(f)) {
        fail("/proc/self/clear_refs: cannot reset the peak");
    }
    before = proc_status_kb("VmRSS");
    if (proc_status_kb("VmHWM") > before + 1024) {
        fail("VmHWM was not reset");
    }
    tree = parse_or_fail(t.s, JSON_OBJECT);
    peak = proc_status_kb("VmHWM");
    after = proc_status_kb("VmRSS");
    printf("%ld kB peak (tree resident: %ld kB; text %zu bytes)\n",
           peak - before, after - before, t.len);
    /* The tree is not freed: the process ends here. */
    (void) tree;
}

int
main(int argc, char *argv[])
{
    const char *ms = getenv("BENCH_OVS_RUN_MS");

    if (ms && atoi(ms) > 0) {
        run_time = atoi(ms) / 1000.0;
    }
    if (argc != 2) {
        fail("usage: bench-ovs parse|serialize|notify-100|notify-10k|"
             "notify-rows|round-trips|poll-loop|memory");
    }
    if (!strcmp(argv[1], "parse")) {
        bench_parse();
    } else if (!strcmp(argv[1], "serialize")) {
        bench_serialize();
    } else if (!strcmp(argv[1], "notify-100")) {
        bench_notify(string_params(100));
    } else if (!strcmp(argv[1], "notify-10k")) {
        bench_notify(string_params(10000));
    } else if (!strcmp(argv[1], "notify-rows")) {
        bench_notify(rows_params(10000));
    } else if (!strcmp(argv[1], "round-trips")) {
        bench_round_trips();
    } else if (!strcmp(argv[1], "poll-loop")) {
        bench_poll_loop();
    } else if (!strcmp(argv[1], "memory")) {
        bench_memory();
    } else {
        fail("unknown scenario %s", argv[1]);
    }
    return 0;
}
