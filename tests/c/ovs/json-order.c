/* json-order: the iteration order of ovsrpc's struct shash, which is the
 * member order of json_to_string() without JSSF_SORT, against OVS's own
 * lib/shash.c, lib/hmap.c and lib/hash.c (json-order-ovs.c), for the
 * same sequences of additions and deletions: names k0..k299 added one by
 * one, random names of every length up to 40, OVSDB column names, and
 * deletions followed by more additions.  Also checks each node's hash
 * against OVS's hash_bytes().  Built and run by run-json-at.sh. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openvswitch/shash.h"

void order_ovs(const char *const *ops, size_t n_ops, char *buf, size_t size);
uint32_t ovs_hash_bytes(const void *, size_t, uint32_t);

/* What OVS's hmap.o and shash.o need from the rest of OVS's library. */
void *xmalloc(size_t n);
void *xmalloc__(size_t n);
char *xstrdup(const char *s);
void ovs_assert_failure(const char *, const char *, const char *);
void coverage_counter_register(void *);
void vlog_insert_module(void *);
bool vlog_rate_limit(void *, int, void *);
uint32_t random_uint32(void);
void xpthread_setspecific(pthread_key_t, const void *);

void *xmalloc(size_t n) { void *p = malloc(n ? n : 1); if (!p) abort(); return p; }
void *xmalloc__(size_t n) { return xmalloc(n); }
char *xstrdup(const char *s) { return strcpy(xmalloc(strlen(s) + 1), s); }
void ovs_assert_failure(const char *a, const char *b, const char *c)
{ fprintf(stderr, "%s: %s: assertion %s failed\n", a, b, c); abort(); }
void coverage_counter_register(void *c) { (void) c; }
void vlog_insert_module(void *m) { (void) m; }
bool vlog_rate_limit(void *m, int l, void *r) { (void) m; (void) l; (void) r; return true; }
uint32_t random_uint32(void) { return (uint32_t) rand(); }
void xpthread_setspecific(pthread_key_t k, const void *v) { pthread_setspecific(k, v); }

static void
order_ovsrpc(const char *const *ops, size_t n_ops, char *buf, size_t size)
{
    struct shash sh = SHASH_INITIALIZER(&sh);
    struct shash_node *node;
    size_t i, used = 0;

    for (i = 0; i < n_ops; i++) {
        if (ops[i][0] == '+') {
            node = shash_add(&sh, ops[i] + 1, NULL);
            if (node->node.hash
                != ovs_hash_bytes(node->name, strlen(node->name), 0)) {
                fprintf(stderr, "json-order: hash of \"%s\" differs\n",
                        node->name);
                exit(1);
            }
        } else {
            shash_delete(&sh, shash_find(&sh, ops[i] + 1));
        }
    }
    buf[0] = '\0';
    SHASH_FOR_EACH (node, &sh) {
        size_t len = strlen(node->name);
        if (used + len + 2 < size) {
            memcpy(buf + used, node->name, len);
            used += len;
            buf[used++] = ',';
            buf[used] = '\0';
        }
    }
    shash_destroy(&sh);
}

#define MAX_OPS 1000
static char *ops[MAX_OPS];
static size_t n_ops;
static int n_compared, n_failed;

static void
op(char kind, const char *name)
{
    if (n_ops < MAX_OPS) {
        ops[n_ops] = malloc(strlen(name) + 2);
        ops[n_ops][0] = kind;
        strcpy(ops[n_ops] + 1, name);
        n_ops++;
    }
}

static void
compare(const char *what)
{
    static char a[65536], b[65536];

    order_ovsrpc((const char *const *) ops, n_ops, a, sizeof a);
    order_ovs((const char *const *) ops, n_ops, b, sizeof b);
    n_compared++;
    if (strcmp(a, b)) {
        fprintf(stderr, "json-order: %s (%zu operations): order differs\n"
                "ovsrpc: %.300s\nOVS:    %.300s\n", what, n_ops, a, b);
        n_failed++;
    }
}

static void
reset(void)
{
    while (n_ops) {
        free(ops[--n_ops]);
    }
}

int
main(void)
{
    static const char *const columns[] = {
        "_uuid", "_version", "name", "external_ids", "other_config",
        "ports", "bridges", "controller", "fail_mode", "datapath_id",
        "datapath_type", "mirrors", "netflow", "sflow", "ipfix",
        "flood_vlans", "stp_enable", "rstp_enable", "mcast_snooping_enable",
        "protocols", "status", "rstp_status", "auto_attach", "flow_tables",
        "method", "params", "id", "result", "error",
    };
    char name[64];
    int i, j;

    for (i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "k%d", i);
        op('+', name);
        compare("k0..kN");
    }
    reset();

    for (i = 0; i < (int) (sizeof columns / sizeof *columns); i++) {
        op('+', columns[i]);
        compare("OVSDB column names");
    }
    reset();

    srand(12345);
    for (i = 0; i < 200; i++) {
        int len = rand() % 41;
        for (j = 0; j < len; j++) {
            name[j] = 'a' + rand() % 26;
        }
        snprintf(name + len, sizeof name - len, "#%d", i);
        op('+', name);
        compare("random names");
    }
    for (i = 0; i < 200; i += 3) {
        strcpy(name, ops[i] + 1);
        op('-', name);
    }
    compare("random names, a third deleted");
    for (i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "again%d", i);
        op('+', name);
    }
    compare("random names, deleted, added again");
    reset();

    if (n_failed) {
        fprintf(stderr, "json-order: %d of %d orders differ\n",
                n_failed, n_compared);
        return 1;
    }
    printf("json-order: %d shash iteration orders identical to OVS's\n",
           n_compared);
    return 0;
}
