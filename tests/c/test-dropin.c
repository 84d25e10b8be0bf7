/* test-dropin.c: the parts of OVS's headers that ovsrpc provides beyond
 * connections and JSON: struct svec (svec.h), both forms of
 * jsonrpc_session_open_multiple(), timeval.h's clocks, conversions and
 * formatting, and stream.h's helpers.  Run under valgrind by `make
 * c-check`. */

#define TEST_NAME "test-dropin"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#define ARRAY_SIZE_(A) (sizeof (A) / sizeof *(A))
#include "jsonrpc.h"
#include "openvswitch/poll-loop.h"
#include "stream.h"
#include "stream-ssl.h"
#include "svec.h"
#include "timeval.h"

static void
test_svec(void)
{
    struct svec a = SVEC_EMPTY_INITIALIZER;
    struct svec b, a_only, both, b_only;
    const char *name;
    size_t i, n;
    char *joined;

    CHECK(svec_is_empty(&a));
    svec_parse_words(&a, "  run 'two words' \"a \\\"q\\\"\" back\\ slash\n");
    CHECK(a.n == 4);
    CHECK(!strcmp(a.names[0], "run"));
    CHECK(!strcmp(a.names[1], "two words"));
    CHECK(!strcmp(a.names[2], "a \"q\""));
    CHECK(!strcmp(a.names[3], "back slash"));
    svec_terminate(&a);
    CHECK(a.names[a.n] == NULL && a.n == 4);

    svec_add(&a, "run");
    svec_add_nocopy(&a, strdup("alpha"));
    CHECK(!svec_is_sorted(&a));
    svec_sort(&a);
    CHECK(svec_is_sorted(&a));
    CHECK(!svec_is_unique(&a));
    CHECK(!strcmp(svec_get_duplicate(&a), "run"));
    svec_unique(&a);
    CHECK(svec_is_unique(&a) && a.n == 5);
    CHECK(svec_contains(&a, "alpha") && !svec_contains(&a, "beta"));
    CHECK(svec_find(&a, "run") == 3 && svec_find(&a, "zzz") == SIZE_MAX);
    CHECK(svec_contains_unsorted(&a, "two words"));
    CHECK(!strcmp(svec_back(&a), "two words"));

    svec_clone(&b, &a);
    CHECK(svec_equal(&a, &b));
    svec_del(&b, "alpha");
    svec_add(&b, "zulu");
    CHECK(!svec_equal(&a, &b));
    svec_diff(&a, &b, &a_only, &both, &b_only);
    CHECK(a_only.n == 1 && !strcmp(a_only.names[0], "alpha"));
    CHECK(both.n == 4);
    CHECK(b_only.n == 1 && !strcmp(b_only.names[0], "zulu"));

    joined = svec_join(&both, ", ", ".");
    CHECK(!strcmp(joined, "a \"q\", back slash, run, two words."));
    free(joined);

    n = 0;
    SVEC_FOR_EACH (i, name, &b) {
        CHECK(name == b.names[i]);
        n++;
    }
    CHECK(n == b.n);

    svec_pop_back(&b);
    CHECK(!svec_contains(&b, "zulu"));
    svec_append(&b, &b);        /* Appending an svec to itself. */
    CHECK(b.n == 8);
    svec_shuffle(&b);
    svec_sort_unique(&b);
    CHECK(b.n == 4);
    svec_swap(&a, &b);
    CHECK(a.n == 4 && b.n == 5);
    free(b.names[0]);
    b.names[0] = NULL;
    svec_compact(&b);
    CHECK(b.n == 4);
    svec_clear(&b);
    CHECK(svec_is_empty(&b));

    svec_destroy(&a);
    svec_destroy(&b);
    svec_destroy(&a_only);
    svec_destroy(&both);
    svec_destroy(&b_only);
}

static void
test_open_multiple(void)
{
    struct svec remotes;
    const char *names[] = { "tcp:127.0.0.1:1", "tcp:127.0.0.1:2",
                            "unix:/nonexistent" };
    struct jsonrpc_session *s;

    /* OVS's form: an svec. */
    svec_init(&remotes);
    svec_add(&remotes, names[0]);
    svec_add(&remotes, names[1]);
    s = jsonrpc_session_open_multiple(&remotes, true);
    CHECK(jsonrpc_session_get_n_remotes(s) == 2);
    jsonrpc_session_close(s);
    svec_destroy(&remotes);

    /* The array form. */
    s = jsonrpc_session_open_multiple(names, 3, false);
    CHECK(jsonrpc_session_get_n_remotes(s) == 3);
    jsonrpc_session_close(s);
}

static void
test_timeval(void)
{
    struct timespec ts;
    struct timeval tv;
    struct tm_msec tm;
    char buf[64];
    long long before, usec, after, wall;
    int elapsed, fds[2];
    struct pollfd pfd;

    before = time_msec();
    usec = time_usec();
    after = time_msec();
    CHECK(before <= usec / 1000 && usec / 1000 <= after);
    CHECK(time_boot_msec() <= before);
    time_timespec(&ts);
    CHECK(timespec_to_msec(&ts) >= after);
    CHECK(timespec_to_usec(&ts) >= usec);

    wall = time_wall_msec();
    xgettimeofday(&tv);
    CHECK(timeval_to_msec(&tv) >= wall && timeval_to_msec(&tv) - wall < 1000);
    CHECK(timeval_to_usec(&tv) / 1000 == timeval_to_msec(&tv));
    CHECK(time_wall_usec() / 1000 >= wall);
    time_wall_timespec(&ts);
    CHECK(timespec_to_msec(&ts) >= wall);
    xclock_gettime(CLOCK_MONOTONIC, &ts);
    CHECK(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);

    nsec_to_timespec(-1500000000LL, &ts);
    CHECK(ts.tv_sec == -2 && ts.tv_nsec == 500000000);
    nsec_to_timespec(2000000001LL, &ts);
    CHECK(ts.tv_sec == 2 && ts.tv_nsec == 1);

    /* 2001-09-09 01:46:40.123 UTC. */
    CHECK(gmtime_msec(1000000000123LL, &tm) == &tm);
    CHECK(tm.msec == 123 && tm.tm.tm_year == 101 && tm.tm.tm_hour == 1);
    CHECK(strftime_msec(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.###Z", &tm)
          == strlen("2001-09-09T01:46:40.123Z"));
    CHECK(!strcmp(buf, "2001-09-09T01:46:40.123Z"));
    CHECK(strftime_msec(buf, sizeof buf, "%S.#####", &tm) == 8);
    CHECK(!strcmp(buf, "40.12300"));
    CHECK(strftime_msec(buf, 0, "%S", &tm) == 0);
    CHECK(localtime_msec(1000000000123LL, &tm) == &tm && tm.msec == 123);

    /* time_poll(): a readable pipe, then a timeout. */
    if (pipe(fds)) {
        fatal("pipe failed");
    }
    CHECK(write(fds[1], "x", 1) == 1);
    pfd.fd = fds[0];
    pfd.events = POLLIN;
    pfd.revents = 0;
    CHECK(time_poll(&pfd, 1, NULL, time_msec() + 10000, &elapsed) == 1);
    CHECK(pfd.revents & POLLIN);
    CHECK(elapsed >= 0);
    pfd.fd = fds[1];
    pfd.events = 0;
    CHECK(time_poll(&pfd, 1, NULL, time_msec(), &elapsed) == 0);
    close(fds[0]);
    close(fds[1]);

    CHECK(get_cpu_usage() == -1);
    timewarp_run();
    CHECK(TIME_MAX > 0 && TIME_MIN < 0);
}

/* time_alarm(1): the process dies of SIGALRM a second later, whatever it
 * is doing (here: waiting in time_poll() with no deadline). */
static void
test_time_alarm(void)
{
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        fatal("fork failed");
    } else if (!pid) {
        int elapsed;

        time_alarm(1);
        time_poll(NULL, 0, NULL, LLONG_MAX, &elapsed);
        _exit(0);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM);
}

static void
test_stream_helpers(void)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *) &ss;
    struct pstream *listener;
    struct stream *stream;
    int error;

    CHECK(DSCP_DEFAULT == 48);
    CHECK(stream_parse_target_with_default_port("tcp:127.0.0.1", 6640, &ss));
    CHECK(sin->sin_family == AF_INET && ntohs(sin->sin_port) == 6640);
    CHECK(!stream_parse_target_with_default_port("punix:x", 6640, &ss));

    error = pstream_open("ptcp:0:127.0.0.1", &listener, DSCP_DEFAULT);
    CHECK(!error);
    if (!error) {
        char name[64];

        snprintf(name, sizeof name, "tcp:127.0.0.1:%u",
                 (unsigned) pstream_get_bound_port(listener));
        error = stream_open(name, &stream, DSCP_DEFAULT);
        CHECK(!error);
        if (!error) {
            CHECK(stream_get_peer_id(stream) == NULL);
            stream_set_peer_id(stream, "client-1");
            CHECK(!strcmp(stream_get_peer_id(stream), "client-1"));
            stream_set_peer_id(stream, NULL);
            CHECK(stream_get_peer_id(stream) == NULL);
            stream_close(stream);
        }
        pstream_close(listener);
    }

    stream_report_content("{\"id\":1}", 8, STREAM_JSONRPC, NULL, "test");
    stream_replay_close_wfd(NULL);
}

/* stream-ssl.h's option macros, used as OVS's programs use them. */
static void
test_ssl_options(void)
{
    enum { OPT_FIRST = UCHAR_MAX + 1, SSL_OPTION_ENUMS };
    static const struct option options[] = {
        STREAM_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    char *argv[] = { "test", "--ssl-protocols=TLSv1.2,TLSv1.3",
                     "--ssl-server-name=example", NULL };
    int n = 0;

    optind = 0;
    for (;;) {
        int c = getopt_long(3, argv, "p:c:C:", options, NULL);
        if (c == -1) {
            break;
        }
        switch (c) {
        STREAM_SSL_OPTION_HANDLERS
        default:
            CHECK(false);
        }
        n++;
    }
    CHECK(n == 2);
    CHECK(ARRAY_SIZE_(options) == 8);
    stream_ssl_set_server_name(NULL);
}

int
main(void)
{
    test_svec();
    test_open_multiple();
    test_timeval();
    test_time_alarm();
    test_stream_helpers();
    test_ssl_options();
    return checks_finish("");
}
