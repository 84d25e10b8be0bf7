/* test-reconnect: the scripted reconnect driver of `ovstest test-reconnect`
 * (the Rust one in tests/ovstest), written in C against the OVS-named headers.
 *
 * Reads a script on standard input and prints the transcript; `make c-check`
 * compares it with tests/scripts/NAME.expected for every script.  Written
 * from the contract, not from OVS's source: only reconnect.h is used. */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconnect.h"

#define MAX_WORDS 16

static struct reconnect *fsm;
static int now;

static void
fatal(const char *format, ...)
{
    va_list args;

    fputs("test-reconnect: ", stderr);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    putc('\n', stderr);
    exit(1);
}

/* Splits 'line' in place into at most MAX_WORDS words, with shell-like
 * quoting and backslash escapes, as OVS's svec_parse_words() does.  Returns
 * the number of words; '*storage' receives the buffer to free. */
static int
parse_words(const char *line, char *words[MAX_WORDS], char **storage)
{
    size_t len = strlen(line);
    char *out = malloc(len + 1);
    char *p = out;
    int n = 0;
    size_t i = 0;

    if (!out) {
        fatal("out of memory");
    }
    *storage = out;
    for (;;) {
        char quote = 0;

        while (i < len && isspace((unsigned char) line[i])) {
            i++;
        }
        if (i >= len) {
            break;
        }
        if (n >= MAX_WORDS) {
            fatal("too many words");
        }
        words[n++] = p;
        for (; i < len; i++) {
            char c = line[i];

            if (c == quote) {
                quote = 0;
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '\\' && (!quote || quote == '"')) {
                if (++i >= len) {
                    break;
                }
                *p++ = line[i];
            } else if (isspace((unsigned char) c) && !quote) {
                i++;
                break;
            } else {
                *p++ = c;
            }
        }
        *p++ = '\0';
    }
    return n;
}

static int
error_from_string(const char *s)
{
    if (!s) {
        return 0;
    } else if (!strcmp(s, "ECONNREFUSED")) {
        return ECONNREFUSED;
    } else if (!strcmp(s, "EOF")) {
        return EOF;
    }
    fatal("unknown error '%s'", s);
    return 0;
}

static void
diff_stats(const struct reconnect_stats *old, const struct reconnect_stats *new,
           int delta)
{
    if (strcmp(old->state, new->state)
        || old->state_elapsed != new->state_elapsed
        || old->backoff != new->backoff) {
        printf("  in %s for %u ms (%d ms backoff)\n",
               new->state, new->state_elapsed, new->backoff);
    }
    if (old->creation_time != new->creation_time
        || old->last_activity != new->last_activity
        || old->last_connected != new->last_connected) {
        printf("  created %lld, last activity %lld, last connected %lld\n",
               new->creation_time, new->last_activity, new->last_connected);
    }
    if (old->n_successful_connections != new->n_successful_connections
        || old->n_attempted_connections != new->n_attempted_connections
        || old->seqno != new->seqno) {
        printf("  %u successful connections out of %u attempts, seqno %u\n",
               new->n_successful_connections, new->n_attempted_connections,
               new->seqno);
    }
    if (old->is_connected != new->is_connected) {
        printf("  %sconnected\n", new->is_connected ? "" : "dis");
    }
    if (old->last_connected != new->last_connected
        || (old->msec_since_connect != new->msec_since_connect - delta
            && !(old->msec_since_connect == UINT_MAX
                 && new->msec_since_connect == UINT_MAX))
        || (old->total_connected_duration
            != new->total_connected_duration - delta
            && !(old->total_connected_duration == 0
                 && new->total_connected_duration == 0))) {
        printf("  last connected %u ms ago, connected %u ms total\n",
               new->msec_since_connect, new->total_connected_duration);
    }
    if (old->last_disconnected != new->last_disconnected
        || (old->msec_since_disconnect != new->msec_since_disconnect - delta
            && !(old->msec_since_disconnect == UINT_MAX
                 && new->msec_since_disconnect == UINT_MAX))) {
        printf("  disconnected at %llu ms (%u ms ago)\n",
               (unsigned long long) new->last_disconnected,
               new->msec_since_disconnect);
    }
}

static void
do_run(const char *arg)
{
    if (arg) {
        now += atoi(arg);
    }
    switch (reconnect_run(fsm, now)) {
    case RECONNECT_CONNECT:
        printf("  should connect\n");
        break;
    case RECONNECT_DISCONNECT:
        printf("  should disconnect\n");
        break;
    case RECONNECT_PROBE:
        printf("  should send probe\n");
        break;
    default:
        break;
    }
}

static void
do_timeout(void)
{
    int timeout = reconnect_timeout(fsm, now);

    if (timeout >= 0) {
        printf("  advance %d ms\n", timeout);
        now += timeout;
    } else {
        printf("  no timeout\n");
    }
}

static void
do_receive_attempted(const char *arg)
{
    if (!strcmp(arg, "now")) {
        reconnect_receive_attempted(fsm, now);
    } else if (!strcmp(arg, "LLONG_MAX")) {
        reconnect_receive_attempted(fsm, LLONG_MAX);
    } else {
        fatal("receive-attempted: bad argument %s", arg);
    }
}

struct command {
    const char *name;
    int min_args, max_args;
};

static const struct command commands[] = {
    {"enable", 0, 0},
    {"disable", 0, 0},
    {"force-reconnect", 0, 0},
    {"disconnected", 0, 1},
    {"connecting", 0, 0},
    {"connect-failed", 0, 1},
    {"connected", 0, 0},
    {"activity", 0, 0},
    {"run", 0, 1},
    {"advance", 1, 1},
    {"timeout", 0, 0},
    {"set-max-tries", 1, 1},
    {"set-backoff-free-tries", 1, 1},
    {"passive", 0, 0},
    {"listening", 0, 0},
    {"listen-error", 1, 1},
    {"receive-attempted", 1, 1},
};

static void
run_command(int n, char *words[])
{
    const char *name = words[0];
    const char *arg = n > 1 ? words[1] : NULL;
    const struct command *c = NULL;
    size_t i;

    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(commands[i].name, name)) {
            c = &commands[i];
            break;
        }
    }
    if (!c) {
        fatal("unknown command '%s'; use --help for help", name);
    } else if (n - 1 < c->min_args) {
        fatal("'%s' command requires at least %d arguments",
              name, c->min_args);
    } else if (n - 1 > c->max_args) {
        fatal("'%s' command takes at most %d arguments", name, c->max_args);
    }

    if (!strcmp(name, "enable")) {
        reconnect_enable(fsm, now);
    } else if (!strcmp(name, "disable")) {
        reconnect_disable(fsm, now);
    } else if (!strcmp(name, "force-reconnect")) {
        reconnect_force_reconnect(fsm, now);
    } else if (!strcmp(name, "disconnected")) {
        reconnect_disconnected(fsm, now, error_from_string(arg));
    } else if (!strcmp(name, "connecting")) {
        reconnect_connecting(fsm, now);
    } else if (!strcmp(name, "connect-failed")) {
        reconnect_connect_failed(fsm, now, error_from_string(arg));
    } else if (!strcmp(name, "connected")) {
        reconnect_connected(fsm, now);
    } else if (!strcmp(name, "activity")) {
        reconnect_activity(fsm, now);
    } else if (!strcmp(name, "run")) {
        do_run(arg);
    } else if (!strcmp(name, "advance")) {
        now += atoi(arg);
    } else if (!strcmp(name, "timeout")) {
        do_timeout();
    } else if (!strcmp(name, "set-max-tries")) {
        reconnect_set_max_tries(fsm, atoi(arg));
    } else if (!strcmp(name, "set-backoff-free-tries")) {
        reconnect_set_backoff_free_tries(fsm, atoi(arg));
    } else if (!strcmp(name, "passive")) {
        reconnect_set_passive(fsm, true, now);
    } else if (!strcmp(name, "listening")) {
        reconnect_listening(fsm, now);
    } else if (!strcmp(name, "listen-error")) {
        reconnect_listen_error(fsm, now, atoi(arg));
    } else if (!strcmp(name, "receive-attempted")) {
        do_receive_attempted(arg);
    }
}

int
main(void)
{
    struct reconnect_stats prev;
    unsigned int old_max_tries;
    int old_time;
    char line[128];

    now = 1000;
    fsm = reconnect_create(now);
    reconnect_set_name(fsm, "remote");
    if (strcmp(reconnect_get_name(fsm), "remote")) {
        fatal("reconnect_get_name() returned \"%s\"", reconnect_get_name(fsm));
    }
    reconnect_get_stats(fsm, now, &prev);
    printf("### t=%d ###\n", now);
    old_time = now;
    old_max_tries = reconnect_get_max_tries(fsm);
    while (fgets(line, sizeof line, stdin)) {
        struct reconnect_stats cur;
        char *words[MAX_WORDS];
        char *storage;
        int n;

        fputs(line, stdout);
        if (line[0] == '#') {
            continue;
        }

        n = parse_words(line, words, &storage);
        if (n > 0) {
            run_command(n, words);
        }
        free(storage);

        if (now != old_time) {
            printf("\n### t=%d ###\n", now);
        }

        reconnect_get_stats(fsm, now, &cur);
        diff_stats(&prev, &cur, now - old_time);
        prev = cur;
        if (reconnect_get_max_tries(fsm) != old_max_tries) {
            old_max_tries = reconnect_get_max_tries(fsm);
            printf("  %u tries left\n", old_max_tries);
        }

        old_time = now;
    }
    reconnect_destroy(fsm);
    reconnect_destroy(NULL);
    return 0;
}
