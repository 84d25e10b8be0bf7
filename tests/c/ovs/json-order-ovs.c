/* json-order-ovs: the OVS side of json-order.c, built against OVS 3.1's
 * own headers and linked with OVS's hash.o, hmap.o and shash.o, whose
 * symbols run-json-at.sh renames to ovs_* (this object's references
 * too), so that both implementations live in one program. */

#include <config.h>
#include <string.h>
#include "openvswitch/shash.h"

/* Applies 'ops' ("+name" adds, "-name" deletes) to a new shash and writes
 * the names in SHASH_FOR_EACH order to 'buf', comma-separated. */
void order_ovs(const char *const *ops, size_t n_ops, char *buf, size_t size);

void
order_ovs(const char *const *ops, size_t n_ops, char *buf, size_t size)
{
    struct shash sh = SHASH_INITIALIZER(&sh);
    struct shash_node *node;
    size_t i, used = 0;

    for (i = 0; i < n_ops; i++) {
        if (ops[i][0] == '+') {
            shash_add(&sh, ops[i] + 1, NULL);
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
